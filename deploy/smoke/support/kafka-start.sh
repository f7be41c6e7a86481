#!/bin/sh
# Starts the smoke test's single Kafka broker (KRaft: broker and controller in one JVM) with the
# project's own launcher (io.stampede.local.BrokerMain: formats the storage if new, then runs
# Kafka), configured like deploy/kafka/single-broker and advertising this pod's name.
set -eu
host="${KAFKA_ADVERTISED_HOST:-$(cat /proc/sys/kernel/hostname)}"
: "${CLUSTER_ID:?CLUSTER_ID is not set (16 bytes in URL-safe base64)}"
mkdir -p /var/lib/kafka/data/logs
conf=/tmp/server.properties
cat >"$conf" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://${host}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/var/lib/kafka/data/logs
num.partitions=3
auto.create.topics.enable=false
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPERTIES
echo "kafka-start: broker at ${host}:9092, data in /var/lib/kafka/data"
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of options
exec java ${KAFKA_HEAP_OPTS:--Xmx384m} -XX:+ExitOnOutOfMemoryError \
  -Dlog4j2.configurationFile=/opt/kafka/log4j2.properties \
  -cp '/opt/kafka/lib/*' io.stampede.local.BrokerMain "$CLUSTER_ID" "$conf"
