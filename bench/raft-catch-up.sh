#!/usr/bin/env bash
# How long a gate restarted with SIGKILL takes to catch up with the gates' Raft log: starts a local
# cluster of 3 gates and 1 datacenter in a temporary directory, then, round after round, submits a
# short job a second (each writes ownership entries to the gates' log) and restarts a gate under its
# id (SIGKILL, then, after the given seconds down, `stampede local restart`): a follower in odd
# rounds, the leader in even ones. Prints, per round, how long after the restarted gate was ready
# its applied index (GET /api/v1/leadership, "applied") reached the leader's as it was at that
# moment.
#
#   bench/raft-catch-up.sh [rounds] [seconds down]      (defaults: 6 rounds, 0 s: killed and started at once)
#
# Needs a build (mvn -B install -DskipTests), curl and bc. Takes the cluster down when it ends.
set -euo pipefail

rounds="${1:-6}"
down="${2:-0}"
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stampede="$home/bin/stampede"
work="$(mktemp -d)"
cleanup() {
  (cd "$work" && "$stampede" local down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

echo "bench: starting 3 gates and 1 datacenter in $work ..." >&2
"$stampede" local up --gates 3 --datacenters 1 --workers-per-dc 1 >/dev/null
key="$(grep '^api-key=' .stampede/local/credentials | cut -d= -f2-)"
declare -A url
pid() { "$stampede" local status | awk -v id="$1" '$2 == id { print $4 }'; }
target=""
while read -r role id _ _ http _; do
  case "$role" in
    gate) url[$id]="$http" ;;
    manager) target="$http/q/health/live" ;;
  esac
done < <("$stampede" local status | tail -n +2)
cat > job.yaml <<EOF
name: raft catch-up
workflows:
  - name: probe
    vus: 1
    duration: 2s
    steps: [{name: get, request: {url: "$target"}}]
EOF

view() { curl -s -m 2 -H "Authorization: Bearer $key" "${url[$1]}/api/v1/leadership" || true; }
leader() { for gate in "${!url[@]}"; do if view "$gate" | grep -q '"leading":true'; then echo "$gate"; fi; done | head -1; }
applied() { view "$1" | grep -o '"applied":[0-9]*' | cut -d: -f2 | grep . || echo -1; }

for round in $(seq 1 "$rounds"); do
  leading="$(leader)"
  follower="$(for gate in "${!url[@]}"; do if [ "$gate" != "$leading" ]; then echo "$gate"; fi; done | head -1)"
  if [ $((round % 2)) -eq 0 ]; then victim="$leading"; else victim="$follower"; fi
  (for _ in $(seq 1 $((8 + down))); do "$stampede" submit job.yaml >/dev/null 2>&1 || true; sleep 1; done) &
  submitting=$!
  sleep 1
  if [ "$down" -gt 0 ]; then
    kill -9 "$(pid "$victim")"
    sleep "$down"
  fi
  "$stampede" local restart "$victim" >/dev/null
  ready="$(date +%s.%N)"
  leading="$(leader)"
  goal="$(applied "$leading")"
  result="not caught up after 120 s"
  while :; do
    if [ "$(applied "$victim")" -ge "$goal" ]; then
      result="caught up $(echo "$(date +%s.%N) - $ready" | bc | sed 's/^\./0./' | cut -c1-5) s after it was ready"
      break
    fi
    if [ "$(echo "$(date +%s.%N) - $ready > 120" | bc)" = 1 ]; then break; fi
    sleep 0.05
  done
  echo "round $round: restarted $victim after ${down} s down (then led by $leading, applied index $goal): $result"
  wait "$submitting"
done
