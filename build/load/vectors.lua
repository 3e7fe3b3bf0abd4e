-- wrk script: POST /api/v1/vectors (register, a new id per request) or /api/v1/vectors/search
-- (a random 24-slot v4 query). CADML_LOAD_MODE = register | search, CADML_LOAD_KEY = X-API-Key.
local mode = os.getenv("CADML_LOAD_MODE")
local counter = 0
thread_id = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local function vector()
  local values = {}
  for i = 1, 24 do
    values[i] = string.format("%.4f", math.random() * 10)
  end
  return "[" .. table.concat(values, ",") .. "]"
end

function init(args)
  math.randomseed(os.time() * 1000 + thread_id)
  wrk.method = "POST"
  wrk.headers["X-API-Key"] = os.getenv("CADML_LOAD_KEY")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if mode == "register" then
    counter = counter + 1
    local id = string.format("load-%d-%d-%d", os.time(), thread_id, counter)
    return wrk.format(nil, "/api/v1/vectors", nil,
      '{"id":"' .. id .. '","feature_version":"v4","vector":' .. vector() .. '}')
  end
  return wrk.format(nil, "/api/v1/vectors/search", nil, '{"feature_version":"v4","k":10,"vector":' .. vector() .. '}')
end
