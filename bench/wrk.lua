-- Sends pre-signed events, each once: thread N reads PREFIX.N (one per line: timestamp TAB signature TAB body)
-- and stops when its file runs out instead of starting over. Counts what came back: answers other than 2xx,
-- answers saying "duplicate": true, and the routing rules named.
-- With STICKY_BENCH_PAUSE_MS set, each connection waits that long between an answer and its next request (a
-- paced load, below saturation) instead of sending the next at once.
local threads = {}
local pause = tonumber(os.getenv("STICKY_BENCH_PAUSE_MS") or "")
if pause and pause > 0 then
  function delay()
    return pause
  end
end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  reqs, sent, exhausted, non2xx, duplicates, rules = {}, 0, 0, 0, 0, {}
  -- wrk calls thread 0's request() once before the run, only to check that its answer parses: give that call
  -- a request of its own, so no event is taken and never sent.
  checked = tid ~= 0
  for line in io.lines(args[1] .. "." .. tid) do
    local ts, sig, body = line:match("^(%d+)\t([^\t]+)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", "/webhooks/widget",
      {["Content-Type"] = "application/json", ["X-Sticky-Timestamp"] = ts, ["X-Sticky-Signature"] = sig}, body)
  end
end

function request()
  if not checked then
    checked = true
    return wrk.format("GET", "/healthz")
  end
  if sent >= #reqs then
    -- Out of fresh events: stop this thread (the run is reported as exhausted, its rate as invalid).
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  return reqs[sent]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if body then
    if body:find('"duplicate":%s*true') then duplicates = duplicates + 1 end
    local rule = body:match('"rule":%s*"([%w_]+)"')
    if rule then rules[rule] = (rules[rule] or 0) + 1 end
  end
end

function done(summary, latency, requests)
  local per, total = {}, {exhausted = 0, non2xx = 0, duplicates = 0}
  local rules = {}
  for _, t in ipairs(threads) do
    per[#per + 1] = tostring(t:get("sent"))
    for _, key in ipairs({"exhausted", "non2xx", "duplicates"}) do total[key] = total[key] + t:get(key) end
    for rule, n in pairs(t:get("rules")) do rules[rule] = (rules[rule] or 0) + n end
  end
  local named = {}
  for rule, n in pairs(rules) do named[#named + 1] = string.format('"%s": %d', rule, n) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "sent": [%s], "exhausted": %d, "non_2xx": %d, "duplicates": %d, ' ..
    '"rules": {%s}, "socket_errors": %d, "timeouts": %d, ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, table.concat(per, ", "), total.exhausted, total.non2xx,
    total.duplicates, table.concat(named, ", "), e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
