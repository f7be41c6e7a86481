# Shared by deploy/images/*.sh and deploy/smoke/run.sh (sourced, not run).
# shellcheck shell=bash

STAMPEDE_LOCAL_BASE="${STAMPEDE_LOCAL_BASE:-localhost/stampede-base:bookworm}"
STAMPEDE_PUBLIC_BASE="${STAMPEDE_PUBLIC_BASE:-registry.access.redhat.com/ubi9/openjdk-17-runtime:1.21}"
STAMPEDE_ROLES=(gate manager worker cli)

images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$images_dir/../.." && pwd)"

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
heading() { printf '\n==== %s ====\n' "$*"; }

# The project version, from the root pom (the first <version> after <artifactId>stampede-parent).
project_version() {
  awk '/<artifactId>stampede-parent<\/artifactId>/ { found = 1 }
       found && /<version>/ { sub(/.*<version>/, ""); sub(/<\/version>.*/, ""); print; exit }' \
    "$repo_root/pom.xml"
}

# Size of a local image in MB (decimal, as podman prints it).
image_size_mb() {
  podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

image_exists() { podman image exists "$1" 2>/dev/null; }

# podman on this kind of machine runs containers only with runc and without default ulimits
# (crun fails on setrlimit). Writes /etc/containers/containers.conf when it is missing and we are
# root; leaves an existing file alone.
ensure_containers_conf() {
  local conf=/etc/containers/containers.conf
  if [ -e "$conf" ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    warn "note: $conf is missing and we are not root; if 'podman run' fails on setrlimit, write it with"
    warn "      [containers] default_ulimits = []  and  [engine] runtime = \"runc\""
    return 0
  fi
  mkdir -p /etc/containers
  cat >"$conf" <<'EOF'
# Written by Stampede's deploy/images scripts: crun fails on setrlimit on this machine; runc works.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
  say "wrote $conf (runtime runc, no default ulimits)"
}

# The Debian mirror apt already uses (first non-security "deb" source), from
# /etc/apt/sources.list.d/*.sources (deb822) or /etc/apt/sources.list and *.list.
debian_mirror() {
  local mirror=""
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    mirror="$(awk '
      function flush() {
        if (!done && types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "" && uris !~ /security/ && suites !~ /^[^ ]*-security/) {
          split(uris, u, " "); print u[1]; done = 1; exit
        }
        types = ""; uris = ""; suites = ""; enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
      tolower($1) == "uris:" { $1 = ""; uris = substr($0, 2) }
      tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "$f")"
    [ -n "$mirror" ] && break
  done
  if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      mirror="$(awk '$1 == "deb" {
          i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if ($i !~ /security/ && $(i + 1) !~ /-security/) { print $i; exit } }' "$f")"
      [ -n "$mirror" ] && break
    done
  fi
  printf '%s\n' "${mirror%/}"
}
