package io.stampede.cluster.leadership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stampede.cluster.net.HostPort;
import io.stampede.local.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raft leadership on real gRPC over loopback. */
class RaftLeadershipTest {

    /** Every leadership won, by anyone: Raft allows at most one leader per term. */
    private final Map<Long, String> leaders = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    /** Members told they no longer lead (or never did). */
    private final List<String> followed = new CopyOnWriteArrayList<>();
    private final List<RaftLeadership> started = new ArrayList<>();

    @TempDir
    Path storage;

    @AfterEach
    void closeAll() {
        started.forEach(RaftLeadership::close);
        assertThat(violations).as("two leaders in one term").isEmpty();
    }

    private RaftLeadership start(String id, HostPort address, boolean bootstrap, Map<String, HostPort> peers)
            throws IOException {
        Path directory = Files.createDirectories(storage.resolve(id));
        RaftLeadership member = RaftLeadership.start(RaftLeadership.Settings.of(id, address, "dc1", directory,
                bootstrap, peers), new RaftLeadership.Listener() {
                    @Override
                    public void leading(long term) {
                        String previous = leaders.putIfAbsent(term, id);
                        if (previous != null && !previous.equals(id)) {
                            violations.add("term " + term + ": " + previous + " and " + id);
                        }
                    }

                    @Override
                    public void following(Optional<String> leader, long term) {
                        followed.add(id);
                    }
                });
        started.add(member);
        return member;
    }

    private static HostPort free() {
        return new HostPort("127.0.0.1", FreePorts.tcp());
    }

    private List<RaftLeadership> threeMembers() throws IOException {
        Map<String, HostPort> all = new LinkedHashMap<>();
        for (String id : List.of("m1", "m2", "m3")) {
            all.put(id, free());
        }
        List<RaftLeadership> members = new ArrayList<>();
        for (Map.Entry<String, HostPort> entry : all.entrySet()) {
            Map<String, HostPort> others = new LinkedHashMap<>(all);
            others.remove(entry.getKey());
            members.add(start(entry.getKey(), entry.getValue(), true, others));
        }
        return members;
    }

    private static Optional<RaftLeadership> leaderOf(List<RaftLeadership> members) {
        return members.stream().filter(RaftLeadership::isLeader).findFirst();
    }

    @Test
    void aGroupOfOneLeadsByItself() throws IOException {
        RaftLeadership alone = start("solo", free(), true, Map.of());

        await().atMost(Duration.ofSeconds(10)).until(alone::isLeader);
        assertThat(alone.term()).isPositive();
        assertThat(leaders).containsValue("solo");
    }

    @Test
    void threeMembersElectOneLeaderAndANewOneWithAHigherTermWhenItStops() throws IOException {
        List<RaftLeadership> members = threeMembers();
        long began = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());
        double firstElection = (System.nanoTime() - began) / 1e9;
        RaftLeadership first = leaderOf(members).orElseThrow();
        long firstTerm = first.term();
        await().atMost(Duration.ofSeconds(5)).until(() -> members.stream()
                .allMatch(member -> member.leader().equals(Optional.of(first.id()))));

