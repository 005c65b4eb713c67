#!/usr/bin/python3
# py_alloc.py: an allocation-heavy Python workload for bench/run.
#
# Run with PYTHONMALLOC=malloc so that every object allocation goes to the
# malloc family (and so to the LD_PRELOADed allocator).  The work is
# deterministic and checks its own results: it prints "check=ok" at the end
# and exits with status 1 on any mismatch.
#
# usage: python3 bench/py_alloc.py [scale (default 1.0)]
#
# Copyright (C) 2026 The libcalloc-lite authors.
# SPDX-License-Identifier: MIT

import json
import sys


def fail(msg):
    print("FAIL: py_alloc: " + msg, file=sys.stderr)
    sys.exit(1)


def lcg(seed):
    """A small deterministic generator (no dependence on random's state)."""
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        yield x >> 33


def dict_churn(n):
    """Build, update and shrink dicts of string keys."""
    g = lcg(1)
    d = {}
    for i in range(n):
        k = "key-%d-%x" % (i, next(g) & 0xFFFF)
        d[k] = [i, str(i), (i, i + 1)]
    total = 0
    for k in list(d):
        v = d[k]
        if v[0] % 3 == 0:
            del d[k]
        else:
            total += v[0]
            v.append(k.upper())
    expect = sum(i for i in range(n) if i % 3)
    if total != expect or len(d) != n - (n + 2) // 3:
        fail("dict_churn: total %d != %d or size %d" % (total, expect, len(d)))
    return len(d)


def list_of_lists(n):
    """Many small lists and tuples that live for a short time."""
    acc = 0
    rows = []
    for i in range(n):
        row = [j * i for j in range(i % 17)]
        rows.append(tuple(row))
        if len(rows) > 1000:
            acc += sum(len(r) for r in rows)
            rows = rows[500:]
    acc += sum(len(r) for r in rows)
    return acc


def strings(n):
    """String building, splitting and joining."""
    parts = []
    for i in range(n):
        s = "%08d:%s" % (i, "x" * (i % 50))
        parts.append(s)
    text = "|".join(parts)
    back = text.split("|")
    if back != parts:
        fail("strings: split/join mismatch")
    words = {}
    for p in back:
        head = p[:4]
        words[head] = words.get(head, 0) + 1
    if sum(words.values()) != n:
        fail("strings: lost words")
    return len(text)


def json_roundtrip(n):
    """Encode and decode nested documents."""
    docs = []
    for i in range(n):
        docs.append({
            "id": i,
            "name": "item%d" % i,
            "tags": ["t%d" % (i % 7), "t%d" % (i % 11)],
            "attrs": {"a": i * 2, "b": [i, i + 1, i + 2], "c": None},
        })
    text = json.dumps(docs)
    back = json.loads(text)
    if back != docs:
        fail("json: round trip mismatch")
    return len(text)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    n = int(35000 * scale)
    r1 = dict_churn(n)
    r2 = list_of_lists(2 * n)
    r3 = strings(n)
    r4 = json_roundtrip(n // 2)
    if min(r1, r2, r3, r4) <= 0:
        fail("empty result")
    print("dict=%d lists=%d text=%d json=%d check=ok" % (r1, r2, r3, r4))


if __name__ == "__main__":
    main()
