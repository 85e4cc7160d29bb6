#!/usr/bin/env bash
# Side-by-side: the binhyen receiver and pysiaalarm (PyPI) on the same DC-09 traffic from
# `binhyen simulate`, one after the other on this machine. Prints each run's ACKs/s and ACK
# latency percentiles. Usage: bench/receivers.sh [DEVICES] [RATE] [SECONDS] [PROTO]
# With BINHYEN_BENCH_PG=postgres://… binhyen also runs on PostgreSQL (a fresh schema) on the
# same traffic; with ENCRYPT=1 binhyen's devices use AES-128 (pysiaalarm's run stays plain);
# CONNECTIONS=N makes the devices share N connections (or UDP sockets) in every run.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-100}
RATE=${2:-20000}
SECONDS_=${3:-10}
PROTO=${4:-tcp}
UNITS=${BINHYEN_UNITS:-../shared/data/hanoi}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
CONN=()
if [ -n "${CONNECTIONS:-}" ]; then CONN=(--connections "$CONNECTIONS"); fi

cargo build --release --bin binhyen -q
BIN=target/release/binhyen
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q pysiaalarm==3.2.2
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

echo "== pysiaalarm $("$VENV/bin/pip" show pysiaalarm | sed -n 's/^Version: //p') (acks before the application sees the event; nothing stored)"
P=$(free_port)
"$VENV/bin/python" bench/pysia_server.py "$P" "$DEVICES" 5100000 "$PROTO" > "$WORK/pysia.log" 2>&1 &
PYSIA=$!
if [ "$PROTO" = tcp ]; then wait_port "$P"; else sleep 2; fi
"$BIN" simulate --target "127.0.0.1:$P" --devices "$DEVICES" --rate "$RATE" --duration "$SECONDS_" --proto "$PROTO" --events --receiver 1 "${CONN[@]}" 2>&1 | tail -3
echo "pysiaalarm peak RSS: $(grep VmHWM /proc/$PYSIA/status | awk '{print $2/1024 " MiB"}')"
kill $PYSIA

ENC=()
if [ "${ENCRYPT:-0}" = 1 ]; then ENC=(--encrypt); fi

# One binhyen run: serve on a fresh data directory (and database URL when given), register the
# devices through the API, drive the same traffic, print the figures and the peak RSS.
run_binhyen() {
  local label=$1 url=${2:-}
  echo "== binhyen on $label (acks after the message is durable)"
  local H D DATA=$WORK/data-$label
  H=$(free_port); D=$(free_port)
  mkdir -p "$DATA"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/bench.key"
  local DB=()
  if [ -n "$url" ]; then DB=(--database-url "$url"); fi
  BINHYEN_ADMIN_PASSWORD=bench-admin-password BINHYEN_LOG=warn BINHYEN_MASTER_KEY_FILE="$DATA/bench.key" \
    "$BIN" serve --data-dir "$DATA" --http "127.0.0.1:$H" --dc09 "127.0.0.1:$D" --units "$UNITS" \
    "${DB[@]}" > "$WORK/binhyen-$label.log" 2>&1 &
  local SERVER=$!
  wait_port "$H"; wait_port "$D"
  BINHYEN_USER=admin BINHYEN_PASSWORD=bench-admin-password "$BIN" simulate --target "127.0.0.1:$D" \
    --register "http://127.0.0.1:$H" --devices "$DEVICES" --rate "$RATE" --duration "$SECONDS_" \
    --proto "$PROTO" --events --receiver 1 "${ENC[@]}" "${CONN[@]}" 2>&1 | tail -3
  echo "binhyen ($label) peak RSS: $(grep VmHWM /proc/$SERVER/status | awk '{print $2/1024 " MiB"}')"
  kill $SERVER; wait $SERVER 2>/dev/null || true
}

run_binhyen sqlite
if [ -n "${BINHYEN_BENCH_PG:-}" ]; then
  SCHEMA=bench_$$_$RANDOM
  psql "$BINHYEN_BENCH_PG" -qc "CREATE SCHEMA $SCHEMA"
  SEP='?'; case "$BINHYEN_BENCH_PG" in *\?*) SEP='&';; esac
  run_binhyen postgresql "${BINHYEN_BENCH_PG}${SEP}options=-c%20search_path%3D$SCHEMA"
  psql "$BINHYEN_BENCH_PG" -qc "SET client_min_messages = warning; DROP SCHEMA $SCHEMA CASCADE"
fi
