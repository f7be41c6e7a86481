#!/usr/bin/env bash
# Smoke test of Stampede's container images, on one machine with podman:
#   builds the local base image (when missing) and the images, starts a Kafka broker, a tiny HTTP
#   target, a gate, a manager and a worker as pods (`podman kube play`, rendered like the
#   Kubernetes manifests in deploy/), every container under an arbitrary UID in group 0 with a
#   read-only root file system, creates the topics as `stampede local up` does, runs a job through
#   the gate (published on 127.0.0.1 only) with bin/stampede, and again with the cli image inside
#   the pods' network, and checks that each report counts exactly the requests the job makes and
#   that the target served them all. Cleans up everything it started, also on failure.
#
#   deploy/smoke/run.sh [--keep] [--build] [--vus N] [--iterations N]
#
#   --keep          leave the pods, volumes and network running at the end (then clean up with
#                   deploy/smoke/run.sh --clean)
#   --clean         remove what an earlier run left (pods, volumes, network) and exit
#   --build         run `mvn -DskipTests install` first
#   --vus N         virtual users of the job (default 5)
#   --iterations N  iterations per virtual user (default 20); the job makes N x vus requests
#
# Exit codes: 0 passed, or SKIPPED where containers cannot run (no podman, `podman run` fails);
# 1 failed. Run it with the build lock held when others build on the machine:
#   flock /tmp/stampede-build.lock deploy/smoke/run.sh
set -euo pipefail

smoke_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../images/common.sh
source "$smoke_dir/../images/common.sh"

keep=false
clean_only=false
build=false
vus=5
iterations=20
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=true ;;
    --clean) clean_only=true ;;
    --build) build=true ;;
    --vus) vus="${2:?--vus needs a number}"; shift ;;
    --iterations) iterations="${2:?--iterations needs a number}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) warn "run.sh: unknown argument $1"; exit 2 ;;
  esac
  shift
done
expected=$((vus * iterations))

# Everything this test creates is named stampede-smoke-*: pods (whose names are also their DNS
# names on the network), their volumes, the network.
prefix=stampede-smoke
network=$prefix
pods=("$prefix-gate-0" "$prefix-manager-dc1-0" "$prefix-worker-dc1-0" "$prefix-target" "$prefix-kafka")
volumes=("$prefix-kafka-data" "$prefix-gate-0-data" "$prefix-manager-dc1-0-data"
  "$prefix-kafka-tmp" "$prefix-gate-0-tmp" "$prefix-manager-dc1-0-tmp" "$prefix-worker-dc1-0-tmp"
  "$prefix-target-tmp")
support_image=localhost/stampede-smoke/support:latest
# An arbitrary UID in group 0, as OpenShift runs containers.
uid=$((100000 + RANDOM % 900000))

started_at=$SECONDS
step() { printf '\n==== [%3d s] %s ====\n' $((SECONDS - started_at)) "$*"; }
skip() {
  printf '\n##########################################################\n'
  printf '## SKIPPED: %s\n' "$*"
  printf '## (the container smoke test did not run; nothing was checked)\n'
  printf '##########################################################\n'
  skipped=true
  exit 0
}
now_ms() { date +%s%3N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

remove_all() {
  local pod volume
  # The pods stop together (SIGTERM, SIGKILL after 10 s), not one after the other.
  for pod in "${pods[@]}"; do
    if podman pod exists "$pod" 2>/dev/null; then
      podman pod rm -f -t 10 "$pod" >/dev/null 2>&1 &
    fi
  done
  podman rm -f -t 0 "$prefix-cli" "$prefix-topics" >/dev/null 2>&1 &
  wait
  for volume in "${volumes[@]}"; do
    if podman volume exists "$volume" 2>/dev/null; then
      podman volume rm -f "$volume" >/dev/null 2>&1 || true
    fi
  done
  if podman network exists "$network" 2>/dev/null; then
    podman network rm -f "$network" >/dev/null 2>&1 || true
  fi
}

work=""
result=1
skipped=false
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  $skipped && exit 0
  if [ "$result" -ne 0 ] && [ -n "$work" ]; then
    step "FAILED: the end of each container's log"
    local pod
    for pod in "${pods[@]}"; do
      local container
      container="$(container_of "$pod")"
      if podman container exists "$container" 2>/dev/null; then
        printf -- '--- %s (%s)\n' "$container" "$(podman inspect --format '{{.State.Status}} exit {{.State.ExitCode}}' "$container" 2>/dev/null)"
        podman logs --tail 25 "$container" 2>&1 | grep -v '^[[:space:]]*at ' | tail -n 25 || true
      fi
    done
  fi
  if $keep && [ -n "$work" ]; then
    step "leaving everything running (--keep): deploy/smoke/run.sh --clean removes it"
    say "pod files: $work/*.yaml"
  elif [ -n "$work" ]; then
    step "cleaning up"
    remove_all
    rm -rf "$work"
    say "removed the pods, volumes and network"
  fi
  if [ "$result" -eq 0 ]; then
    printf '\nSMOKE TEST PASSED in %d s\n' $((SECONDS - started_at))
  else
    printf '\nSMOKE TEST FAILED after %d s\n' $((SECONDS - started_at))
    [ "$status" -ne 0 ] || status=1
  fi
  exit "$status"
}
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# kube play names a pod's container <pod>-<container>; ours are named after their role.
container_of() {
  case "$1" in
    *-gate-*) printf '%s-gate' "$1" ;;
    *-manager-*) printf '%s-manager' "$1" ;;
    *-worker-*) printf '%s-worker' "$1" ;;
    *-target) printf '%s-target' "$1" ;;
    *-kafka) printf '%s-kafka' "$1" ;;
  esac
}

