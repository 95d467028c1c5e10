-- wrk script for glued's benchmarks: requests shaped like a signed boto3 call (POST /, X-Amz-Target, AWS JSON 1.1,
-- a SigV4-form Authorization header, checked by glued only with --credentials, never by moto).
-- Environment: OP (GetWorkflow, CreateWorkflow, ListWorkflows, GetWorkflowRun, GetWorkflowGraph, Fixed, Raw)
--   TARGET, BODY  for Raw: the operation and the fixed JSON body of every request
--   NAME     workflow for GetWorkflow / GetWorkflowRun (default bench-wf-0000)
--   NWF      if set, GetWorkflow picks a random name bench-wf-%04d / %06d among NWF (PAD digits, default 4)
--   RUNS     file with "name runid" lines for GetWorkflowRun (a random one per request)
--   TOKENS   file with one NextToken a line for ListWorkflows (a random one per request; empty line = first page)
--   PREFIX   name prefix for CreateWorkflow (each request a new name: prefix, thread, counter)
--   AMZDATE, AUTHZ  X-Amz-Date and Authorization to send instead of the fixed ones (a real signature of the
--            fixed GetWorkflow request, for a glued started with --credentials)
-- Prints one line: RESULT requests=.. rps=.. p50_us=.. p99_us=.. non2xx=.. errors=..
local op = os.getenv("OP") or "GetWorkflow"
local name = os.getenv("NAME") or "bench-wf-0000"
local nwf = tonumber(os.getenv("NWF") or "0")
local pad = tonumber(os.getenv("PAD") or "4")
local prefix = os.getenv("PREFIX") or "c"
local maxres = os.getenv("MAXRESULTS") or "25"

local function lines(path)
  local t = {}
  if path and path ~= "" then
    for l in io.lines(path) do t[#t + 1] = l end
  end
  return t
end

local runs = lines(os.getenv("RUNS"))
local tokens = lines(os.getenv("TOKENS"))

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

local counter = 0
local target = op == "GetWorkflowGraph" and "GetWorkflow" or (op == "Raw" and os.getenv("TARGET")) or op
local hdr = {
  ["Content-Type"] = "application/x-amz-json-1.1",
  ["X-Amz-Target"] = "AWSGlue." .. target,
  ["X-Amz-Date"] = "20260101T000000Z",
  ["User-Agent"] = "Boto3/1.26.27 Python/3.11 Linux Botocore/1.29.27",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/glue/aws4_request, " ..
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " ..
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
}
if os.getenv("AUTHZ") then
  hdr["X-Amz-Date"] = os.getenv("AMZDATE")
  hdr["Authorization"] = os.getenv("AUTHZ")
end
local fmtname = "bench-wf-%0" .. pad .. "d"
local fixed = nil

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  if op == "GetWorkflow" and nwf == 0 then
    fixed = wrk.format("POST", "/", hdr, '{"Name":"' .. name .. '"}')
  elseif op == "GetWorkflowGraph" then
    fixed = wrk.format("POST", "/", hdr, '{"Name":"' .. name .. '","IncludeGraph":true}')
  elseif op == "ListWorkflows" and #tokens == 0 then
    fixed = wrk.format("POST", "/", hdr, '{"MaxResults":' .. maxres .. '}')
  elseif op == "Raw" then
    fixed = wrk.format("POST", "/", hdr, os.getenv("BODY") or "{}")
  elseif op == "Fixed" then
    fixed = wrk.format("POST", "/", hdr, '{}')
  end
end

function request()
  if fixed then return fixed end
  counter = counter + 1
  local body
  if op == "CreateWorkflow" then
    body = string.format('{"Name":"%s-%d-%d","Description":"benchmark workflow"}', prefix, tid or 0, counter)
  elseif op == "GetWorkflow" then
    body = '{"Name":"' .. string.format(fmtname, math.random(0, nwf - 1)) .. '"}'
  elseif op == "GetWorkflowRun" then
    local r = runs[math.random(1, #runs)]
    local n, id = r:match("^(%S+) (%S+)$")
    body = '{"Name":"' .. n .. '","RunId":"' .. id .. '"}'
  elseif op == "ListWorkflows" then
    local t = tokens[math.random(1, #tokens)]
    if t == "" then
      body = '{"MaxResults":' .. maxres .. '}'
    else
      body = '{"MaxResults":' .. maxres .. ',"NextToken":"' .. t .. '"}'
    end
  end
  return wrk.format("POST", "/", hdr, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
