-- mix.lua - wrk script for tests/soak/run: a mixed read/write load on the okaeri API.
--
-- Per request, by weight: customer GET 35, search 15, customer list page 5, report 5,
-- POST order 15, POST activity 10, PATCH customer with its version 15.
-- Environment: SOAK_TOKEN (bearer token), SOAK_CODES (file of customer codes, one a line),
-- SOAK_OUT (file the summary is written to, one JSON object).
-- Statuses are counted per kind, recognised from the reply (Location of a 201, 409 only from a
-- PATCH), so the runner can compare acknowledged writes with the rows in the database.

local token = os.getenv("SOAK_TOKEN")
local codes_file = os.getenv("SOAK_CODES")
local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    table.insert(threads, thread)
end

local codes = {}
local versions = {}
local n = 0
local seq = 0
local searches = { "%E3%82%B5%E3%83%88%E3%82%A6", "%E3%82%BF%E3%83%8A%E3%82%AB",
    "%EF%BD%BB%EF%BE%84%EF%BD%B3", "090", "example", "%E5%B1%B1", "C00001" }
local reports = { "summary", "rfm", "inventory", "lifecycle" }
local auth = nil

function init(args)
    for line in io.lines(codes_file) do
        if #line > 0 then table.insert(codes, line) end
    end
    math.randomseed(os.time() + tid * 7919)
    auth = { ["Authorization"] = "Bearer " .. token }
    counts = {}
end

local function code()
    return codes[math.random(#codes)]
end

local function hdr(extra)
    local h = { ["Authorization"] = auth["Authorization"] }
    for k, v in pairs(extra or {}) do h[k] = v end
    return h
end

function request()
    local r = math.random(100)
    if r <= 35 then
        return wrk.format("GET", "/api/v1/customers/" .. code(), auth)
    elseif r <= 50 then
        return wrk.format("GET", "/api/v1/customers?limit=20&search=" ..
            searches[math.random(#searches)], auth)
    elseif r <= 55 then
        return wrk.format("GET", "/api/v1/customers?limit=50", auth)
    elseif r <= 60 then
        return wrk.format("GET", "/api/v1/reports/" .. reports[math.random(#reports)], auth)
    elseif r <= 75 then
        seq = seq + 1
        local body = string.format(
            '{"order_code":"SOAK-%d-%d","customer_code":"%s","ordered_at":"2024-%02d-%02d",' ..
            '"amount":%d}', tid, seq, code(), math.random(12), math.random(28),
            math.random(100, 50000))
        return wrk.format("POST", "/api/v1/orders", hdr({ ["Content-Type"] = "application/json" }), body)
    elseif r <= 85 then
        local body = string.format(
            '{"customer_code":"%s","channel":"phone","subject":"soak %d"}', code(), math.random(1e6))
        return wrk.format("POST", "/api/v1/activities",
            hdr({ ["Content-Type"] = "application/json" }), body)
    else
        local c = code()
        local v = versions[c] or 1
        seq = seq + 1
        local body = string.format('{"address":"soak %d-%d","version":%d}', tid, seq, v)
        return wrk.format("PATCH", "/api/v1/customers/" .. c,
            hdr({ ["Content-Type"] = "application/json" }), body)
    end
end

local function count(key)
    counts[key] = (counts[key] or 0) + 1
end

function response(status, headers, body)
    local loc = headers["Location"] or headers["location"]
    local kind = "read"
    if status == 201 and loc then
        if loc:find("/orders", 1, true) then kind = "order" elseif loc:find("/activities", 1, true) then kind = "activity" end
    elseif status == 409 then
        kind = "patch"
    end
    count(kind .. ":" .. status)
    if status == 200 or status == 409 then
        -- remember the latest version seen of a customer (from a GET or PATCH reply)
        local c, v = body:match('^{"code":"([^"]+)".-"version":(%d+)')
        if c then versions[c] = tonumber(v) end
    end
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        local c = t:get("counts")
        for k, v in pairs(c or {}) do all[k] = (all[k] or 0) + v end
    end
    local parts = {}
    for k, v in pairs(all) do table.insert(parts, string.format('"%s":%d', k, v)) end
    local e = summary.errors
    local out = io.open(os.getenv("SOAK_OUT"), "w")
    out:write(string.format(
        '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,' ..
        '"status":%d,"timeout":%d},"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,' ..
        '"p99":%d,"p999":%d},"counts":{%s}}\n',
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
        e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9), table.concat(parts, ",")))
    out:close()
end
