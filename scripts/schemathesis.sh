#!/usr/bin/env bash
# A bounded schemathesis run against a real server: every documented operation, failing on any
# 5xx or any response that breaks the schema. Uses DATABASE_URL/REDIS_URL from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${SCHEMATHESIS_PORT:-58123}
export DEBUG=false SECRET_KEY="schemathesis-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
  ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false PAYGATE_SINGLE_PROCESS=${PAYGATE_SINGLE_PROCESS:-true} \
  TASKS_BACKEND=django.tasks.backends.immediate.ImmediateBackend \
  ACCESS_TOKEN_MINUTES=120

$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py seed_demo --force >/dev/null  # a throwaway database

.venv/bin/gunicorn paygate.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 30 --log-level warning &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT

# One run per role: the merchant by API key, admin and finance by access token (their operator
# views answer differently: other merchants' data, merchant_id parameters, admin-only actions).
api() { echo "http://127.0.0.1:$PORT/paygate/api/v1/$1"; }
token() {
  $PY - "$(api auth/token/)" "$1" "$2" <<'PY'
import json, sys, urllib.request
url, email, password = sys.argv[1:]
body = json.dumps({"email": email, "password": password}).encode()
request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as answer:
    print(json.load(answer)["data"]["access"])
PY
}
$PY - "$(api health/)" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        break
    except OSError:
        time.sleep(0.2)
PY

run() {
  local role=$1
  shift
  echo "--- schemathesis as $role"
  # Deleting the account or rotating the key would lock the fuzzer out of everything else.
  timeout 900 .venv/bin/schemathesis run "http://127.0.0.1:$PORT/paygate/api/schema/" \
    --wait-for-schema 30 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-operation-id me_destroy --exclude-operation-id me_api_keys_rotate_create \
    "$@" \
    --generation-with-security-parameters false \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" --seed "${SCHEMATHESIS_SEED:-1}" --request-timeout 10 --no-color
}

# Log in first: the fuzzer's own calls to auth/token/ soon meet its rate limit.
admin_token=$(token admin@paygate.test paygate-admin-demo)
finance_token=$(token finance@paygate.test paygate-finance-demo)
run merchant -H "X-Api-Key: key_DemoMerchant00000001" -H "X-Api-Secret: sk_DemoSecretDoNotUseInProduction01"
run admin -H "Authorization: Bearer $admin_token"
run finance -H "Authorization: Bearer $finance_token"
