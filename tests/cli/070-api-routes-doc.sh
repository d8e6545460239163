# docs/api-routes.md is generated from the live server's OpenAPI document and must be current.
. "$OKAERI_TOP/tests/cli/lib.sh"

run 0 --db r.db init
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OKAERI_AUTOMATE_INTERVAL=off "$OKAERI" --db r.db serve --listen "127.0.0.1:$port" >server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for i in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/api/v1/openapi.json" >openapi.json || fail "no openapi.json"
python3 "$OKAERI_TOP/scripts/gen-api-routes" <openapi.json >routes.md
diff -u "$OKAERI_TOP/docs/api-routes.md" routes.md ||
    fail "docs/api-routes.md is out of date: regenerate it with scripts/gen-api-routes"
