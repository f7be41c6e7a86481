#!/usr/bin/env bash
# How long a gate killed with SIGKILL takes, once restarted under its id, to catch up with the gates'
# Raft log: starts a local cluster of 3 gates and 1 datacenter in a temporary directory, then, round
# after round, kills a gate (a follower in odd rounds, the leader in even ones), submits a short job
# a second while it is down (each writes ownership entries to the gates' log), lets the group go
# quiet, and starts the gate again with `stampede local restart`. Prints, per round, how long after
# the gate was ready its applied index (GET /api/v1/leadership, "applied") reached the leader's.
# The group is idle then on purpose: a leader's new writes cut short its wait between retries.
#
#   bench/raft-catch-up.sh [rounds] [seconds down]      (defaults: 6 rounds, 10 s)
#
# Needs a build (mvn -B install -DskipTests), curl and bc. Takes the cluster down when it ends.
set -euo pipefail

rounds="${1:-6}"
down="${2:-10}"
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

pid() { "$stampede" local status | awk -v id="$1" '$2 == id { print $4 }'; }
view() { curl -s -m 2 -H "Authorization: Bearer $key" "${url[$1]}/api/v1/leadership" || true; }
applied() { view "$1" | grep -o '"applied":-\?[0-9]*' | cut -d: -f2 | grep . || echo -2; }
since() { echo "$(date +%s.%N) - $1" | bc | sed 's/^\./0./' | cut -c1-5; }
# The leading gate, waiting up to 30 s for one.
leader() {
  local gate
  for _ in $(seq 1 300); do
    for gate in "${!url[@]}"; do
      if view "$gate" | grep -q '"leading":true'; then echo "$gate"; return; fi
    done
    sleep 0.1
  done
  echo "bench: no gate leads after 30 s" >&2
  exit 1
}

for round in $(seq 1 "$rounds"); do
  leading="$(leader)"
  victim="$leading"
  if [ $((round % 2)) -eq 1 ]; then
    for gate in "${!url[@]}"; do
      if [ "$gate" != "$leading" ]; then victim="$gate"; break; fi
    done
  fi
  victim_pid="$(pid "$victim")"
  if [ -z "$victim_pid" ]; then echo "bench: $victim has no pid in \`stampede local status\`" >&2; exit 1; fi
  kill -9 "$victim_pid"
  for _ in $(seq 1 "$down"); do
    "$stampede" submit job.yaml >/dev/null 2>&1 || true
    sleep 1
  done
  sleep 3 # the last job ends: the group writes nothing more
  "$stampede" local restart "$victim" >/dev/null
  ready="$(date +%s.%N)"
  leading="$(leader)"
  goal="$(applied "$leading")"
  result="not caught up after 120 s"
  while [ "$(echo "$(date +%s.%N) - $ready < 120" | bc)" = 1 ]; do
    if [ "$(applied "$victim")" -ge "$goal" ]; then
      result="caught up $(since "$ready") s after it was ready"
      break
    fi
    sleep 0.05
  done
  echo "round $round: $victim down ${down} s (then led by $leading, applied index $goal): $result"
done
