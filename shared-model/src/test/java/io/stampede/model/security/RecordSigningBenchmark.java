package io.stampede.model.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.stampede.model.NodeRole;
import io.stampede.model.Topics;

/**
 * What signing and checking a record costs, by its size, with the cluster's key and with a role's
 * Ed25519 key, and with a node's own certified key: printed for docs/benchmarks.md. Run it
 * with {@code mvn -B -pl shared-model test -Dtest=RecordSigningBenchmark}.
 */
class RecordSigningBenchmark {

    @Test
    void printsTheTimeToSignAndCheckARecord() {
        RecordSigning signing = RecordSigning.of("a-record-key-of-32-characters-00", Optional.empty());
        SplittableRandom random = new SplittableRandom(1);
        // A heartbeat, a worker's window with a few steps, a large window, a job of 1 MiB.
        for (int bytes : new int[] {300, 4 * 1024, 64 * 1024, 1024 * 1024}) {
            byte[] value = new byte[bytes];
            random.nextBytes(value);
            int rounds = Math.max(200, 20_000_000 / bytes);
            int refused = 0;
            for (int i = 0; i < rounds; i++) { // warm-up
                refused += signing.check("job-1", value, signing.sign("job-1", value)).isPresent() ? 1 : 0;
            }
            long started = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                refused += signing.check("job-1", value, signing.sign("job-1", value)).isPresent() ? 1 : 0;
            }
            double micros = (System.nanoTime() - started) / 1e3 / rounds / 2;
            assertThat(refused).isZero();
            System.out.printf("a record of %,d bytes: signed or checked in %.1f µs (%.0f MB/s), one thread%n", bytes,
                    micros, bytes / micros);
        }
    }

    @Test
    void printsTheTimeToSignAndCheckARecordsRoleSignature() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        RecordRoles manager = RecordRoles.of(RecordRoles.publicEntries(keys), Optional.of(NodeRole.MANAGER),
                Optional.of(keys.get(NodeRole.MANAGER).get(0)));
        byte[] role = "manager".getBytes(StandardCharsets.UTF_8);
        String topic = Topics.dispatch("dc1");
        SplittableRandom random = new SplittableRandom(1);
        for (int bytes : new int[] {300, 4 * 1024, 64 * 1024, 1024 * 1024}) {
            byte[] value = new byte[bytes];
            random.nextBytes(value);
            int rounds = Math.max(50, 2_000_000 / bytes);
            byte[] signature = manager.sign(topic, "job-1", value);
            int refused = 0;
            for (int i = 0; i < rounds; i++) { // warm-up
                refused += manager.check(topic, "job-1", value, role, manager.sign(topic, "job-1", value), null)
                        .isPresent()
                        ? 1 : 0;
            }
            long started = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                signature = manager.sign(topic, "job-1", value);
            }
            double signing = (System.nanoTime() - started) / 1e3 / rounds;
            started = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                refused += manager.check(topic, "job-1", value, role, signature, null).isPresent() ? 1 : 0;
            }
            double checking = (System.nanoTime() - started) / 1e3 / rounds;
            assertThat(refused).isZero();
            System.out.printf("a record of %,d bytes: its role's Ed25519 signature made in %.1f µs, checked in %.1f µs,"
                    + " one thread%n", bytes, signing, checking);
        }
    }

    @Test
    void printsTheTimeToCheckARecordSignedByACertifiedNode() {
        Map<NodeRole, List<String>> keys = RecordRoles.generate();
        NodeCertificate.Issued issued = NodeCertificate.issue(NodeRole.MANAGER, "manager-dc1-1", "dc1",
                keys.get(NodeRole.MANAGER).get(0));
        RecordRoles manager = RecordRoles.ofNode(RecordRoles.publicEntries(keys), issued.certificate(),
                issued.privateKey());
        RecordRoles reader = RecordRoles.of(RecordRoles.publicEntries(keys), Optional.empty(), Optional.empty());
        byte[] role = "manager".getBytes(StandardCharsets.UTF_8);
        byte[] certificate = issued.certificate().getBytes(StandardCharsets.UTF_8);
        String topic = Topics.dispatch("dc1");
        SplittableRandom random = new SplittableRandom(1);
        for (int bytes : new int[] {300, 4 * 1024, 64 * 1024, 1024 * 1024}) {
            // A record as nodes write it, its payload's text as long as asked: the sender is read from it.
            char[] text = new char[bytes];
            for (int i = 0; i < bytes; i++) {
                text[i] = (char) ('a' + random.nextInt(26));
            }
            byte[] value = io.stampede.model.wire.RecordCodec.encode(io.stampede.model.wire.Envelope.of(
                    io.stampede.model.wire.Subject.job(io.stampede.model.JobId.of("job-1")), "manager-dc1-1", 3, 1, 1L,
                    new io.stampede.model.wire.Payload.WorkflowCancelRequested(new String(text), "worker-dc1-1", 0)));
            int rounds = Math.max(50, 2_000_000 / bytes);
            byte[] signature = manager.sign(topic, "job-1", value);
            int refused = 0;
            for (int i = 0; i < rounds; i++) { // warm-up
                refused += reader.check(topic, "job-1", value, role, signature, certificate).isPresent() ? 1 : 0;
            }
            long started = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                refused += reader.check(topic, "job-1", value, role, signature, certificate).isPresent() ? 1 : 0;
            }
            double checking = (System.nanoTime() - started) / 1e3 / rounds;
            started = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                refused += io.stampede.model.wire.RecordCodec.sender(value).isPresent() ? 0 : 1;
            }
            double sender = (System.nanoTime() - started) / 1e3 / rounds;
            assertThat(refused).isZero();
            System.out.printf("a record of %,d bytes signed by a certified node: checked in %.1f µs (reading its sender"
                    + " %.1f µs of it), one thread%n", value.length, checking, sender);
        }
    }
}
