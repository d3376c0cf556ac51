-- Alertmanager's own POST /api/v2/alerts with the same 100 alerts per request.
local counter, size = 0, 100
local seed = tostring(os.time())
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + (tid or 0) * 104729) end
function request()
  local parts = {}
  for i = 1, size do
    counter = counter + 1
    local fp
    if math.random() < 0.3 then fp = "hot-" .. math.random(1, 500)
    else fp = "new-" .. seed .. "-" .. tostring(tid) .. "-" .. counter end
    parts[i] = '{"labels":{"alertname":"HighErrorRate","service":"crm","instance":"' .. fp ..
      '","severity":"critical"},"annotations":{"summary":"Error rate above 10% on ' .. fp .. '"}}'
  end
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"},
    "[" .. table.concat(parts, ",") .. "]")
end
