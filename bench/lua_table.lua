-- lua_table.lua: a table-heavy Lua 5.4 workload for bench/run.
--
-- Lua allocates every table, string and closure through realloc/free, so
-- this exercises realloc growth as well as small-object churn.  Checks its
-- own results: prints "check=ok", or errors out (non-zero exit status).
--
-- usage: lua5.4 bench/lua_table.lua [scale (default 1.0)]
--
-- Copyright (C) 2026 The libcalloc-lite authors.
-- SPDX-License-Identifier: MIT

local scale = tonumber(arg and arg[1]) or 1.0
local n = math.floor(50000 * scale)

local function check(cond, msg)
  if not cond then
    io.stderr:write("FAIL: lua_table: " .. msg .. "\n")
    os.exit(1)
  end
end

-- 1. a hash of records keyed by strings, then deletions
local h, count = {}, 0
local x = 12345
for i = 0, n - 1 do
  x = (x * 1103515245 + 12345) % 2147483648
  local k = string.format("k%07d-%04x", i, x & 0xffff)
  h[k] = { id = i, name = "n" .. i, list = { i, i * 2, "s" .. i } }
  count = count + 1
end
local sum = 0
for k, r in pairs(h) do
  if r.id % 3 == 0 then
    h[k] = nil
  else
    r.list[#r.list + 1] = string.upper(r.name)
    sum = sum + r.id
  end
end
local expect = 0
for i = 0, n - 1 do
  if i % 3 ~= 0 then expect = expect + i end
end
check(sum == expect, "sum " .. sum .. " ~= " .. expect)

-- 2. arrays that grow element by element (realloc of the array part)
local arrays, total = {}, 0
for i = 1, n // 100 do
  local a = {}
  for j = 1, 100 + i % 400 do a[j] = j * i end
  arrays[#arrays + 1] = a
  if #arrays > 200 then
    for _, b in ipairs(arrays) do total = total + #b end
    arrays = {}
  end
end
for _, b in ipairs(arrays) do total = total + #b end
local want = 0
for i = 1, n // 100 do want = want + 100 + i % 400 end
check(total == want, "array total " .. total .. " ~= " .. want)

-- 3. string building: concat, split, count
local parts = {}
for i = 1, n do parts[i] = string.format("%08d:%s", i, string.rep("x", i % 50)) end
local text = table.concat(parts, "|")
local words, seen = 0, {}
for w in string.gmatch(text, "[^|]+") do
  words = words + 1
  local head = string.sub(w, 1, 4)
  seen[head] = (seen[head] or 0) + 1
end
check(words == n, "split " .. words .. " ~= " .. n)

-- 4. sort records
local recs = {}
for _, r in pairs(h) do recs[#recs + 1] = r end
table.sort(recs, function(a, b) return a.id < b.id end)
for i = 2, #recs do check(recs[i - 1].id < recs[i].id, "sort order") end

h, arrays, parts, recs = nil, nil, nil, nil
collectgarbage("collect")
print(string.format("sum=%d words=%d check=ok", sum, words))
