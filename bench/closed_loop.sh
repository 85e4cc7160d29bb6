#!/usr/bin/env bash
# Receiver capacity: DEVICES panels (one connection or UDP socket each) that send their next
# event as soon as the previous one is ACKed, against each binary given, one after the other
# on a fresh data directory (or a fresh PostgreSQL schema with BINHYEN_BENCH_PG), ROUNDS times
# alternating so that a change in the machine's load affects every binary alike. The
# simulator is always the first binary's.
# Usage: bench/closed_loop.sh [BIN...]   (default: target/release/binhyen)
# Settings: DEVICES=50 SECONDS=10 PROTO=tcp|udp ENCRYPT=1 ROUNDS=3 BINHYEN_BENCH_PG=postgres://…
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${DEVICES:-50}
SECS=${SECONDS_:-10}
PROTO=${PROTO:-tcp}
ROUNDS=${ROUNDS:-3}
UNITS=${BINHYEN_UNITS:-../shared/data/hanoi}
BINS=("$@")
if [ ${#BINS[@]} -eq 0 ]; then BINS=(target/release/binhyen); fi
SIM=${BINS[0]}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
ENC=()
if [ "${ENCRYPT:-0}" = 1 ]; then ENC=(--encrypt); fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run_one() {
  local bin=$1 round=$2
  local H D DATA=$WORK/data-$round-$RANDOM DB=() SCHEMA=
  H=$(free_port); D=$(free_port)
  mkdir -p "$DATA"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/bench.key"
  if [ -n "${BINHYEN_BENCH_PG:-}" ]; then
    SCHEMA=bench_$$_$RANDOM
    psql "$BINHYEN_BENCH_PG" -qc "CREATE SCHEMA $SCHEMA"
    local SEP='?'; case "$BINHYEN_BENCH_PG" in *\?*) SEP='&';; esac
    DB=(--database-url "${BINHYEN_BENCH_PG}${SEP}options=-c%20search_path%3D$SCHEMA")
  fi
  BINHYEN_ADMIN_PASSWORD=bench-admin-password BINHYEN_LOG=warn BINHYEN_MASTER_KEY_FILE="$DATA/bench.key" \
    "$bin" serve --data-dir "$DATA" --http "127.0.0.1:$H" --dc09 "127.0.0.1:$D" --units "$UNITS" \
    "${DB[@]}" > "$WORK/server.log" 2>&1 &
  local SERVER=$!
  wait_port "$H"; wait_port "$D"
  local out
  out=$(BINHYEN_USER=admin BINHYEN_PASSWORD=bench-admin-password "$SIM" simulate --target "127.0.0.1:$D" \
    --register "http://127.0.0.1:$H" --devices "$DEVICES" --closed-loop --duration "$SECS" \
    --proto "$PROTO" --events --receiver 1 "${ENC[@]}" 2>&1 | tail -2)
  local cpu
  cpu=$(awk '{print ($14+$15)/100}' /proc/$SERVER/stat)
  kill $SERVER; wait $SERVER 2>/dev/null || true
  if [ -n "$SCHEMA" ]; then
    psql "$BINHYEN_BENCH_PG" -qc "SET client_min_messages = warning; DROP SCHEMA $SCHEMA CASCADE"
  fi
  local acks lat
  acks=$(echo "$out" | grep -o 'acks_per_s=[0-9]*' | cut -d= -f2)
  lat=$(echo "$out" | grep -o 'p50=[0-9.]* p90=[0-9.]* p99=[0-9.]*')
  echo "$bin round $round: acks_per_s=$acks $lat server_cpu_s=$cpu load=$(cut -d' ' -f1 /proc/loadavg)"
}

echo "# $DEVICES devices, $PROTO, encrypt=${ENCRYPT:-0}, ${SECS}s, back end: ${BINHYEN_BENCH_PG:+postgresql}${BINHYEN_BENCH_PG:-sqlite}, $(nproc) cores"
for r in $(seq "$ROUNDS"); do
  for b in "${BINS[@]}"; do run_one "$b" "$r"; done
done
