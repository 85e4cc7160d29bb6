#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API: schemathesis generates requests from the server's own
# /api/openapi.json, signed in as admin, and fails on any 5xx answer (`not_a_server_error`) and
# on any answer that does not match the schema the document gives it
# (`response_schema_conformance`): the document is the contract, and it must first pass
# openapi-spec-validator. Runs the debug binary on
# SQLite and, when PG_URL is set, on PostgreSQL, each for at most FUZZ_SECONDS (default 150) of
# generation, then 30 s more of the operations that may end its own session.
#
# Left out: only the live feed (a stream that never ends; it has its own tests). Strings carry
# no NUL characters (--generation-allow-x00 false): NUL input has its own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${BINHYEN_BIN:-$root/target/debug/binhyen}
units=${BINHYEN_UNITS:-$root/../shared/data/hanoi}
seconds=${FUZZ_SECONDS:-150}
checks=${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance}
pg_url=${PG_URL:-}
venv=$root/target/ci/fuzz-venv
password=fuzz-mat-khau-quan-tri-2026
schemathesis_version=4.32.5
validator_version=0.7.1

if [ ! -x "$venv/bin/schemathesis" ] ||
  ! "$venv/bin/schemathesis" --version | grep -q "$schemathesis_version" ||
  ! "$venv/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "^Version: $validator_version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$schemathesis_version" \
    "openapi-spec-validator==$validator_version"
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT

# The operations that may end the fuzzer's own session.
session_ending='^/api/(auth/(logout|password|totp.*)|users/\{id\}/(disable|password|sessions|totp))$'

# run_schemathesis NAME SECONDS [SELECTION...]: one run against $base with $token; the verdict
# comes from its report: a failed check (a 5xx, an answer that breaks its schema) or a schema
# the fuzzer cannot generate from fails; the fuzzer's own internal errors ("Runtime Error",
# e.g. "Inconsistent results" from its test-case reduction) are shown but do not.
run_schemathesis() {
  local name=$1 seconds=$2 status=0
  shift 2
  # Run from a folder under target/: the fuzzer keeps its example database in the current one.
  mkdir -p "$root/target/ci/fuzz-work"
  (cd "$root/target/ci/fuzz-work" && "$venv/bin/schemathesis" run "$base/api/openapi.json" \
    --checks "$checks" \
    -H "Authorization: Bearer $token" \
    --exclude-path /api/feed \
    "$@" \
    --generation-allow-x00 false \
    --max-time "$seconds" \
    --request-timeout 20 \
    --workers 2 \
    --no-color \
    --report junit --report-junit-path "$root/target/ci/fuzz-$name.xml") || status=$?
  if [ "$status" -ne 0 ]; then
    python3 - "$root/target/ci/fuzz-$name.xml" <<'PY' && status=0
import sys
import xml.etree.ElementTree as ET

failed = []
for case in ET.parse(sys.argv[1]).iter("testcase"):
    for problem in list(case.iter("failure")) + list(case.iter("error")):
        text = (problem.text or problem.get("message") or "").strip()
        kind = text.splitlines()[0] if text else problem.tag
        if problem.tag == "error" and kind.startswith("Runtime Error"):
            print(f"ignored (fuzzer-internal): {case.get('name')}: {kind}")
        else:
            failed.append(f"{case.get('name')}: {kind}")
for line in failed:
    print(f"FAILED: {line}")
sys.exit(1 if failed else 0)
PY
  fi
  return "$status"
}

# fuzz NAME [DATABASE_URL]
fuzz() {
  local name=$1 database_url=${2:-} data port status
  data=$(mktemp -d)
  port=$(free_port)
  base=http://127.0.0.1:$port
  local args=(serve --units "$units" --data-dir "$data" --http "127.0.0.1:$port")
  if [ -n "$database_url" ]; then
    args+=(--database-url "$database_url")
  fi
  BINHYEN_ADMIN_PASSWORD=$password BINHYEN_MASTER_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \
    "$bin" "${args[@]}" >"$data/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fsS "$base/readyz" >/dev/null || { tail -n 30 "$data/server.log"; return 1; }
  token=$(curl -fsS "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  # The document itself must be valid OpenAPI before anything is generated from it.
  curl -fsS "$base/api/openapi.json" >"$data/openapi.json"
  "$venv/bin/python" -m openapi_spec_validator "$data/openapi.json"
  echo "fuzzing $name for at most ${seconds}s ($base)"
  status=0
  # Every operation but the live feed: first all those that keep the fuzzer's session, then,
  # apart and for a short time, those that may end it (sign-out, password and 2-step changes,
  # disabling an account, ending its sessions).
  run_schemathesis "$name" "$seconds" --exclude-path-regex "$session_ending" || status=$?
  if [ "$status" -eq 0 ]; then
    run_schemathesis "$name-session" 30 --include-path-regex "$session_ending" || status=$?
  fi
  if grep -q ' 5[0-9][0-9] ' "$data/server.log" 2>/dev/null; then
    echo "server log lines with a 5xx:"
    grep ' 5[0-9][0-9] ' "$data/server.log" | tail -n 20
  fi
  stop_server
  if [ "$status" -ne 0 ]; then
    echo "server log: $data/server.log"
    return "$status"
  fi
  rm -rf "$data"
}

fuzz sqlite
if [ -n "$pg_url" ]; then
  schema=fuzz_$$
  psql "$pg_url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  sep='?'
  case $pg_url in *\?*) sep='&' ;; esac
  fuzz postgres "${pg_url}${sep}options=-c%20search_path%3D$schema"
  psql "$pg_url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE"
fi
