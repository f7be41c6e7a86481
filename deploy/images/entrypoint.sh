#!/bin/sh
# Entrypoint of Stampede's images: runs the image's jar with JVM options that follow the
# container's memory limit, as PID 1 (exec), so SIGTERM reaches the JVM.
#
#   JAVA_OPTS         the image's JVM options (-XX:MaxRAMPercentage=75 ..., set per image);
#                     setting it replaces them
#   JAVA_OPTS_APPEND  more JVM options, after JAVA_OPTS (for -XX flags and -D properties, the last
#                     one wins, so this is how to override a single default)
#   JAVA_APP_JAR      the jar to run (set per image)
#   IMAGE_ROLE        gate, manager, worker or cli (set per image)
#
# Nodes (gate, manager, worker): when STAMPEDE_MEMBERSHIP_ADVERTISE_HOST is not set (and no
# -Dstampede.membership.advertise-host option is given), the node advertises this container's own
# address instead of the services' default, 127.0.0.1. Orchestrators should still set it (on
# Kubernetes: the pod IP from the downward API, or a stable DNS name).
set -eu
set -f # JAVA_OPTS is split on blanks, never globbed

log() { printf 'entrypoint: %s\n' "$*" >&2; }

# This container's first non-loopback IPv4 address: what its host name resolves to (Kubernetes and
# podman write it into /etc/hosts), else the kernel's list of local addresses.
own_address() {
  name="$(cat /proc/sys/kernel/hostname 2>/dev/null || true)"
  if [ -n "$name" ] && command -v getent >/dev/null 2>&1; then
    getent ahostsv4 "$name" 2>/dev/null | first_non_loopback
  fi
  # /proc/net/fib_trie lists each local address on a line before "/32 host LOCAL".
  if [ -r /proc/net/fib_trie ]; then
    previous=""
    while read -r first second _; do
      case "$first $second" in
        "/32 host") printf '%s\n' "$previous" ;;
      esac
      previous="$second"
    done </proc/net/fib_trie | first_non_loopback
  fi
}

# The first line's first field that is not a loopback address (no awk: not every base has it).
first_non_loopback() {
  while read -r candidate _; do
    case "$candidate" in
      ""|127.*) ;;
      *) printf '%s\n' "$candidate"; return 0 ;;
    esac
  done
}

opts="${JAVA_OPTS:-} ${JAVA_OPTS_APPEND:-}"

case "${IMAGE_ROLE:-}" in
  gate|manager|worker)
    if [ -z "${STAMPEDE_MEMBERSHIP_ADVERTISE_HOST:-}" ]; then
      case " $opts " in
        *" -Dstampede.membership.advertise-host="*) ;;
        *)
          address="$(own_address | head -n 1)"
          if [ -n "$address" ]; then
            STAMPEDE_MEMBERSHIP_ADVERTISE_HOST="$address"
            export STAMPEDE_MEMBERSHIP_ADVERTISE_HOST
            log "STAMPEDE_MEMBERSHIP_ADVERTISE_HOST is not set; advertising this container's address $address"
          else
            log "STAMPEDE_MEMBERSHIP_ADVERTISE_HOST is not set and this container has no address but loopback"
          fi
          ;;
      esac
    fi
    ;;
esac

# An arbitrary UID (OpenShift) has no passwd entry, and Java then takes "?" as user.home.
if ! getent passwd "$(id -u)" >/dev/null 2>&1; then
  opts="-Duser.home=${HOME:-/tmp} $opts"
fi

# shellcheck disable=SC2086 # the options are meant to be split
exec java $opts -jar "${JAVA_APP_JAR:?JAVA_APP_JAR is not set}" "$@"