# The address of a pod on the network (its infra container's), which the host can reach.
pod_ip() {
  local infra
  infra="$(podman pod inspect --format '{{.InfraContainerID}}' "$1")"
  podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$infra"
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s' "$port"
      return 0
    fi
  done
  fail "found no free port"
}

if $clean_only; then
  command -v podman >/dev/null || exit 0
  remove_all
  rm -rf /tmp/stampede-smoke.??????
  say "removed what an earlier smoke run left"
  exit 0
fi

# on_exit prints the verdict whatever happens, and cleans up once $work is set.
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
step "1. podman"
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman runc)"
ensure_containers_conf
if ! podman info >/dev/null 2>&1; then
  skip "podman does not work here: $(podman info 2>&1 | tail -n 1)"
fi
say "$(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), network $(podman info --format '{{.Host.NetworkBackend}}')"
command -v curl >/dev/null || fail "curl is needed"
command -v jq >/dev/null || fail "jq is needed (apt-get install jq)"

step "2. base image"
if ! image_exists "$STAMPEDE_LOCAL_BASE"; then
  [ "$(id -u)" -eq 0 ] || skip "the base image $STAMPEDE_LOCAL_BASE is missing and only root can build it (debootstrap)"
  "$images_dir/build-base.sh"
else
  say "$STAMPEDE_LOCAL_BASE exists ($(image_size_mb "$STAMPEDE_LOCAL_BASE"))"
fi
if ! run_error="$(podman run --rm --user "$uid:0" "$STAMPEDE_LOCAL_BASE" true 2>&1)"; then
  skip "'podman run' fails here: $(printf '%s' "$run_error" | tail -n 1)"
fi
say "podman run works (as $uid:0)"

# From here on, what we start is cleaned up on exit.
work="$(mktemp -d /tmp/stampede-smoke.XXXXXX)"
remove_all # what a killed earlier run may have left

step "3. Stampede images"
if $build; then
  (cd "$repo_root" && mvn -B -q --no-transfer-progress -DskipTests install)
fi
"$images_dir/build.sh"
version="$(project_version)"

step "4. smoke support image (Kafka broker, topic creation, HTTP target)"
classpath_file="$repo_root/local-runtime/target/classes/io/stampede/local/broker.classpath"
[ -f "$classpath_file" ] || fail "$classpath_file is missing: run mvn -DskipTests install"
ctx="$work/support"
mkdir -p "$ctx/lib" "$ctx/classes"
tr ':' '\n' <"$classpath_file" | while read -r jar; do
  [ -n "$jar" ] || continue
  [ -f "$jar" ] || fail "a Kafka broker jar is missing: $jar (run mvn -DskipTests install)"
  cp -p "$jar" "$ctx/lib/"
