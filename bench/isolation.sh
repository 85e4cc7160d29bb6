#!/usr/bin/env bash
# Alarm ACKs during a large records import: runs `binhyen serve` on SQLite (and on PostgreSQL
# with BINHYEN_BENCH_PG set), lets `binhyen simulate` panels send events while a unit officer
# imports a persons CSV of ROWS rows, and prints the ACK latencies, the import's time and the
# server's peak RSS. With BASELINE=path/to/binhyen the same run is made with that binary first
# (the previous version), so both come from one run on one machine; CURRENT=path uses that
# binary instead of building this tree.
#
#   bench/isolation.sh [ROWS] [DEVICES] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-300000}
DEVICES=${2:-50}
RATE=${3:-200}
UNITS=${BINHYEN_UNITS:-../shared/data/hanoi}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

CURRENT=${CURRENT:-}
if [ -z "$CURRENT" ]; then
  cargo build --release --bin binhyen -q
  CURRENT=target/release/binhyen
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# About 220 bytes a row, as in the 63 MiB file of 300,000 rows that stalled the receiver.
python3 - "$ROWS" > "$WORK/persons.csv" <<'PY'
import sys
rows = int(sys.argv[1])
out = sys.stdout
out.write("id,pin,full_name,date_of_birth,sex,unit,phone,hometown,ethnicity,nationality\n")
for n in range(rows):
    out.write(f"BENCH{n:07d},0010{90 + n % 10:02d}{n % 1000000:06d},Nguyễn Văn Bình An,"
              f"19{90 + n % 10:02d}-05-01,nam,00004,09{n % 100000000:08d},"
              f"Xã Phù Đổng huyện Gia Lâm thành phố Hà Nội,Kinh,VN\n")
PY
echo "persons.csv: $ROWS rows, $(du -m "$WORK/persons.csv" | cut -f1) MiB"

run() {
  local bin=$1 label=$2 url=${3:-}
  local H D DATA=$WORK/data-$label
  H=$(free_port); D=$(free_port)
  mkdir -p "$DATA"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/bench.key"
  local DB=()
  if [ -n "$url" ]; then DB=(--database-url "$url"); fi
  BINHYEN_ADMIN_PASSWORD=bench-admin-password BINHYEN_LOG=warn BINHYEN_MASTER_KEY_FILE="$DATA/bench.key" \
    "$bin" serve --data-dir "$DATA" --http "127.0.0.1:$H" --dc09 "127.0.0.1:$D" --units "$UNITS" \
    "${DB[@]}" > "$WORK/binhyen-$label.log" 2>&1 &
  local SERVER=$!
  wait_port "$H"; wait_port "$D"
  local TOKEN
  TOKEN=$(curl -sf "http://127.0.0.1:$H/api/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"bench-admin-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  # Panels wait up to 60 s for an ACK, so a stall shows in the latencies instead of as
  # retransmissions.
  BINHYEN_USER=admin BINHYEN_PASSWORD=bench-admin-password "$bin" simulate --target "127.0.0.1:$D" \
    --register "http://127.0.0.1:$H" --devices "$DEVICES" --rate "$RATE" --duration "${DURATION:-60}" \
    --timeout 60 --events --receiver 1 > "$WORK/simulate-$label.log" 2>&1 &
  local SIM=$!
  sleep "${IMPORT_AFTER:-8}"
  local started=$SECONDS
  local status
  status=$(curl -s -o "$WORK/import-$label.json" -w '%{http_code}' -X POST \
    "http://127.0.0.1:$H/api/persons/import" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: text/csv' --data-binary "@$WORK/persons.csv")
  echo "== $label: import answered $status after $((SECONDS - started)) s ($(head -c 60 "$WORK/import-$label.json"))"
  wait $SIM || true
  tail -3 "$WORK/simulate-$label.log"
  echo "$label peak RSS: $(grep VmHWM /proc/$SERVER/status | awk '{print $2/1024 " MiB"}')"
  kill $SERVER; wait $SERVER 2>/dev/null || true
}

backends() {
  local bin=$1 label=$2
  run "$bin" "$label-sqlite"
  if [ -n "${BINHYEN_BENCH_PG:-}" ]; then
    local SCHEMA=bench_$$_$RANDOM
    psql "$BINHYEN_BENCH_PG" -qc "CREATE SCHEMA $SCHEMA"
    local SEP='?'; case "$BINHYEN_BENCH_PG" in *\?*) SEP='&';; esac
    run "$bin" "$label-postgresql" "${BINHYEN_BENCH_PG}${SEP}options=-c%20search_path%3D$SCHEMA"
    psql "$BINHYEN_BENCH_PG" -qc "SET client_min_messages = warning; DROP SCHEMA $SCHEMA CASCADE"
  fi
}

if [ -n "${BASELINE:-}" ]; then backends "$BASELINE" baseline; fi
backends "$CURRENT" current
