#!/usr/bin/env bash
# Checks the native build of gates and managers as far as a machine without GraalVM or Mandrel can:
# Quarkus's native build up to the native compiler (-Dquarkus.native.sources-only=true), then that
# the reflection registrations a native image needs are in what it wrote. See
# docs/deployment.md#native-images.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== native sources of gate and manager (-Pnative -Dquarkus.native.sources-only=true)"
started=$(date +%s)
mvn -B --no-transfer-progress -q -DskipTests package -pl gate,manager -am -Pnative \
    -Dquarkus.native.sources-only=true
echo "   built in $(( $(date +%s) - started )) s"

failed=0
check() { # module class...
  local module=$1; shift
  local jar
  jar=$(ls "$module"/target/native-sources/stampede-"$module"-*-runner.jar)
  local config
  config=$(unzip -p "$jar" META-INF/native-image/reflect-config.json)
  for class in "$@"; do
    if grep -qF "\"$class\"" <<<"$config"; then
      echo "   $module: $class registered"
    else
      echo "   $module: $class NOT registered for reflection" >&2
      failed=1
    fi
  done
  if ! unzip -p "$jar" META-INF/native-image/resource-config.json | grep -qF 'META-INF/services/org\\.apache\\.ratis'; then
    echo "   $module: Ratis's service files are not included as resources" >&2
    failed=1
  fi
  [ -s "$module/target/native-sources/native-image.args" ] || { echo "   $module: no native-image.args" >&2; failed=1; }
}

common=(
  'io.stampede.model.wire.Payload$WorkerHeartbeat'
  'io.stampede.model.wire.Payload$DatacenterProgress'
  'io.stampede.model.stats.WorkflowWindow'
  'org.HdrHistogram.Histogram'
  'org.apache.ratis.grpc.GrpcFactory'
  'org.apache.ratis.server.impl.ServerImplUtils'
  'org.apache.ratis.metrics.impl.MetricRegistriesImpl'
)
check gate "${common[@]}" 'io.stampede.gate.ownership.Ownership$Entry' 'io.stampede.gate.routing.RoutingDecision' \
  'io.stampede.gate.jobs.JobView' 'io.stampede.gate.jobs.JobEvent' 'io.stampede.model.wire.Payload$JobArchived' \
  'io.stampede.model.wire.Payload$Incident' 'io.stampede.model.stats.JobSeries$Point' 'io.stampede.model.stats.Thresholds$Verdict'
check manager "${common[@]}"
if [ "$failed" -ne 0 ]; then
  echo "native check FAILED" >&2
  exit 1
fi
echo "native check passed: gate and manager native sources are in */target/native-sources"