        long stopped = System.nanoTime();
        first.close();
        List<RaftLeadership> rest = members.stream().filter(member -> member != first).toList();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> leaderOf(rest).isPresent());
        double reElection = (System.nanoTime() - stopped) / 1e9;
        RaftLeadership second = leaderOf(rest).orElseThrow();

        assertThat(second.term()).as("the fence rises with the new leader").isGreaterThan(firstTerm);
        assertThat(rest.stream().filter(RaftLeadership::isLeader)).hasSize(1);
        System.out.printf("Raft leadership, 3 members on loopback: first leader after %.2f s; a new leader %.2f s"
                + " after the leader stopped (term %d -> %d)%n", firstElection, reElection, firstTerm, second.term());
    }

    @Test
    void aFounderStartingLateWithAnEmptyLogJoinsButOneWhoseLogWasWipedIsRefused() throws Exception {
        Map<String, HostPort> all = new LinkedHashMap<>();
        for (String id : List.of("w1", "w2", "w3")) {
            all.put(id, free());
        }
        List<RaftLeadership> early = new ArrayList<>();
        for (String id : List.of("w1", "w2")) {
            Map<String, HostPort> others = new LinkedHashMap<>(all);
            others.remove(id);
            early.add(start(id, all.get(id), true, others));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(early).isPresent());
        Map<String, HostPort> othersOfW3 = new LinkedHashMap<>(all);
        othersOfW3.remove("w3");

        RaftLeadership late = start("w3", all.get("w3"), true, othersOfW3);
        await().atMost(Duration.ofSeconds(10)).until(() -> late.leader().isPresent());
        early.get(0).submit(new byte[] {'c'}).get(10, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> RaftLeadership.wipedLog(RaftLeadership.Settings.of("w3",
                all.get("w3"), "dc1", storage.resolve("w3-elsewhere"), true, othersOfW3)).isPresent());
        late.close();
        started.remove(late);

        // Its storage intact, it comes back; wiped, it is refused, saying why.
        RaftLeadership back = start("w3", all.get("w3"), true, othersOfW3);
        back.close();
        started.remove(back);
        org.apache.ratis.util.FileUtils.deleteFully(storage.resolve("w3"));
        assertThatThrownBy(() -> start("w3", all.get("w3"), true, othersOfW3))
                .isInstanceOf(RaftLeadership.WipedLogException.class)
                .hasMessageContaining("Raft member w3 of dc1 has no log in " + storage.resolve("w3"))
                .hasMessageContaining("remembers it at log index")
                .hasMessageContaining("Restore the volume");
        assertThat(leaderOf(early)).as("the group carries on without it").isPresent();
    }

    @Test
    void aMemberStartedEmptyJoinsWhenTheLeaderAddsItAndCanBeRemovedAgain() throws IOException {
        RaftLeadership founder = start("founder", free(), true, Map.of());
        await().atMost(Duration.ofSeconds(10)).until(founder::isLeader);
        HostPort joinerAddress = free();
        RaftLeadership joiner = start("joiner", joinerAddress, false, Map.of());
        assertThat(joiner.isLeader()).as("an empty member never elects itself").isFalse();

        founder.addPeer("joiner", joinerAddress);

        assertThat(founder.members()).containsOnlyKeys("founder", "joiner");
        await().atMost(Duration.ofSeconds(10)).until(() -> joiner.leader().equals(Optional.of("founder")));
        assertThat(founder.isLeader()).isTrue();

        founder.removePeer("joiner");
        assertThat(founder.members()).containsOnlyKeys("founder");
    }

    @Test
    void aFollowerCannotChangeTheMembership() throws IOException {
        List<RaftLeadership> members = threeMembers();
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());
        RaftLeadership follower = members.stream().filter(member -> !member.isLeader()).findFirst().orElseThrow();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> follower.removePeer("m1"))
                .isInstanceOf(IOException.class).hasMessageContaining("does not lead");
    }

    @Test
    void aLeaderThatLosesItsMajorityStepsDownAndTellsItsListener() throws IOException {
        List<RaftLeadership> members = threeMembers();
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());
        RaftLeadership leader = leaderOf(members).orElseThrow();

        // Cut the leader off: both followers go away, so it can no longer reach a majority.
        followed.clear();
        members.stream().filter(member -> member != leader).forEach(RaftLeadership::close);
        long cut = System.nanoTime();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !leader.isLeader());
        await().atMost(Duration.ofSeconds(5)).until(() -> followed.contains(leader.id()));
        System.out.printf("Raft leadership: a leader cut off from its majority stepped down after %.2f s%n",
                (System.nanoTime() - cut) / 1e9);
    }

    @Test
    void commandsSubmittedThroughAnyMemberAreAppliedByEveryMemberInOneOrder() throws Exception {
        Map<String, HostPort> all = new LinkedHashMap<>();
        for (String id : List.of("r1", "r2", "r3")) {
            all.put(id, free());
        }
        Map<String, List<String>> applied = new ConcurrentHashMap<>();
        List<RaftLeadership> members = new ArrayList<>();
        for (Map.Entry<String, HostPort> entry : all.entrySet()) {
            Map<String, HostPort> others = new LinkedHashMap<>(all);
            others.remove(entry.getKey());
            List<String> log = new CopyOnWriteArrayList<>();
            applied.put(entry.getKey(), log);
            RaftLeadership member = RaftLeadership.start(RaftLeadership.Settings.of(entry.getKey(), entry.getValue(),
                    "replicated", Files.createDirectories(storage.resolve(entry.getKey())), true, others),
                    RaftLeadership.Listener.NONE, command -> {
                        log.add(new String(command, java.nio.charset.StandardCharsets.UTF_8));
                        return ("applied " + log.size()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    });
            started.add(member);
            members.add(member);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());

        for (int i = 0; i < 5; i++) {
            byte[] answer = members.get(i % 3).submit(("command " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(new String(answer, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("applied " + (i + 1));
        }

        List<String> expected = List.of("command 0", "command 1", "command 2", "command 3", "command 4");
        await().atMost(Duration.ofSeconds(10)).until(() -> applied.values().stream().allMatch(log -> log.equals(expected)));
    }

    /** A state that counts its commands and their bytes, and snapshots as "count,bytes". */
    static final class Counting implements RaftLeadership.Replicated {
        final java.util.concurrent.atomic.AtomicLong commands = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicInteger restored = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public byte[] apply(byte[] command) {
            commands.incrementAndGet();
            bytes.addAndGet(command.length);
            return new byte[0];
        }

        @Override
        public byte[] snapshot() {
            return (commands.get() + "," + bytes.get()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public void restore(byte[] snapshot) {
            String[] parts = new String(snapshot, java.nio.charset.StandardCharsets.UTF_8).split(",");
            commands.set(Long.parseLong(parts[0]));
            bytes.set(Long.parseLong(parts[1]));
            restored.incrementAndGet();
        }
    }

    private RaftLeadership replicating(String id, Map<String, HostPort> all, Counting state) throws IOException {
        Map<String, HostPort> others = new LinkedHashMap<>(all);
        others.remove(id);
        RaftLeadership member = RaftLeadership.start(RaftLeadership.Settings.of(id, all.get(id), "snapshots",
                Files.createDirectories(storage.resolve(id)), true, others), RaftLeadership.Listener.NONE, state);
        started.add(member);
        return member;
    }

    @Test
    void aCommandThatCannotCommitFailsInTimeAndTheNextOneCommitsOnceTheGroupIsBack() throws Exception {
        Map<String, HostPort> all = new LinkedHashMap<>();
        for (String id : List.of("f1", "f2", "f3")) {
            all.put(id, free());
        }
        List<RaftLeadership> members = new ArrayList<>();
        for (String id : all.keySet()) {
            members.add(replicating(id, all, new Counting()));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());
        RaftLeadership kept = members.get(0);
        for (RaftLeadership gone : members.subList(1, 3)) {
            gone.close();
            started.remove(gone);
        }

        // No majority: the command gives up after its retries instead of being retried for ever.
        long began = System.nanoTime();
        java.util.concurrent.CompletableFuture<byte[]> stuck = kept.submit(new byte[] {'a'});
        assertThatThrownBy(() -> stuck.get(60, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.ExecutionException.class);
        double gaveUp = (System.nanoTime() - began) / 1e9;

        // The group is back: the next command through the same member commits (a client whose
        // ordered stream was stuck would hold it behind the one that failed).
        Counting second = new Counting();
        Counting third = new Counting();
        replicating("f2", all, second);
        replicating("f3", all, third);
        kept.submit(new byte[] {'b'}).get(60, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.bytes.get() >= 1 && third.bytes.get() >= 1);
        System.out.printf("Raft: a command with no majority failed after %.1f s; the next one committed once the group"
                + " was back%n", gaveUp);
    }

    @Test
    void aLargeCommandIsReplicatedTheStateIsSnapshottedAndARestartedMemberStartsFromItsSnapshot() throws Exception {
        Map<String, HostPort> all = new LinkedHashMap<>();
        for (String id : List.of("s1", "s2", "s3")) {
            all.put(id, free());
        }
        Map<String, Counting> states = new LinkedHashMap<>();
        List<RaftLeadership> members = new ArrayList<>();
        for (String id : all.keySet()) {
            states.put(id, new Counting());
            members.add(replicating(id, all, states.get(id)));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> leaderOf(members).isPresent());

        // A whole job of 4 MiB, JSON-escaped at worst: 9 MB in one entry.
        byte[] large = new byte[9_000_000];
        java.util.Arrays.fill(large, (byte) 'x');
        members.get(0).submit(large).get(30, java.util.concurrent.TimeUnit.SECONDS);
        long total = RaftLeadership.SNAPSHOT_EVERY_ENTRIES + 100;
        List<java.util.concurrent.CompletableFuture<byte[]>> submitted = new ArrayList<>();
        for (long i = 1; i < total; i++) {
            submitted.add(members.get((int) (i % 3)).submit(new byte[] {'c'}));
        }
        java.util.concurrent.CompletableFuture.allOf(submitted.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(60, java.util.concurrent.TimeUnit.SECONDS);
        long bytes = large.length + total - 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> states.values().stream()
                .allMatch(state -> state.commands.get() == total && state.bytes.get() == bytes));

        // Every member has written a snapshot, and purged the log it covers.
        RaftLeadership restarted = members.stream().filter(member -> !member.isLeader()).findFirst().orElseThrow();
        String id = restarted.id();
        await().atMost(Duration.ofSeconds(10)).until(() -> snapshotFiles(id).size() > 0);
        restarted.close();
        started.remove(restarted);
        Counting fresh = new Counting();
        RaftLeadership back = replicating(id, all, fresh);

        await().atMost(Duration.ofSeconds(20)).until(() -> fresh.commands.get() == total && fresh.bytes.get() == bytes);
        assertThat(fresh.restored.get()).as("started from its snapshot, not from an empty state").isEqualTo(1);
        RaftLeadership leader = leaderOf(started).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> back.applied() == leader.applied());
        assertThat(back.applied()).as("every command, and the entries Raft adds of its own").isGreaterThan(total);
        System.out.printf("Raft snapshots: %d commands (one of %d bytes) applied; a restarted member restored %s"
                + " and replayed the rest%n", total, large.length, snapshotFiles(id));
    }

    @Test
    void theLeaderRetriesAFollowerWithinAFractionOfASecondHoweverOftenItFailed() throws IOException {
        RaftLeadership member = start("r1", free(), true, Map.of());
        String configured = org.apache.ratis.server.RaftServerConfigKeys.Log.Appender.retryPolicy(member.properties());
        assertThat(configured).isEqualTo(RaftLeadership.APPENDER_RETRY_POLICY);

        org.apache.ratis.retry.RetryPolicy policy = org.apache.ratis.retry.MultipleLinearRandomRetry
                .parseCommaSeparated(configured);
        for (int failures : new int[] {1, 10}) {
            assertThat(waitMillis(policy, failures)).as("after %d failures in a row", failures).isBetween(0L, 2L);
        }
        // Ratis's own policy waits 1 s from the 11th failure and 5 s from the 31st; past its last
        // attempt it adds no wait at all.
        for (int failures : new int[] {11, 30, 31, 1_000, 1_000_011, Integer.MAX_VALUE}) {
            assertThat(waitMillis(policy, failures)).as("after %d failures in a row", failures).isBetween(50L, 150L);
        }
    }

    private static long waitMillis(org.apache.ratis.retry.RetryPolicy policy, int failures) {
        org.apache.ratis.retry.RetryPolicy.Action action = policy.handleAttemptFailure(() -> failures);
        assertThat(action.shouldRetry()).as("a retry after %d failures", failures).isTrue();
        return action.getSleepTime().toLong(java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private List<Path> snapshotFiles(String id) throws IOException {
        try (var files = Files.walk(storage.resolve(id))) {
            return files.filter(file -> file.getFileName().toString().startsWith("snapshot.")
                    && !file.getFileName().toString().endsWith(".md5")).toList();
        }
    }
}