done
cp -p "$repo_root"/local-runtime/target/stampede-local-runtime-*.jar "$ctx/lib/"
cp -p "$repo_root"/shared-model/target/stampede-shared-model-*.jar "$ctx/lib/"
cp -p "$smoke_dir/support/Containerfile" "$smoke_dir/support/kafka-start.sh" \
  "$smoke_dir/support/log4j2.properties" "$ctx/"
command -v javac >/dev/null || fail "javac (a JDK 17) is needed to compile deploy/smoke/support/SmokeHelper.java"
javac --release 17 -nowarn -cp "$ctx/lib/*" -d "$ctx/classes" "$smoke_dir/support/SmokeHelper.java"
touch -d @0 "$ctx"/classes/*.class # same bytes, same layer: the image is rebuilt only when something changed
podman build --quiet --build-arg "BASE=$STAMPEDE_LOCAL_BASE" -t "$support_image" "$ctx" >/dev/null
say "$support_image: $(image_size_mb "$support_image") ($(ls "$ctx/lib" | wc -l) jars)"

step "5. network, Kafka and the HTTP target"
podman network create "$network" >/dev/null
say "network $network: $(podman network inspect --format '{{range .Subnets}}{{.Subnet}}{{end}}' "$network"), DNS names = pod names"
# 16 random bytes in URL-safe base64, not beginning with "-" (as Kafka's own ids never do).
cluster_id="-"
while [ "${cluster_id#-}" != "$cluster_id" ]; do
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
done
security_context="
      securityContext:
        runAsNonRoot: true
        runAsUser: $uid
        runAsGroup: 0
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]"
cat >"$work/infra.yaml" <<EOF
# Kafka (one broker, KRaft) and an HTTP target for the job, from the smoke support image.
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-kafka
  labels:
    app.kubernetes.io/name: kafka
    app.kubernetes.io/part-of: $prefix
spec:
  restartPolicy: Never
  containers:
    - name: kafka
      image: $support_image
      command: ["/opt/kafka/kafka-start.sh"]
      env:
        - name: CLUSTER_ID
          value: "$cluster_id"
        - name: KAFKA_HEAP_OPTS
          value: -Xms256m -Xmx384m
      # Listens on 9092 (clients) and 9093 (controller). No "ports:": podman 4.3 publishes every
      # listed containerPort on the host, hostPort or not.
      resources:
        limits:
          memory: 768Mi$security_context
      volumeMounts:
        - {name: data, mountPath: /var/lib/kafka/data}
        - {name: $prefix-kafka-tmp, mountPath: /tmp}
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: $prefix-kafka-data}
    - name: $prefix-kafka-tmp
      emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-target
  labels:
    app.kubernetes.io/name: target
    app.kubernetes.io/part-of: $prefix
spec:
  restartPolicy: Never
  containers:
    - name: target
      image: $support_image
      command: ["java", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Dsun.net.httpserver.nodelay=true", "-cp", "/opt/smoke/classes:/opt/kafka/lib/*", "SmokeHelper", "target", "8080"]
      # Listens on 8080 (not published: only the worker calls it).
      resources:
        limits:
          memory: 256Mi$security_context
      volumeMounts:
        - {name: $prefix-target-tmp, mountPath: /tmp}
  volumes:
    - name: $prefix-target-tmp
      emptyDir: {}
EOF
podman kube play --network "$network" "$work/infra.yaml" >"$work/play-infra.log" 2>&1 \
  || { cat "$work/play-infra.log"; fail "podman kube play infra.yaml failed"; }
kafka_started="$(podman inspect --format '{{.State.StartedAt.UnixMilli}}' "$prefix-kafka-kafka")"

step "6. topics (as stampede local up creates them)"
# Like the manifests' kafka-topics Job: a container that waits for the broker, then creates them.
podman run --rm --name "$prefix-topics" --network "$network" --user "$uid:0" --read-only \
  "$support_image" java -Xmx128m -XX:TieredStopAtLevel=1 -cp "/opt/smoke/classes:/opt/kafka/lib/*" \
  SmokeHelper topics "$prefix-kafka:9092" 3 dc1 | grep -v '^waiting' || fail "could not create the topics"
kafka_ready="$(now_ms)"

step "7. gate, manager and worker (podman kube play, as $uid:0, read-only root file system)"
gate_port="$(free_port)"
membership_key="$(head -c 24 /dev/urandom | base64 | tr -d '=+/')"
record_key="$(head -c 24 /dev/urandom | base64 | tr -d '=+/')"
# Each role's key pair for role signatures (docs/security.md#role-signatures), as the Secret
# stampede-record-roles holds them: public-keys, gate, manager, worker.
role_keys="$("$repo_root/bin/stampede" key roles)" || fail "stampede key roles failed"
role_key() { printf '%s\n' "$role_keys" | grep "^$1=" | cut -d= -f2-; }
# An API key with every role (docs/security.md#api-keys): nodes get its SHA-256, curl reads the
# header from a file and the CLI from its environment, so the key is on no command line.
api_key="stk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
api_key_entry="smoke:admin:$(printf '%s' "$api_key" | sha256sum | cut -d' ' -f1)"
printf 'Authorization: Bearer %s\n' "$api_key" >"$work/api-key-header"
chmod 600 "$work/api-key-header"
export STAMPEDE_API_KEY="$api_key"
java_note="# JAVA_OPTS (the image's -XX:MaxRAMPercentage=75 ...) is not overridden here."
node_env() { # role, http port; the manifests' variables, with their values rendered
  cat <<EOF
        # The pod name is the node id (the manifests: fieldRef metadata.name).
        - name: STAMPEDE_NODE_ID
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        # STAMPEDE_MEMBERSHIP_ADVERTISE_HOST: the manifests give status.podIP, which podman 4.3
        # cannot; unset, the image's entrypoint advertises the pod's address, the same value.
        - name: STAMPEDE_PORTS_HTTP
          value: "$2"
        - name: STAMPEDE_PORTS_UDP
          value: "7946"
        - name: STAMPEDE_KAFKA_BOOTSTRAP_SERVERS
          valueFrom: {configMapKeyRef: {name: $prefix-config, key: kafka-bootstrap-servers}}
        # The manifests read it from a Secret (secretKeyRef), which podman 4.3 cannot play.
        - name: STAMPEDE_MEMBERSHIP_KEY
          value: "$membership_key"
        # The same Secret's record-key: every record signed and checked (docs/security.md#records).
        - name: STAMPEDE_SECURITY_RECORD_KEY
          value: "$record_key"
        # The Secret stampede-record-roles: this role's private key, every role's public key.
        - name: STAMPEDE_SECURITY_RECORD_ROLE_KEY
          value: "$(role_key "$1")"
        - name: STAMPEDE_SECURITY_RECORD_ROLE_PUBLIC_KEYS
          value: "$(role_key public-keys)"
        # The manifests mount the API keys' Secret as a file (STAMPEDE_SECURITY_API_KEYS_FILE).
        - name: STAMPEDE_SECURITY_API_KEYS
          value: "$api_key_entry"
        # The target is a pod on podman's network, a private address: the manifests' targets-allow.
        - name: STAMPEDE_TARGETS_ALLOW_PRIVATE
          value: "true"
EOF
}
cat >"$work/stampede.yaml" <<EOF
# One gate, one manager and one worker of datacenter dc1, as deploy/base and
# deploy/components/datacenter describe them (one replica each, the values rendered).
apiVersion: v1
kind: ConfigMap
metadata:
  name: $prefix-config
data:
  kafka-bootstrap-servers: $prefix-kafka:9092
---
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-gate-0
  labels:
    app.kubernetes.io/name: stampede
    app.kubernetes.io/component: gate
spec:
  restartPolicy: Never
  enableServiceLinks: false
  automountServiceAccountToken: false
  containers:
    - name: gate
      image: localhost/stampede/gate:$version
      # Only the HTTP port is listed, published on 127.0.0.1: podman 4.3 publishes every listed
      # containerPort on the host. The others: grpc 9000/TCP (Raft), membership 7946/UDP.
      ports:
        - {name: http, containerPort: 8080, protocol: TCP, hostPort: $gate_port, hostIP: 127.0.0.1}
      env:
$(node_env gate 8080)
        - name: STAMPEDE_PORTS_GRPC
          value: "9000"
        - name: STAMPEDE_NODE_SEEDS
          value: $prefix-gate-0:7946
        - name: STAMPEDE_LEADERSHIP_PEERS
          value: $prefix-gate-0@$prefix-gate-0:9000
        - name: STAMPEDE_LEADERSHIP_STORAGE
          value: /var/lib/stampede/raft
      resources:
        limits:
          memory: 768Mi$security_context
      volumeMounts:
        - {name: data, mountPath: /var/lib/stampede}
        - {name: $prefix-gate-0-tmp, mountPath: /tmp}
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: $prefix-gate-0-data}
    - name: $prefix-gate-0-tmp
      emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-manager-dc1-0
  labels:
    app.kubernetes.io/name: stampede
    app.kubernetes.io/component: manager
    stampede.io/datacenter: dc1
spec:
  restartPolicy: Never
  enableServiceLinks: false
  automountServiceAccountToken: false
  containers:
    - name: manager
      image: localhost/stampede/manager:$version
      # Ports http 8180/TCP, grpc 9000/TCP (Raft), membership 7946/UDP; not listed, as podman
      # 4.3 would publish them on the host.
      env:
        - name: STAMPEDE_NODE_DATACENTER
          valueFrom: {fieldRef: {fieldPath: "metadata.labels['stampede.io/datacenter']"}}
$(node_env manager 8180)
        - name: STAMPEDE_PORTS_GRPC
          value: "9000"
        - name: STAMPEDE_NODE_SEEDS
          value: $prefix-manager-dc1-0:7946
        - name: STAMPEDE_LEADERSHIP_PEERS
          value: $prefix-manager-dc1-0@$prefix-manager-dc1-0:9000
        - name: STAMPEDE_LEADERSHIP_STORAGE
          value: /var/lib/stampede/raft
      resources:
        limits:
          memory: 768Mi$security_context
      volumeMounts:
        - {name: data, mountPath: /var/lib/stampede}
        - {name: $prefix-manager-dc1-0-tmp, mountPath: /tmp}
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: $prefix-manager-dc1-0-data}
    - name: $prefix-manager-dc1-0-tmp
      emptyDir: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-worker-dc1-0
  labels:
    app.kubernetes.io/name: stampede
    app.kubernetes.io/component: worker
    stampede.io/datacenter: dc1
spec:
  restartPolicy: Never
  enableServiceLinks: false
  automountServiceAccountToken: false
  containers:
    - name: worker
      image: localhost/stampede/worker:$version
      # Ports http 8280/TCP, membership 7946/UDP; not listed, as podman 4.3 would publish them.
      env:
        - name: STAMPEDE_NODE_DATACENTER
          valueFrom: {fieldRef: {fieldPath: "metadata.labels['stampede.io/datacenter']"}}
$(node_env worker 8280)
        - name: STAMPEDE_NODE_SEEDS
          value: $prefix-manager-dc1-0:7946
      resources:
        limits:
          memory: 1Gi$security_context
      volumeMounts:
        - {name: $prefix-worker-dc1-0-tmp, mountPath: /tmp}
  volumes:
    - name: $prefix-worker-dc1-0-tmp
      emptyDir: {}
EOF
podman kube play --network "$network" "$work/stampede.yaml" >"$work/play-stampede.log" 2>&1 \
  || { cat "$work/play-stampede.log"; fail "podman kube play stampede.yaml failed"; }
say "pods: ${pods[*]:0:3}; the gate's HTTP port is published on 127.0.0.1:$gate_port"

# Wait until each node answers /q/health/ready UP; record when it was live and when ready.
declare -A url started live ready
url[gate]="http://127.0.0.1:$gate_port"
url[manager]="http://$(pod_ip "$prefix-manager-dc1-0"):8180"
url[worker]="http://$(pod_ip "$prefix-worker-dc1-0"):8280"
url[target]="http://$(pod_ip "$prefix-target"):8080"
started[gate]="$(podman inspect --format '{{.State.StartedAt.UnixMilli}}' "$prefix-gate-0-gate")"
started[manager]="$(podman inspect --format '{{.State.StartedAt.UnixMilli}}' "$prefix-manager-dc1-0-manager")"
started[worker]="$(podman inspect --format '{{.State.StartedAt.UnixMilli}}' "$prefix-worker-dc1-0-worker")"
deadline=$((SECONDS + 180))
last_state_check=0
while :; do
  pending=0
  for role in gate manager worker; do
    [ -n "${ready[$role]:-}" ] && continue
    pending=1
    if [ -z "${live[$role]:-}" ] && curl -sf -m 1 "${url[$role]}/q/health/live" >/dev/null 2>&1; then
      live[$role]="$(now_ms)"
    fi
    if [ -n "${live[$role]:-}" ] && curl -sf -m 1 "${url[$role]}/q/health/ready" >/dev/null 2>&1; then
      ready[$role]="$(now_ms)"
      say "  ready: $role after $(seconds_between "${started[$role]}" "${ready[$role]}") s"
    fi
  done
  [ "$pending" -eq 1 ] || break
  if [ $((SECONDS - last_state_check)) -ge 3 ]; then
    last_state_check=$SECONDS
    for c in "$prefix-gate-0-gate" "$prefix-manager-dc1-0-manager" "$prefix-worker-dc1-0-worker" \
        "$prefix-kafka-kafka" "$prefix-target-target"; do
      state="$(podman inspect --format '{{.State.Status}}' "$c")"
      [ "$state" = running ] || fail "container $c is $state"
    done
  fi
  if [ $SECONDS -ge $deadline ]; then
    for role in gate manager worker; do
      [ -n "${ready[$role]:-}" ] && continue
      say "$role is not ready: $(curl -s -m 2 "${url[$role]}/q/health/ready" | jq -c '[.checks[] | select(.status == "DOWN")]' 2>/dev/null)"
    done
    fail "the nodes were not ready within 180 s"
  fi
  sleep 0.25
done

step "8. what the containers run as and advertise"
for c in "$prefix-gate-0-gate" "$prefix-manager-dc1-0-manager" "$prefix-worker-dc1-0-worker"; do
  ids="$(podman exec "$c" id)"
  command_line="$(podman exec "$c" cat /proc/1/cmdline | tr '\0' ' ')"
  say "  $c: $ids"
  say "    pid 1: $command_line"
  case "$ids" in uid=0*) fail "$c runs as root" ;; esac
  case "$ids" in *"gid=0("*) ;; *) fail "$c does not run in group 0" ;; esac
done
members="$(curl -sf -m 5 -H @"$work/api-key-header" "${url[manager]}/api/v1/cluster")" || fail "the manager's /api/v1/cluster does not answer"
say "  datacenter dc1's membership, as the manager sees it:"
jq -r '.members[] | "    \(.id)  \(.role)  \(.address)  \(.state)"' <<<"$members" 2>/dev/null \
  || say "    $members"
if grep -q '127\.0\.0\.1' <<<"$(jq -c '[.members[] | del(.id)]' <<<"$members")"; then
  fail "a member advertises 127.0.0.1"
fi
[ "$(jq '[.members[] | select((.state | ascii_downcase) == "alive")] | length' <<<"$members")" -ge 2 ] \
  || fail "the manager does not see the worker alive"
gate_leadership="$(curl -sf -m 5 -H @"$work/api-key-header" "${url[gate]}/api/v1/leadership" | jq -c '{leading, leader, members}' 2>/dev/null || true)"
say "  gate leadership: $gate_leadership"
[ "$(jq -r '.leading' <<<"$gate_leadership" 2>/dev/null)" = true ] || fail "the gate does not lead its Raft group"
gate_datacenters="$(curl -sf -m 5 -H @"$work/api-key-header" "${url[gate]}/api/v1/datacenters" | jq -c '[.[] | {name, registration, bucket, leader, workers, cores}]' 2>/dev/null || true)"
say "  gate datacenters: $gate_datacenters"
[ "$(jq '[.[] | select(.name == "dc1" and .workers >= 1 and .cores >= 1)] | length' <<<"$gate_datacenters" 2>/dev/null)" = 1 ] \
  || fail "the gate does not see datacenter dc1 with its worker and cores"
unauthenticated="$(curl -s -o /dev/null -w '%{http_code}' -m 5 "${url[gate]}/api/v1/jobs")"
say "  the gate's API without a key: HTTP $unauthenticated"
[ "$unauthenticated" = 401 ] || fail "the gate answered $unauthenticated without an API key, not 401"

step "9. a job through the gate at 127.0.0.1:$gate_port with bin/stampede ($vus users x $iterations iterations = $expected requests)"
mkdir -p "$work/job"
chmod 0777 "$work/job" # the cli container writes its report here under an arbitrary UID
cat >"$work/job/job.yaml" <<EOF
name: container smoke test
timeout: 2m
datacenters: [dc1]
workflows:
  - name: smoke
    vus: $vus
    iterations: $iterations
    steps:
      - name: get
        request:
          url: http://$prefix-target:8080/hello
        checks: [{status: 200}]
EOF
job_started="$(now_ms)"
set +e
timeout 180 "$repo_root/bin/stampede" run "$work/job/job.yaml" --gate "${url[gate]}" --report "$work/job/report-host.json"
host_status=$?
set -e
job_ended="$(now_ms)"
[ "$host_status" -eq 0 ] || fail "stampede run exited with $host_status"
host_requests="$(jq '[.workflows[].steps[].requests] | add' "$work/job/report-host.json")"
host_status_text="$(jq -r '.status' "$work/job/report-host.json")"
say "report: job $(jq -r '.id' "$work/job/report-host.json") $host_status_text, $host_requests requests (expected $expected), in $(seconds_between "$job_started" "$job_ended") s"
[ "$host_status_text" = COMPLETED ] || fail "the job ended $host_status_text"
[ "$host_requests" -eq "$expected" ] || fail "the report counts $host_requests requests, not $expected"

step "10. the same job with the cli image, inside the network (gate at http://$prefix-gate-0:8080)"
cli_started="$(now_ms)"
set +e
timeout 180 podman run --rm --name "$prefix-cli" --network "$network" --user "$uid:0" --read-only \
  -e STAMPEDE_API_KEY -v "$work/job:/work" "localhost/stampede/cli:$version" \
  run job.yaml --gate "http://$prefix-gate-0:8080" --report /work/report-cli.json
cli_status=$?
set -e
cli_ended="$(now_ms)"
[ "$cli_status" -eq 0 ] || fail "the cli image's stampede run exited with $cli_status"
cli_requests="$(jq '[.workflows[].steps[].requests] | add' "$work/job/report-cli.json")"
cli_status_text="$(jq -r '.status' "$work/job/report-cli.json")"
say "report: job $(jq -r '.id' "$work/job/report-cli.json") $cli_status_text, $cli_requests requests (expected $expected), in $(seconds_between "$cli_started" "$cli_ended") s"
[ "$cli_status_text" = COMPLETED ] || fail "the job ended $cli_status_text"
[ "$cli_requests" -eq "$expected" ] || fail "the report counts $cli_requests requests, not $expected"
served="$(curl -sf -m 5 "${url[target]}/count")" || fail "the target does not answer /count"
say "the target served $served requests (expected $((2 * expected)))"
[ "$served" -eq $((2 * expected)) ] || fail "the target served $served requests, not $((2 * expected))"

# Every node signed its records as its role, and the job above went through records each node
# checked against the roles that write their topics.
for pod in "$prefix-gate-0" "$prefix-manager-dc1-0" "$prefix-worker-dc1-0"; do
  grep -q 'role signatures on' <<<"$(podman logs "$(container_of "$pod")" 2>&1)" \
    || fail "$pod does not say its role signatures are on"
done
say "role signatures: on in every node"

step "results"
say "images:"
for role in "${STAMPEDE_ROLES[@]}"; do
  printf '  %-40s %s\n' "stampede/$role:$version" "$(image_size_mb "stampede/$role:$version")"
done
printf '  %-40s %s\n' "$STAMPEDE_LOCAL_BASE (base)" "$(image_size_mb "$STAMPEDE_LOCAL_BASE")"
say "start-up, container start -> /q/health/live UP -> /q/health/ready UP:"
for role in gate manager worker; do
  printf '  %-8s live %5s s   ready %5s s\n' "$role" "$(seconds_between "${started[$role]}" "${live[$role]}")" \
    "$(seconds_between "${started[$role]}" "${ready[$role]}")"
done
printf '  %-8s topics created %s s after the broker container started\n' kafka "$(seconds_between "$kafka_started" "$kafka_ready")"
say "  (the gate is ready once a datacenter can take jobs, so its time includes the manager's and worker's)"
say "job: $host_requests/$expected requests through 127.0.0.1:$gate_port (bin/stampede), $cli_requests/$expected with the cli image; target served $served"
result=0
