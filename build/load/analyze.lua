-- wrk script: POST /api/v1/analyze with one multipart 'file' part read once at start-up.
-- CADML_LOAD_FILE = path of the CAD file, CADML_LOAD_KEY = X-API-Key.
local path = os.getenv("CADML_LOAD_FILE")
local handle = assert(io.open(path, "rb"))
local content = handle:read("*a")
handle:close()
local name = path:match("([^/]+)$")
local boundary = "cadml-load-7d3f9a2c41b8"
wrk.method = "POST"
wrk.path = "/api/v1/analyze"
wrk.headers["X-API-Key"] = os.getenv("CADML_LOAD_KEY")
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n"
  .. "Content-Disposition: form-data; name=\"file\"; filename=\"" .. name .. "\"\r\n"
  .. "Content-Type: application/octet-stream\r\n\r\n"
  .. content .. "\r\n--" .. boundary .. "--\r\n"
