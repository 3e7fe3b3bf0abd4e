-- wrk script: POST /api/v1/vectors (register, a new id per request) or /api/v1/vectors/search.
-- CADML_LOAD_MODE = register | search, CADML_LOAD_KEY = X-API-Key. Searches take their query
-- from CADML_LOAD_QUERIES (stored vectors, one JSON array a line, picked at random per request,
-- so no cache can answer a repeated query) or, without it, a random 24-slot v4 vector. The
-- search requests are formatted once in init(): wrk shares the service's cores, and per-request
-- string building cost it ~7 us a search more than /health's static request.
local mode = os.getenv("CADML_LOAD_MODE")
local queries = {}
local queries_path = os.getenv("CADML_LOAD_QUERIES")
if queries_path and queries_path ~= "" then
  for line in assert(io.open(queries_path, "r")):lines() do
    queries[#queries + 1] = line
  end
end
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

local function search_request(query)
  return wrk.format(nil, "/api/v1/vectors/search", nil, '{"feature_version":"v4","k":10,"vector":' .. query .. '}')
end

local searches = {}

function init(args)
  math.randomseed(os.time() * 1000 + thread_id)
  wrk.method = "POST"
  wrk.headers["X-API-Key"] = os.getenv("CADML_LOAD_KEY")
  wrk.headers["Content-Type"] = "application/json"
  for i, query in ipairs(queries) do
    searches[i] = search_request(query)
  end
end

function request()
  if mode == "register" then
    counter = counter + 1
    local id = string.format("load-%d-%d-%d", os.time(), thread_id, counter)
    return wrk.format(nil, "/api/v1/vectors", nil,
      '{"id":"' .. id .. '","feature_version":"v4","vector":' .. vector() .. '}')
  end
  if #searches > 0 then
    return searches[math.random(#searches)]
  end
  return search_request(vector())
end
