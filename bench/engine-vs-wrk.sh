#!/usr/bin/env bash
# Stampede's engine against wrk: the same minimal HTTP server (nginx, one worker process, a fixed
# 2-byte response), the same number of connections, the same duration. Prints both request rates,
# their ratio, and the engine's CPU time per request.
#
#   bench/engine-vs-wrk.sh [connections] [seconds]      (defaults: 50 connections, 10 s)
#
# Installs wrk and nginx-light from Debian if missing (needs root), builds the worker if needed.
set -euo pipefail

connections="${1:-50}"
seconds="${2:-10}"
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

need() {
  command -v "$1" >/dev/null && return
  if [ "$(id -u)" -ne 0 ]; then echo "bench: $1 is missing; install the Debian package $2" >&2; exit 1; fi
  echo "bench: installing $2 ..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need wrk wrk
need nginx nginx-light

app="$home/worker/target/quarkus-app"
if [ ! -f "$app/quarkus-run.jar" ]; then
  echo "bench: building the worker ..." >&2
  (cd "$home" && mvn -B -q -DskipTests install -pl worker -am) >&2
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "ok"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done

# The engine warms up for 5 s (JIT), then the measured workflow runs; one JVM, as in a worker.
cat > "$work/job.yaml" <<JOB
name: engine-vs-wrk
workflows:
  - name: warmup
    vus: $connections
    duration: 5s
    steps: [{name: get, request: {url: "http://127.0.0.1:$port/"}}]
  - name: measured
    dependsOn: [warmup]
    vus: $connections
    duration: ${seconds}s
    steps: [{name: get, request: {url: "http://127.0.0.1:$port/"}}]
JOB

echo "== Stampede engine: $connections virtual users (one connection each), ${seconds} s, after a 5 s warm-up"
java -XX:+UseParallelGC -Xmx1g -cp "$app/lib/main/*:$app/app/*" io.stampede.worker.engine.EngineMain "$work/job.yaml" \
  | tee "$work/engine.out" | grep -E '^(engine:|RESULT|  get|      )' || true
result="$(grep 'RESULT workflow=measured' "$work/engine.out")"
requests="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")"
elapsed="$(sed -E 's/.*seconds=([0-9.]+) .*/\1/' <<<"$result")"
cpu="$(sed -E 's/.*cpu_seconds=([0-9.]+).*/\1/' <<<"$result")"

echo "== wrk: 2 threads, $connections connections, ${seconds} s, after a 5 s warm-up"
wrk -t2 -c"$connections" -d5s "http://127.0.0.1:$port/" >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/" | tee "$work/wrk.out"
wrk_rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")"

python3 - "$requests" "$elapsed" "$cpu" "$wrk_rps" <<'PY'
import sys
requests, elapsed, cpu, wrk = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
engine = requests / elapsed
print()
print(f"engine   {engine:10.0f} requests/s")
print(f"wrk      {wrk:10.0f} requests/s")
print(f"ratio    {engine / wrk:10.2f} (engine / wrk; target at least 0.70)")
print(f"engine CPU per request {cpu / requests * 1e6:6.1f} us ({cpu:.1f} CPU s for {requests} requests)")
PY
