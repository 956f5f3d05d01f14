-- Replays pre-signed requests (one per line: timestamp TAB signature TAB body), split across wrk threads.
local made = 0
local threads = {}

function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2])
  reqs, idx, wrapped = {}, 0, 0
  local n = 0
  for line in io.lines(path) do
    if n % count == tid then
      local ts, sig, body = line:match("^(%d+)\t([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", "/webhooks/widget",
        {["Content-Type"] = "application/json", ["X-Sticky-Timestamp"] = ts, ["X-Sticky-Signature"] = sig}, body)
    end
    n = n + 1
  end
end

function request()
  idx = idx + 1
  if idx > #reqs then idx, wrapped = 1, wrapped + 1 end
  return reqs[idx]
end

function done(summary, latency, requests)
  local e = summary.errors
  local wraps = 0
  for _, t in ipairs(threads) do wraps = wraps + (t:get("wrapped") or 0) end
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "socket_errors": %d, "non_2xx": %d, "wrapped": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status, wraps,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
