#!/usr/bin/env bash
# Builds the local base image for Stampede's images where no container registry can be reached:
# a minimal Debian (debootstrap --variant=minbase) with the OpenJDK 17 headless JRE, imported into
# podman as localhost/stampede-base:bookworm. Skips the work when that image exists (--force
# rebuilds it). Needs root, debootstrap and podman, and the Debian mirror apt already uses.
#
#   deploy/images/build-base.sh [--force] [--name IMAGE] [--mirror URL] [--suite SUITE]
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

force=false
name="$STAMPEDE_LOCAL_BASE"
mirror="${DEBIAN_MIRROR:-}"
suite=bookworm

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=true ;;
    --name) name="${2:?--name needs an image name}"; shift ;;
    --mirror) mirror="${2:?--mirror needs a URL}"; shift ;;
    --suite) suite="${2:?--suite needs a Debian suite}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) warn "build-base.sh: unknown argument $1"; usage >&2; exit 2 ;;
  esac
  shift
done

command -v podman >/dev/null || die "podman is not installed (apt-get install podman runc)"
ensure_containers_conf

if image_exists "$name" && ! $force; then
  say "base image $name exists ($(image_size_mb "$name")); not rebuilding it (--force rebuilds)"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
if [ -z "$mirror" ]; then
  mirror="$(debian_mirror)"
  [ -n "$mirror" ] || die "found no Debian mirror in /etc/apt/sources.list{,.d/*}; pass --mirror URL"
fi

work="$(mktemp -d /var/tmp/stampede-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$SECONDS

say "debootstrap $suite (minbase + openjdk-17-jre-headless) from $mirror ..."
if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless "$suite" "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  die "debootstrap failed (log above)"
fi
debootstrapped=$((SECONDS - started))
say "debootstrap done in ${debootstrapped} s"

# What an image does not need: downloaded packages, package lists, logs, manuals, and what the
# packages' scripts left in /tmp (the JVM's hsperfdata_root).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
[ -x "$rootfs/usr/bin/java" ] || die "the root file system has no /usr/bin/java"

say "importing it as $name ..."
# The JRE's directory is named after the architecture (amd64, arm64, ...).
java_home=$(ls -d "$rootfs"/usr/lib/jvm/java-17-openjdk-* | head -n 1)
tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "ENV JAVA_HOME=${java_home#"$rootfs"}" \
  --change "LABEL org.opencontainers.image.title=stampede-base" \
  --change "LABEL org.opencontainers.image.description=Debian $suite minbase with the OpenJDK 17 headless JRE (built by deploy/images/build-base.sh)" \
  - "$name" >/dev/null

# Captured whole, then cut: piping podman into `head -n 1` closed the pipe while podman still
# copied the container's later lines, and podman failed on the broken pipe (exit 126, seen on CI).
java_version="$(podman run --rm "$name" java -version 2>&1)" || die "java -version fails in $name: $java_version"
say "java in the image: ${java_version%%$'\n'*}"
say "built $name in $((SECONDS - started)) s (debootstrap ${debootstrapped} s); size $(image_size_mb "$name")"
