-- sqlite.sql: an SQLite workload for bench/run (sqlite3 :memory: < this).
--
-- Builds a table of 10^5 rows with a recursive CTE, indexes it, updates,
-- queries and aggregates it, all in memory so that page cache and row
-- buffers come from malloc.  The last line prints "check=ok" only if the
-- aggregates have the values computed independently here; bench/run
-- treats any other output as a failure.
--
-- Copyright (C) 2026 The libcalloc-lite authors.
-- SPDX-License-Identifier: MIT

.bail on
PRAGMA cache_size = -65536;

CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL, blob BLOB);

WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 99999)
INSERT INTO t (id, grp, name, val, blob)
SELECT i, i % 97, printf('name-%06d-%s', i, substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26)),
       i * 0.5, zeroblob(16 + i % 200)
FROM seq;

CREATE INDEX t_grp ON t (grp, val);
CREATE INDEX t_name ON t (name);

UPDATE t SET val = val + 1 WHERE grp % 2 = 0;
DELETE FROM t WHERE id % 10 = 9;

CREATE TABLE g AS
SELECT grp, count(*) AS n, sum(val) AS s, max(length(name)) AS m
FROM t GROUP BY grp;

CREATE TABLE j AS
SELECT a.id AS id, b.id AS other
FROM t AS a JOIN t AS b ON b.name = printf('name-%06d-%s', a.id + 1, substr('abcdefghijklmnopqrstuvwxyz', 1 + (a.id + 1) % 26))
WHERE a.grp < 50;

-- sum(val) over the surviving rows: ids not ending in 9 contribute id/2,
-- plus 1 for each surviving row in an even group.
SELECT CASE WHEN
  (SELECT count(*) FROM t) = 90000
  AND (SELECT sum(n) FROM g) = 90000
  AND (SELECT count(*) FROM g) = 97
  AND (SELECT sum(s) FROM g) = (SELECT sum(id) * 0.5 FROM t) + (SELECT count(*) FROM t WHERE grp % 2 = 0)
  AND (SELECT count(*) FROM j) = (SELECT count(*) FROM t AS a WHERE a.grp < 50 AND (a.id + 1) % 10 <> 9 AND a.id + 1 < 100000)
  AND (SELECT count(*) FROM t WHERE name LIKE 'name-00%') = 9000
  AND (SELECT sum(id) FROM t) = 4499910000
THEN 'check=ok' ELSE 'check=BAD' END;
