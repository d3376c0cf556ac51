-- One PagerDuty Events v2 trigger per request; 70 % new dedup keys, 30 % repeats of 200 hot keys.
local counter, delay_ms, key = 0, 0, ""
local seed = tostring(os.time())
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args)
  key = args[1]
  delay_ms = tonumber(args[2] or "0")
  math.randomseed(os.time() + (tid or 0) * 7919)
end
function request()
  counter = counter + 1
  local dk
  if math.random() < 0.3 then dk = "hot-" .. math.random(1, 200)
  else dk = "new-" .. seed .. "-" .. tostring(tid) .. "-" .. counter end
  local body = '{"routing_key":"' .. key .. '","event_action":"trigger","dedup_key":"' .. dk ..
    '","payload":{"summary":"API 5XX rate high ' .. dk .. '","source":"bench","severity":"error",' ..
    '"custom_details":{"error_rate_pct":12}}}'
  return wrk.format("POST", "/v2/enqueue", {["Content-Type"] = "application/json"}, body)
end
-- Paced runs wait between requests on each connection; wrk reads this after init() has set delay_ms.
function delay() return delay_ms end
