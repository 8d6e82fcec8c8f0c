-- Every wrk run of the bench loads this script.
--
-- ZHTTP_BENCH_PIPELINE=N (N > 1) sends N requests in each write: one request() call returns
-- N wrk.format() requests concatenated, and wrk counts each response. Without it, request()
-- stays undefined so wrk keeps its fast static-request path.
--
-- done() prints one machine-readable line (latencies in microseconds) for scripts/bench/wrk.ts.

local depth = tonumber(os.getenv("ZHTTP_BENCH_PIPELINE") or "1")
-- ZHTTP_BENCH_CLOSE=1 asks for Connection: close, so wrk opens a new connection (over TLS,
-- a new handshake, resuming the session as browsers do) for every request.
if os.getenv("ZHTTP_BENCH_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end
local batch = nil
local threads = {}

-- setup() runs in the main Lua state, init() in the thread's: only the thread's wrk.format()
-- carries the Host header, so the request size is measured there and fetched in done().
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  request_bytes = #wrk.format()
end

if depth > 1 then
  function request()
    if batch == nil then
      local requests = {}
      for i = 1, depth do
        requests[i] = wrk.format()
      end
      batch = table.concat(requests)
    end
    return batch
  end
end

-- wrk's latency:percentile(p) ranks against a count that includes the samples its
-- coordinated-omission correction added, but scans only from the smallest recorded latency
-- up; corrections below that minimum (common with pipelining) are never reached. The answer
-- is then too high, or 0. Iterating latency(i) instead costs O(range) per call, far too slow
-- over a 1000-connection tail. So find the largest p that still answers (the share of the
-- count that is reachable) and scale each wanted percentile into that reachable part.
local function percentiles(latency, wanted)
  local low, high = 0, 100
  for _ = 1, 30 do
    local middle = (low + high) / 2
    if latency:percentile(middle) > 0 then low = middle else high = middle end
  end
  local result = {}
  for i, p in ipairs(wanted) do
    result[i] = latency:percentile(p * low / 100)
  end
  return result
end

function done(summary, latency, requests)
  local errors = summary.errors
  local p = percentiles(latency, { 50, 90, 99 })
  io.write(string.format(
    'ZHTTP_BENCH_WRK {"requests":%d,"durationUs":%d,"bytes":%d,"requestBytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, threads[1]:get("request_bytes"),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    p[1], p[2], p[3], latency.max))
end
