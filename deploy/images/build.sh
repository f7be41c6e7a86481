#!/usr/bin/env bash
# Builds Stampede's images (gate, manager, worker, cli) with podman from the current build output
# (run `mvn -DskipTests install` first), tags each PREFIX/<role>:<version> (the root pom's version)
# and PREFIX/<role>:latest, and prints their sizes.
#
#   deploy/images/build.sh [--base IMAGE] [--prefix NAME] [--version V] [--source URL] [--push] [ROLE...]
#
#   --base IMAGE   the base image (a JRE 17): default the local base built by build-base.sh
#                  (localhost/stampede-base:bookworm) when it exists, else
#                  registry.access.redhat.com/ubi9/openjdk-17-runtime:1.21
#   --prefix NAME  image name prefix (default stampede), e.g. quay.io/acme/stampede
#   --version V    the version tag and label (default: the root pom's version)
#   --source URL   the org.opencontainers.image.source label (default: git's remote.origin.url)
#   --push         push both tags of each image after building it (podman push)
#   ROLE...        only these roles (default: gate manager worker cli)
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

base=""
prefix=stampede
version=""
source_url=""
push=false
roles=()

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="${2:?--base needs an image}"; shift ;;
    --prefix) prefix="${2:?--prefix needs a name}"; shift ;;
    --version) version="${2:?--version needs a value}"; shift ;;
    --source) source_url="${2:?--source needs a URL}"; shift ;;
    --push) push=true ;;
    -h|--help) usage; exit 0 ;;
    gate|manager|worker|cli) roles+=("$1") ;;
    *) warn "build.sh: unknown argument $1"; usage >&2; exit 2 ;;
  esac
  shift
done
[ ${#roles[@]} -gt 0 ] || roles=("${STAMPEDE_ROLES[@]}")

command -v podman >/dev/null || die "podman is not installed (apt-get install podman runc)"
ensure_containers_conf

# The build output each role needs.
build_output() {
  case "$1" in
    cli) printf '%s\n' "client-cli/target/stampede.jar" ;;
    *) printf '%s\n' "$1/target/quarkus-app/quarkus-run.jar" ;;
  esac
}
missing=()
for role in "${roles[@]}"; do
  [ -f "$repo_root/$(build_output "$role")" ] || missing+=("$(build_output "$role")")
done
if [ ${#missing[@]} -gt 0 ]; then
  warn "build.sh: the build output is missing: ${missing[*]}"
  die "build Stampede first: (cd $repo_root && mvn -DskipTests install)"
fi

[ -n "$version" ] || version="$(project_version)"
[ -n "$version" ] || die "could not read the version from $repo_root/pom.xml; pass --version"
if [ -z "$base" ]; then
  if image_exists "$STAMPEDE_LOCAL_BASE"; then
    base="$STAMPEDE_LOCAL_BASE"
  else
    base="$STAMPEDE_PUBLIC_BASE"
  fi
fi
revision="$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || true)"
[ -n "$source_url" ] || source_url="$(git -C "$repo_root" config --get remote.origin.url 2>/dev/null || true)"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

say "building ${roles[*]} $version on $base"
logs="$(mktemp -d /tmp/stampede-images.XXXXXX)"
trap 'rm -rf "$logs"' EXIT
for role in "${roles[@]}"; do
  image="$prefix/$role"
  started=$SECONDS
  if ! podman build \
      --file "$images_dir/$role/Containerfile" \
      --build-arg "BASE=$base" \
      --build-arg "VERSION=$version" \
      --build-arg "REVISION=$revision" \
      --build-arg "CREATED=$created" \
      --build-arg "SOURCE=$source_url" \
      --tag "$image:$version" --tag "$image:latest" \
      "$repo_root" >"$logs/$role.log" 2>&1; then
    tail -n 30 "$logs/$role.log" >&2
    if [ "$base" = "$STAMPEDE_PUBLIC_BASE" ]; then
      warn "(no registry reachable? build a local base with deploy/images/build-base.sh, or pass --base)"
    fi
    die "building $image failed (log above)"
  fi
  printf '  %-34s %8s  built in %3d s\n' "$image:$version" "$(image_size_mb "$image:$version")" \
    $((SECONDS - started))
  if $push; then
    podman push "$image:$version" && podman push "$image:latest"
  fi
done
