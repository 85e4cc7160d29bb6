#!/usr/bin/env bash
# Peak memory of a large facility import: starts `binhyen serve` on a fresh SQLite database,
# posts a facilities CSV of about MIB MiB to /api/facilities/import as admin, and prints the
# rows written, the import's time and the server's peak RSS before and after. Give several
# binaries to measure them one after the other in one run (the previous version first).
#
#   bench/import_memory.sh [MIB] BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-60}
shift
[ $# -gt 0 ] || set -- target/release/binhyen
UNITS=${BINHYEN_UNITS:-../shared/data/hanoi}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# Facilities in Ba Đình, each with one contact: about 150 bytes a row.
python3 - "$MIB" > "$WORK/facilities.csv" <<'PY'
import random, sys
random.seed(1)
limit = int(sys.argv[1]) * 1024 * 1024
out, size, n = sys.stdout, 0, 0
line = "name,address,kind,lat,lon,floors,contacts\n"
while size < limit:
    out.write(line)
    size += len(line.encode())
    n += 1
    line = (f"Cơ sở kiểm thử số {n},Số {n} phố Thử nghiệm Ba Đình,office,"
            f"{21.0 + random.random() * 0.05:.5f},{105.80 + random.random() * 0.05:.5f},5,"
            f"Nguyễn Văn A|0912345678|Bảo vệ\n")
PY
echo "file: $(du -m "$WORK/facilities.csv" | cut -f1) MiB, $(($(wc -l < "$WORK/facilities.csv") - 1)) rows; load: $(cut -d' ' -f1-3 /proc/loadavg)"

for bin in "$@"; do
  port=$(free_port)
  rm -rf "$WORK/data"
  BINHYEN_ADMIN_PASSWORD=mat-khau-do-bo-nho "$bin" serve --units "$UNITS" --data-dir "$WORK/data" \
    --http "127.0.0.1:$port" > "$WORK/serve.log" 2>&1 &
  pid=$!
  wait_port "$port"
  token=$(curl -s -X POST "127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"mat-khau-do-bo-nho"}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
  before=$(grep VmHWM /proc/$pid/status | awk '{print $2}')
  start=$(date +%s.%N)
  created=$(curl -s -X POST "127.0.0.1:$port/api/facilities/import" -H "authorization: Bearer $token" \
    -H 'content-type: text/csv' --data-binary @"$WORK/facilities.csv" |
    python3 -c 'import sys, json; print(json.load(sys.stdin).get("created"))')
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  after=$(grep VmHWM /proc/$pid/status | awk '{print $2}')
  printf '%s: %s facilities in %.0f s; peak RSS %d MiB at start, %d MiB after the import\n' \
    "$bin" "$created" "$secs" $((before / 1024)) $((after / 1024))
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
