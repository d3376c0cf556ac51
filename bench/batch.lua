-- An Alertmanager webhook (v4) of 100 alerts per request; 70 % new fingerprints, 30 % repeats.
local counter, path, size = 0, "", 100
local seed = tostring(os.time())
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args)
  path = args[1]
  math.randomseed(os.time() + (tid or 0) * 104729)
end
function request()
  local parts = {}
  for i = 1, size do
    counter = counter + 1
    local fp
    if math.random() < 0.3 then fp = "hot-" .. math.random(1, 500)
    else fp = "new-" .. seed .. "-" .. tostring(tid) .. "-" .. counter end
    parts[i] = '{"status":"firing","labels":{"alertname":"HighErrorRate","service":"crm","instance":"' .. fp ..
      '","severity":"critical"},"annotations":{"summary":"Error rate above 10% on ' .. fp ..
      '"},"startsAt":"2026-11-22T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"' .. fp .. '"}'
  end
  local body = '{"version":"4","groupKey":"{}:{alertname=\\"HighErrorRate\\"}","status":"firing",' ..
    '"receiver":"codeblue","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"",' ..
    '"alerts":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
