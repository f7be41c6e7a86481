package io.stampede.gate.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.stampede.cluster.jobs.JobLedger;
import io.stampede.gate.ownership.Ownership;
import io.stampede.gate.routing.Router;
import io.stampede.model.JobId;
import io.stampede.model.Topics;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.JobStatus;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.Threshold;
import io.stampede.model.load.Backpressure;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.Thresholds;
import io.stampede.model.job.Problem;
import io.stampede.model.security.KeyLimits;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Envelope;
import io.stampede.model.wire.Payload;
import io.stampede.model.wire.ReplayFilter;
import io.stampede.model.wire.Subject;

/**
 * The gate's decisions without Quarkus, Kafka or Raft: records and {@code now} in, commands out.
 * {@link GateScenario} drives a core as the adapter would.
 */
class GateJobsTest {

    static final String JOB = """
            name: shop
            timeout: 30s
            workflows:
              - name: browse
                vus: 4
                duration: 10s
                steps: [{name: get, request: {url: "http://h/"}}]
            """;

    @Test
    void aJobIsRoutedSplitByFreeCoresAndPublishedToEachDatacenterOnceRegistered() {
        GateScenario gate = new GateScenario("gate-1");
        assertThat(gate.core.prepare(JOB, Optional.empty(), List.of("gate-1"), 0, new SplittableRandom(1)))
                .as("no datacenter has reported").isInstanceOf(GateJobs.Answer.class);
        gate.datacenter("dc1", 3, 1);
        gate.datacenter("dc2", 1, 1);

        List<GateJobs.Command> out = new ArrayList<>();
        JobId id = gate.submit(JOB, Optional.empty(), out);

        assertThat(out).hasSize(2).allSatisfy(command -> assertThat(command).isInstanceOf(GateJobs.Publish.class));
        GateJobs.Publish toDc1 = (GateJobs.Publish) out.get(0);
        assertThat(toDc1.topic()).contains(Topics.jobs("dc1"));
        Payload.JobSubmitted submitted = (Payload.JobSubmitted) toDc1.payload();
        assertThat(submitted.shares().get("browse").vus()).isEqualTo(3);
        assertThat(submitted.deadlineEpochMillis()).isEqualTo(GateScenario.NOW + 30_000);
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.SUBMITTED);
    }

    @Test
    void aJobNeedingMoreDatacentersThanCanRunItIsUnroutable() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);

        GateJobs.Prepared prepared = gate.core.prepare(JOB + "minDatacenters: 2\n", Optional.empty(),
                List.of("gate-1"), GateScenario.NOW, new SplittableRandom(1));

        assertThat(prepared).isEqualTo(new GateJobs.Answer(new GateJobs.Unroutable(
                "the job needs at least 2 datacenters (minDatacenters); 1 can run it now")));
    }

    @Test
    void aJobThatCouldNotBeSentToADatacenterFailsSayingWhyAndTheOthersAreStopped() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());

        List<GateJobs.Command> out = gate.core.publishFailed(id, "dc2", "TimeoutException: Topic not present",
                GateScenario.NOW + 60_000);

        assertThat(out).contains(new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), id, 1, new Payload.JobCancelRequested(
                "the job could not be sent to datacenter dc2: TimeoutException: Topic not present")));
        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.datacenterStatus()).containsEntry("dc2", DatacenterJobStatus.FAILED);
        assertThat(job.errors().get("dc2/")).contains("could not be sent to datacenter dc2");
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.CANCELLED)),
                GateScenario.NOW + 61_000);
        assertThat(job.status()).as("never left SUBMITTED").isEqualTo(JobStatus.FAILED);
        assertThat(gate.core.publishFailed(id, "dc1", "late", GateScenario.NOW + 62_000)).as("once ended, nothing")
                .isEmpty();
    }

    @Test
    void anInvalidJobIsAnsweredWithItsProblems() {
        GateScenario gate = new GateScenario("gate-1");
        GateJobs.Prepared prepared = gate.core.prepare("name: x\nworkflows: []", Optional.empty(), List.of("gate-1"), 0,
                new SplittableRandom(1));
        assertThat(((GateJobs.Answer) prepared).submission()).isInstanceOf(GateJobs.Invalid.class);
    }

    @Test
    void aJobOverTheCallersKeyLimitsIsRefusedAndOneWithoutATimeoutIsGivenTheKeysDuration() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        KeyLimits limits = KeyLimits.parse("vus=3;duration=1m");
        GateJobs.Prepared over = gate.core.prepare(GateJobs.read(JOB, spec -> List.of(), limits), Optional.empty(),
                List.of("gate-1"), 0, new SplittableRandom(1));
        assertThat(((GateJobs.Answer) over).submission()).isEqualTo(new GateJobs.OverLimits(List.of(new Problem(
                "workflows", "4 virtual users at once (closed workflows' vus and open workflows' maxVus, added up) is"
                        + " over this caller's limit of 3"))));

        String untimed = JOB.replace("timeout: 30s\n", "").replace("vus: 4", "vus: 3");
        GateJobs.Register register = (GateJobs.Register) gate.core.prepare(GateJobs.read(untimed, spec -> List.of(),
                limits), Optional.empty(), List.of("gate-1"), 1_000, new SplittableRandom(1));
        assertThat(register.entry().deadlineEpochMillis()).isEqualTo(1_000 + 60_000);
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersWithTheRegisteredJobOrAConflict() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId first = gate.submit(JOB, Optional.of("key-1"), new ArrayList<>());
        GateJobs.Prepared again = gate.core.prepare(JOB, Optional.of("key-1"), List.of("gate-1"), 0,
                new SplittableRandom(2));
        assertThat(((GateJobs.Answer) again).submission()).isEqualTo(new GateJobs.Accepted(first));
        GateJobs.Prepared changed = gate.core.prepare(JOB + "\n# changed", Optional.of("key-1"), List.of("gate-1"), 0,
                new SplittableRandom(2));
        assertThat(((GateJobs.Answer) changed).submission()).isEqualTo(new GateJobs.Conflict(first));
    }

    @Test
    void theOwnerPublishesTheResultOnceEveryDatacenterHasFinished() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());

        assertThat(gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), GateScenario.NOW)).as("its owner measures it")
                .isEqualTo(new GateJobs.Changed(id, List.of(new GateJobs.Measure(id, "dc1", progress("dc1").windows()))));
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)),
                GateScenario.NOW)).isEqualTo(new GateJobs.Changed(id, List.of()));

        GateJobs.Applied last = gate.core.onEvent(gate.report(id, "dc2", 1,
                finished("dc2", DatacenterJobStatus.COMPLETED)), GateScenario.NOW);

        List<GateJobs.Command> commands = ((GateJobs.Changed) last).commands();
        assertThat(commands).hasSize(3);
        assertThat(((GateJobs.Publish) commands.get(0)).payload()).isInstanceOfSatisfying(Payload.JobFinished.class,
                result -> assertThat(result.status()).isEqualTo(JobStatus.COMPLETED));
        assertThat(commands.get(1)).isEqualTo(new GateJobs.Replicate(new Ownership.Finished(id)));
        assertThat(commands.get(2)).as("its gauges go").isEqualTo(new GateJobs.StopMeasuring(id, false));
    }

    @Test
    void aGateThatDoesNotOwnTheJobFollowsItButPublishesNothing() {
        GateScenario gate = new GateScenario("gate-2").datacenter("dc1", 2, 1);
        Ownership.Entry theirs = GateScenario.entry(JobId.of("job-theirs"), "gate-1", List.of("dc1"));
        gate.core.follow(theirs, false, GateScenario.NOW, new ArrayList<>());

        assertThat(gate.core.onEvent(gate.report(theirs.id(), "dc1", 1, progress("dc1")), GateScenario.NOW))
                .as("nor measures it: its owner does").isEqualTo(new GateJobs.Changed(theirs.id(), List.of()));
        GateJobs.Applied applied = gate.core.onEvent(gate.report(theirs.id(), "dc1", 1,
                finished("dc1", DatacenterJobStatus.FAILED)), GateScenario.NOW);

        assertThat(applied).isEqualTo(new GateJobs.Changed(theirs.id(), List.of()));
        assertThat(gate.core.job(theirs.id()).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-2"), false, Set.of())).as("no timeout either")
                .isEmpty();
    }

    @Test
    void aDeposedLeadersReportsAndStatusesAreDropped() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 5);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 5, progress("dc1")), GateScenario.NOW);

        assertThat(gate.core.onEvent(gate.report(id, "dc1", 4, finished("dc1", DatacenterJobStatus.FAILED)),
                GateScenario.NOW)).isEqualTo(new GateJobs.Dropped(ReplayFilter.Verdict.STALE_FENCE));
        assertThat(gate.core.onEvent(gate.status("dc1", 4, 7, 7), GateScenario.NOW))
                .as("datacenter.status is fenced too").isEqualTo(new GateJobs.Dropped(ReplayFilter.Verdict.STALE_FENCE));
        assertThat(gate.core.datacenters(GateScenario.NOW).get(0).workers()).isEqualTo(1);
    }

    @Test
    void theOwnerStopsAJobAtItsTimeoutEverywhereOnce() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());

        assertThat(gate.core.tick(GateScenario.NOW + 29_999, List.of("gate-1"), false, Set.of())).isEmpty();
        List<GateJobs.Command> atDeadline = gate.core.tick(GateScenario.NOW + 30_000, List.of("gate-1"), false, Set.of());

        assertThat(atDeadline).extracting(command -> ((GateJobs.Publish) command).topic().orElseThrow())
                .containsExactly(Topics.jobs("dc1"), Topics.jobs("dc2"));
        assertThat(gate.core.tick(GateScenario.NOW + 31_000, List.of("gate-1"), false, Set.of())).isEmpty();
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.TIMED_OUT)), GateScenario.NOW);
        gate.core.onEvent(gate.report(id, "dc2", 1, finished("dc2", DatacenterJobStatus.COMPLETED)), GateScenario.NOW);
        assertThat(gate.core.job(id).orElseThrow().status()).as("the stop the gate asked for wins")
                .isEqualTo(JobStatus.TIMED_OUT);
    }

    @Test
    void theLeaderMovesTheJobsOfGoneGates() {
        GateScenario gate = new GateScenario("gate-1");
        assertThat(gate.core.tick(0, List.of("gate-1", "gate-3"), true, Set.of("gate-1", "gate-2")))
                .containsExactly(new GateJobs.Replicate(new Ownership.Reassign("gate-2", List.of("gate-1", "gate-3"))));
        assertThat(gate.core.tick(0, List.of("gate-1", "gate-3"), false, Set.of("gate-2"))).as("followers do not")
                .isEmpty();
    }

    @Test
    void aNewOwnerResendsAResultItsPredecessorMayNotHaveSent() {
        GateScenario gate = new GateScenario("gate-2").datacenter("dc1", 2, 1);
        Ownership.Entry entry = GateScenario.entry(JobId.of("job-moved"), "gate-1", List.of("dc1"));
        gate.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        gate.core.onEvent(gate.report(entry.id(), "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)),
                GateScenario.NOW);

        List<GateJobs.Command> out = new ArrayList<>();
        gate.core.follow(new Ownership.Entry(entry.id(), entry.name(), entry.submittedAtMillis(), 0,
                entry.datacenters(), entry.workflows(), "", "", "gate-2", 2, false, "", Map.of(), 0), false, GateScenario.NOW, out);

        assertThat(out).filteredOn(command -> !(((GateJobs.Publish) command).payload() instanceof Payload.OwnershipStated))
                .singleElement().isInstanceOfSatisfying(GateJobs.Publish.class, publish -> {
                    assertThat(publish.fence()).isEqualTo(2);
                    assertThat(publish.payload()).isInstanceOf(Payload.JobFinished.class);
                });
    }

    @Test
    void theOwnerPublishesARunningJobOnceAndANewOwnerOrARestartedOnePublishesItAgain() {
        GateScenario registrar = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        GateJobs.Register register = (GateJobs.Register) registrar.core.prepare(JOB, Optional.empty(),
                List.of("gate-2"), GateScenario.NOW, new SplittableRandom(3));
        Ownership.Entry entry = register.entry();
        assertThat(entry.owner()).isEqualTo("gate-2");
        List<GateJobs.Command> byRegistrar = new ArrayList<>();
        registrar.core.registered(entry, entry, GateScenario.NOW, byRegistrar);
        assertThat(byRegistrar).as("the registering gate does not own it: its owner publishes it").isEmpty();

        GateScenario owner = new GateScenario("gate-2");
        List<GateJobs.Command> byOwner = new ArrayList<>();
        owner.core.follow(entry, false, GateScenario.NOW, byOwner);
        owner.core.follow(entry, false, GateScenario.NOW, byOwner);
        assertThat(byOwner).as("once").containsExactly(new GateJobs.Publish(Optional.of(Topics.jobs("dc1")),
                entry.id(), 1, new Payload.JobSubmitted("dc1", JOB, entry.shares().get("dc1"),
                        entry.deadlineEpochMillis(), List.of("dc1"), GateScenario.GATES)));

        // gate-2 died, perhaps before its record went out: gate-3 takes the job over and publishes it again.
        GateScenario successor = new GateScenario("gate-3");
        successor.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        assertThat(statements(successor.core.tick(GateScenario.NOW, List.of("gate-3"), false, Set.of("gate-2"))))
                .as("it sees gate-2 down; nothing has moved yet").isEmpty();
        List<GateJobs.Command> bySuccessor = new ArrayList<>();
        Ownership table = new Ownership();
        table.apply(new Ownership.Register(entry));
        Ownership.Entry moved = table.apply(new Ownership.Reassign("gate-2", List.of("gate-3"))).get(0);
        successor.core.follow(moved, false, GateScenario.NOW, bySuccessor);
        // It states the job's new generation before it writes under it, as every other gate does.
        assertThat(bySuccessor).containsExactly(
                new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), entry.id(), 0,
                        new Payload.OwnershipStated(2, GateScenario.GATES)),
                new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), entry.id(), 2, new Payload.JobSubmitted("dc1",
                        JOB, entry.shares().get("dc1"), entry.deadlineEpochMillis(), List.of("dc1"), GateScenario.GATES)));
        GateScenario another = new GateScenario("gate-1");
        another.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        List<GateJobs.Command> byAnother = new ArrayList<>();
        another.core.follow(moved, false, GateScenario.NOW, byAnother);
        assertThat(byAnother).as("a gate that still sees gate-2 up states nothing yet").isEmpty();
        assertThat(statements(another.core.tick(GateScenario.NOW + 1_000, List.of("gate-1", "gate-2", "gate-3"), false,
                Set.of("gate-3")))).isEmpty();
        assertThat(statements(another.core.tick(GateScenario.NOW + 2_000, List.of("gate-1", "gate-3"), false,
                Set.of("gate-3")))).as("a gate that does not own it states it too, once it sees gate-2 down")
                .containsExactly(new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), entry.id(), 0,
                        new Payload.OwnershipStated(2, GateScenario.GATES)));
        assertThat(statements(another.core.tick(GateScenario.NOW + 3_000, List.of("gate-1", "gate-3"), false,
                Set.of("gate-3")))).as("once").isEmpty();

        // A finished job is never published again, and its entry no longer holds it.
        Ownership.Entry done = table.apply(new Ownership.Finished(entry.id())).get(0);
        assertThat(done.spec()).isEmpty();
        assertThat(done.shares()).isEmpty();
        List<GateJobs.Command> afterRestart = new ArrayList<>();
        new GateScenario("gate-2").core.follow(done, true, GateScenario.NOW, afterRestart);
        assertThat(afterRestart).noneMatch(command -> command instanceof GateJobs.Publish publish
                && publish.payload() instanceof Payload.JobSubmitted);
    }

    @Test
    void aGateStatesNoMoveOfAJobFromAGateItSeesUpNorOneItOnlyHeardOfAfterStarting() {
        GateScenario registrar = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        Ownership.Entry entry = ((GateJobs.Register) registrar.core.prepare(JOB, Optional.empty(), List.of("gate-2"),
                GateScenario.NOW, new SplittableRandom(3))).entry();
        Ownership table = new Ownership();
        table.apply(new Ownership.Register(entry));
        // gate-9, a member of the gates' group taken over, moves live gate-2's jobs to itself.
        Ownership.Entry taken = table.apply(new Ownership.Reassign("gate-2", List.of("gate-9"))).get(0);
        assertThat(taken.owner()).isEqualTo("gate-9");

        GateScenario honest = new GateScenario("gate-3");
        honest.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        List<GateJobs.Command> out = new ArrayList<>();
        honest.core.follow(taken, false, GateScenario.NOW, out);
        for (int second = 1; second <= 60; second++) {
            out.addAll(honest.core.tick(GateScenario.NOW + second * 1_000L, List.of("gate-3", "gate-2", "gate-9"), false,
                    Set.of("gate-9")));
        }
        assertThat(statements(out)).as("gate-2 is up all along").isEmpty();

        // A gate that saw gate-2 down a moment ago states a move from it, even when gate-2 is back by then.
        GateScenario recent = new GateScenario("gate-4");
        recent.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        recent.core.tick(GateScenario.NOW, List.of("gate-4", "gate-9"), false, Set.of("gate-2"));
        List<GateJobs.Command> stated = new ArrayList<>();
        recent.core.follow(taken, false, GateScenario.NOW + GateJobs.SEEN_DOWN_MILLIS, stated);
        assertThat(statements(stated)).hasSize(1);
        GateScenario late = new GateScenario("gate-5");
        late.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        late.core.tick(GateScenario.NOW, List.of("gate-5", "gate-9"), false, Set.of("gate-2"));
        List<GateJobs.Command> notStated = new ArrayList<>();
        late.core.follow(taken, false, GateScenario.NOW + GateJobs.SEEN_DOWN_MILLIS + 1_000, notStated);
        notStated.addAll(late.core.tick(GateScenario.NOW + GateJobs.SEEN_DOWN_MILLIS + 2_000,
                List.of("gate-5", "gate-2", "gate-9"), false, Set.of("gate-9")));
        assertThat(statements(notStated)).as("down too long ago, and up now").isEmpty();

        // Nor through a made-up gate: gate-9 moves live gate-2's job to "ghost", then on from "ghost",
        // which no gate sees up (the leader of the gates would move it on from there itself).
        Ownership ghosted = new Ownership();
        ghosted.apply(new Ownership.Register(entry));
        Ownership.Entry toGhost = ghosted.apply(new Ownership.Reassign("gate-2", List.of("ghost"))).get(0);
        Ownership.Entry fromGhost = ghosted.apply(new Ownership.Reassign("ghost", List.of("gate-9"))).get(0);
        assertThat(fromGhost.fence()).isEqualTo(3);
        GateScenario watching = new GateScenario("gate-7");
        watching.core.follow(entry, false, GateScenario.NOW, new ArrayList<>());
        List<GateJobs.Command> throughGhost = new ArrayList<>();
        watching.core.follow(toGhost, false, GateScenario.NOW, throughGhost);
        throughGhost.addAll(watching.core.tick(GateScenario.NOW + 1_000, List.of("gate-7", "gate-2", "gate-9"), false,
                Set.of("ghost")));
        watching.core.follow(fromGhost, false, GateScenario.NOW + 1_500, throughGhost);
        for (int second = 2; second <= 60; second++) {
            throughGhost.addAll(watching.core.tick(GateScenario.NOW + second * 1_000L,
                    List.of("gate-7", "gate-2", "gate-9"), false, Set.of("gate-9")));
        }
        assertThat(statements(throughGhost)).as("the job left gate-2, which is up").isEmpty();
        watching.core.tick(GateScenario.NOW + 61_000, List.of("gate-7", "gate-9"), false, Set.of("gate-9"))
                .forEach(throughGhost::add);
        assertThat(statements(throughGhost)).as("once gate-2 is down, the job's latest generation")
                .containsExactly(new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), entry.id(), 0,
                        new Payload.OwnershipStated(3, GateScenario.GATES)));

        // A gate that first hears of the job after it moved (it started since) cannot tell where from: it states nothing.
        GateScenario restarted = new GateScenario("gate-6");
        List<GateJobs.Command> afterStart = new ArrayList<>();
        restarted.core.follow(taken, true, GateScenario.NOW, afterStart);
        afterStart.addAll(restarted.core.tick(GateScenario.NOW + 1_000, List.of("gate-6", "gate-9"), false,
                Set.of("gate-9")));
        assertThat(statements(afterStart)).isEmpty();
    }

    private static List<GateJobs.Command> statements(List<GateJobs.Command> commands) {
        return commands.stream().filter(command -> command instanceof GateJobs.Publish publish
                && publish.payload() instanceof Payload.OwnershipStated).toList();
    }

    @Test
    void anEndedJobIsForgottenWithItsIdempotencyKeyAfterItsRetention() {
        List<JobId> forgotten = new ArrayList<>();
        GateScenario gate = new GateScenario("gate-1", forgotten::add).datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB, Optional.of("key-9"), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)), GateScenario.NOW);
        assertThat(gate.core.retained()).isEqualTo(1);

        gate.core.tick(GateScenario.NOW + GateScenario.LIMITS.retention().toMillis(), List.of("gate-1"), false, Set.of());

        assertThat(gate.core.job(id)).isEmpty();
        assertThat(forgotten).containsExactly(id);
        assertThat(gate.core.idempotencyKeys()).isZero();
        assertThat(gate.core.tombstones()).isEqualTo(1);
        assertThat(gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), GateScenario.NOW))
                .isEqualTo(new GateJobs.Dropped(ReplayFilter.Verdict.ENDED_JOB));
        assertThat(gate.core.follow(GateScenario.entry(id, "gate-1", List.of("dc1")), true, GateScenario.NOW,
                new ArrayList<>()))
                .as("a tombstoned job is not followed again").isEmpty();
    }

    @Test
    void aRestartedGateReplayingTheTableEndsTheJobsItHoldsFinishedAndForgetsThem() {
        List<JobId> forgotten = new ArrayList<>();
        GateScenario gate = new GateScenario("gate-1", forgotten::add);
        Ownership.Entry registered = GateScenario.entry(JobId.of("job-old"), "gate-1", List.of("dc1"));
        Ownership.Entry finished = new Ownership.Entry(registered.id(), registered.name(), 0, 1,
                registered.datacenters(), registered.workflows(), "key-old", "", "gate-1", 1, true, "", Map.of(), 0);

        gate.core.follow(registered, false, GateScenario.NOW, new ArrayList<>());
        gate.core.follow(finished, false, GateScenario.NOW, new ArrayList<>());

        assertThat(gate.core.tick(GateScenario.NOW + 1, List.of("gate-1"), false, Set.of()))
                .as("no timeout for a job that has ended").isEmpty();
        gate.core.tick(GateScenario.NOW + GateScenario.LIMITS.retention().toMillis(), List.of("gate-1"), false,
                Set.of());
        assertThat(gate.core.retained()).isZero();
        assertThat(forgotten).containsExactly(registered.id());
        assertThat(gate.core.follow(finished, false, GateScenario.NOW, new ArrayList<>()))
                .as("a finished job not followed here is not followed again").isEmpty();
    }

    @Test
    void aRegistrationThisGateCannotFollowIsClosedInTheTable() {
        GateScenario gate = new GateScenario("gate-1", id -> { }, new JobLedger.Limits(Duration.ofSeconds(60), 0, 1,
                10, Duration.ofHours(1))).datacenter("dc1", 2, 1);
        // Room when prepared; full (another submission through this gate) when the table answers.
        GateJobs.Register second = (GateJobs.Register) gate.core.prepare(JOB, Optional.empty(), List.of("gate-1"),
                GateScenario.NOW, new SplittableRandom(99));
        gate.submit(JOB, Optional.empty(), new ArrayList<>());

        List<GateJobs.Command> out = new ArrayList<>();
        GateJobs.Submission answer = gate.core.registered(second.entry(), second.entry(), GateScenario.NOW, out);

        assertThat(answer).isInstanceOf(GateJobs.Unroutable.class);
        assertThat(out).containsExactly(new GateJobs.Replicate(new Ownership.Finished(second.entry().id())));
    }

    static final String DEPENDENT_JOB = """
            name: shop
            workflows:
              - name: login
                vus: 2
                iterations: 1
                exports: [token, region]
                steps: [{name: in, request: {url: "http://h/"}, extract: [{var: token, header: T}, {var: region, header: R}]}]
              - name: browse
                dependsOn: [login]
                vus: 2
                iterations: 1
                steps: [{name: get, request: {url: "http://h/{{token}}"}}]
            """;

    private static Payload.DatacenterProgress loginEnded(String dc, WorkflowState state, Map<String, String> exports,
            long completedAt) {
        return new Payload.DatacenterProgress(dc, Map.of("login", state, "browse", WorkflowState.PENDING), Map.of(),
                null, null, state == WorkflowState.COMPLETED ? Map.of("login", new Payload.Exported(exports, completedAt))
                        : Map.of());
    }

    private static List<Payload.WorkflowReleased> releases(GateJobs.Applied applied) {
        return ((GateJobs.Changed) applied).commands().stream().filter(GateJobs.Publish.class::isInstance)
                .map(command -> ((GateJobs.Publish) command).payload()).filter(Payload.WorkflowReleased.class::isInstance)
                .map(Payload.WorkflowReleased.class::cast).toList();
    }

    @Test
    void theOwnerReleasesADependentOnceItsDependencyEndedInEveryDatacenterWithTheLastWritersExports() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        List<GateJobs.Command> published = new ArrayList<>();
        JobId id = gate.submit(DEPENDENT_JOB, Optional.empty(), published);
        assertThat(published).filteredOn(GateJobs.Publish.class::isInstance)
                .extracting(command -> ((Payload.JobSubmitted) ((GateJobs.Publish) command).payload()).datacenters())
                .containsOnly(List.of("dc1", "dc2"));

        assertThat(releases(gate.core.onEvent(gate.report(id, "dc1", 1, loginEnded("dc1", WorkflowState.COMPLETED,
                Map.of("token", "dc1-late", "region", "eu"), 5_000)), GateScenario.NOW)))
                .as("login has not ended in dc2 yet").isEmpty();
        List<Payload.WorkflowReleased> released = releases(gate.core.onEvent(gate.report(id, "dc2", 1,
                loginEnded("dc2", WorkflowState.COMPLETED, Map.of("token", "dc2-early"), 4_000)), GateScenario.NOW));
        assertThat(released).as("one release per datacenter").hasSize(2).containsOnly(new Payload.WorkflowReleased(
                "browse", Map.of("token", "dc1-late", "region", "eu"), ""));
        assertThat(releases(gate.core.onEvent(gate.report(id, "dc2", 1, loginEnded("dc2", WorkflowState.COMPLETED,
                Map.of("token", "dc2-early"), 4_000)), GateScenario.NOW))).as("released once").isEmpty();
    }

    @Test
    void aDependencyThatCompletedNowhereReleasesItsDependentAsFailed() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(DEPENDENT_JOB, Optional.empty(), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, loginEnded("dc1", WorkflowState.FAILED, Map.of(), 0)),
                GateScenario.NOW);
        List<Payload.WorkflowReleased> released = releases(gate.core.onEvent(gate.report(id, "dc2", 1,
                loginEnded("dc2", WorkflowState.FAILED, Map.of(), 0)), GateScenario.NOW));
        assertThat(released).extracting(Payload.WorkflowReleased::failure)
                .containsOnly("login completed in no datacenter");
    }

    @Test
    void aLostDatacenterCountsAsEndedForTheDependenciesItRan() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(DEPENDENT_JOB.replace("name: shop\n", "name: shop\nminDatacenters: 1\n"),
                Optional.empty(), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, loginEnded("dc1", WorkflowState.COMPLETED, Map.of("token", "t"),
                1_000)), GateScenario.NOW + 59_000);
        List<GateJobs.Command> later = gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-1"), false, Set.of());
        assertThat(gate.core.job(id).orElseThrow().datacenterStatus()).containsEntry("dc2", DatacenterJobStatus.LOST);
        assertThat(later).filteredOn(command -> command instanceof GateJobs.Publish publish
                && publish.payload() instanceof Payload.WorkflowReleased)
                .extracting(command -> ((GateJobs.Publish) command).topic().orElseThrow())
                .as("released to dc1 only: dc2 was lost").containsExactly("stampede.dc.dc1.jobs");
    }

    static Payload.DatacenterProgress progress(String dc) {
        return new Payload.DatacenterProgress(dc, Map.of("browse", WorkflowState.RUNNING),
                Map.of("browse", List.of(new WorkflowWindow("browse", 0, 1_000, 1, 0, 0, List.of()))));
    }

    static Payload.DatacenterFinished finished(String dc, DatacenterJobStatus status) {
        return new Payload.DatacenterFinished(dc, status, Map.of("browse", WorkflowState.COMPLETED), Map.of(), Map.of());
    }

    /** A gate core with the adapter's glue: registration answered at once, as a Raft group of one would. */
    static final class GateScenario {
        static final long NOW = 1_700_000_000_000L;
        /** Longer than any other test here waits, so that only the silence tests give a datacenter up. */
        static final Duration SILENCE = Duration.ofSeconds(60);
        /** Longer than the silence: only the stuck test stops a job for want of progress. */
        static final Duration STUCK = Duration.ofSeconds(90);
        static final JobLedger.Limits LIMITS = new JobLedger.Limits(Duration.ofSeconds(60), 100, 100, 100,
                Duration.ofHours(1));

        /** The gates' group size each gate of these scenarios knows. */
        static final int GATES = 3;
        final GateJobs core;
        private long sequence;

        GateScenario(String self) {
            this(self, id -> { });
        }

        GateScenario(String self, java.util.function.Consumer<JobId> forgotten) {
            this(self, forgotten, LIMITS);
        }

        GateScenario(String self, java.util.function.Consumer<JobId> forgotten, JobLedger.Limits limits) {
            core = new GateJobs(self, new Router(), limits, SILENCE, STUCK, 0.1, forgotten, () -> GATES);
        }

        GateScenario datacenter(String name, int freeCores, long fence) {
            core.onEvent(status(name, fence, 1, freeCores), NOW);
            return this;
        }

        Envelope status(String dc, long fence, int workers, int freeCores) {
            return Envelope.of(new Subject.Datacenter(dc), "manager-" + dc, fence, ++sequence, NOW,
                    new Payload.DatacenterStatus(dc, "manager-" + dc, workers, 4, freeCores, 0));
        }

        Envelope report(JobId job, String dc, long fence, Payload payload) {
            return Envelope.of(Subject.job(job), "manager-" + dc, fence, ++sequence, NOW, payload);
        }

        JobId submit(String body, Optional<String> key, List<GateJobs.Command> out) {
            GateJobs.Register register = (GateJobs.Register) core.prepare(body, key, List.of("gate-1"), NOW,
                    new SplittableRandom(sequence));
            GateJobs.Submission submission = core.registered(register.entry(), register.entry(), NOW, out);
            return ((GateJobs.Accepted) submission).job();
        }

        static Ownership.Entry entry(JobId id, String owner, List<String> datacenters) {
            return new Ownership.Entry(id, "shop", NOW, 0, datacenters, List.of("browse"), "", "", owner, 1, false, "",
                    Map.of(), 0);
        }
    }

    @Test
    void aJobLargerThanAGateAcceptsOrThanARecordCarriesIsTooLargeBeforeAnythingElse() {
        assertThat(GateJobs.tooLarge("x".repeat(io.stampede.model.job.JobSpecParser.MAX_JOB_BYTES))).isEmpty();
        assertThat(GateJobs.tooLarge("x".repeat(io.stampede.model.job.JobSpecParser.MAX_JOB_BYTES + 1)))
                .get().extracting(GateJobs.TooLarge::reason).asString().contains("a gate accepts at most 4194304 bytes");
        // Control characters take 6 bytes each once escaped: 3.5 MiB of them would not fit a record.
        assertThat(GateJobs.tooLarge("\u0001".repeat(3_500_000))).get()
                .extracting(GateJobs.TooLarge::reason).asString().contains("as a record");
    }

    @Test
    void aDatacenterSilentForTheLimitIsLostAndTheJobEndsWithWhatItGathered() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(), new ArrayList<>());
        assertThat(gate.core.job(id).orElseThrow().datacenters()).containsExactly("dc1", "dc2");
        long later = GateScenario.NOW + 20_000;
        gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), later);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)), later);

        // dc2 never said a word: not yet at 59 s, given up at 60 s (while the gate hears dc1's manager).
        gate.core.onEvent(gate.status("dc1", 1, 1, 2), GateScenario.NOW + 59_000);
        assertThat(gate.core.tick(GateScenario.NOW + 59_999, List.of("gate-1"), false, Set.of())).noneMatch(
                command -> command instanceof GateJobs.Publish publish && publish.payload() instanceof Payload.JobFinished);
        List<GateJobs.Command> out = gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-1"), false, Set.of());

        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.datacenterStatus()).containsEntry("dc1", DatacenterJobStatus.COMPLETED)
                .containsEntry("dc2", DatacenterJobStatus.LOST);
        assertThat(job.errors().get("dc2")).contains("datacenter dc2 was lost", "60 s");
        assertThat(out).anyMatch(command -> command instanceof GateJobs.Publish publish
                && publish.payload() instanceof Payload.JobFinished finished && finished.status() == JobStatus.FAILED);
        assertThat(out).contains(new GateJobs.Replicate(new Ownership.Finished(id)));

        // A lost datacenter's late word is not merged.
        assertThat(gate.core.onEvent(gate.report(id, "dc2", 1, progress("dc2")), GateScenario.NOW + 61_000))
                .isNotInstanceOf(GateJobs.Changed.class);
    }

    @Test
    void whenADatacenterIsLostTheOthersAreStoppedAndTheJobFailsWithTheirFigures() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1).datacenter("dc2", 2, 1);
        JobId id = gate.submit(JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), GateScenario.NOW + 59_000);

        List<GateJobs.Command> out = gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-1"), false, Set.of());

        assertThat(out).anyMatch(command -> command instanceof GateJobs.Publish publish
                && publish.topic().equals(Optional.of(Topics.jobs("dc1")))
                && publish.payload().equals(new Payload.JobCancelRequested("a datacenter of the job was lost")));
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.CANCELLED)),
                GateScenario.NOW + 61_000);
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aGateThatHearsNothingAtAllJudgesNoDatacenterLost() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(), new ArrayList<>());

        // Its own consumer stalled: nothing at all for two minutes.
        gate.core.tick(GateScenario.NOW + 120_000, List.of("gate-1"), false, Set.of());

        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.SUBMITTED);
    }

    @Test
    void aDatacenterThatKeepsReportingIsNeverLost() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());
        for (long second = 1; second <= 120; second++) {
            gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), GateScenario.NOW + second * 1000);
            gate.core.tick(GateScenario.NOW + second * 1000, List.of("gate-1"), false, Set.of());
        }
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aJobWhoseDatacentersReportButMakeNoProgressIsStoppedAsStuckAndFailsWithWhatItHas() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(), new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), GateScenario.NOW + 1_000);
        // Then every second: the same states and no window, as a share waiting on a request that never returns.
        Payload.DatacenterProgress idle = new Payload.DatacenterProgress("dc1", Map.of("browse", WorkflowState.RUNNING),
                Map.of());
        List<GateJobs.Command> out = new ArrayList<>();
        for (long second = 2; second <= 91; second++) {
            gate.core.onEvent(gate.report(id, "dc1", 1, idle), GateScenario.NOW + second * 1000);
            out = gate.core.tick(GateScenario.NOW + second * 1000, List.of("gate-1"), false, Set.of());
            if (second < 91) {
                assertThat(out).as("at %d s", second).noneMatch(command -> command instanceof GateJobs.Publish publish
                        && publish.payload() instanceof Payload.JobCancelRequested);
            }
        }

        assertThat(out).containsOnlyOnce(new GateJobs.Publish(Optional.of(Topics.jobs("dc1")), id, 1,
                new Payload.JobCancelRequested("stuck: no progress for 90 s")));
        assertThat(gate.core.tick(GateScenario.NOW + 92_000, List.of("gate-1"), false, Set.of()))
                .as("once").noneMatch(command -> command instanceof GateJobs.Publish publish
                        && publish.payload() instanceof Payload.JobCancelRequested);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.CANCELLED)),
                GateScenario.NOW + 93_000);
        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errors().get("job")).contains("stuck", "90 s");
    }

    @Test
    void theJobsTimelineSaysWhatHappenedWhereAndWhenTheDatacentersIncidentsAtTheirManagersTime() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB.replace("timeout: 30s", "timeout: 10m"), Optional.empty(), new ArrayList<>());
        long now = GateScenario.NOW;
        gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1").withBackpressure(Backpressure.THROTTLE)), now + 1_000);
        Payload.Incident rerun = new Payload.Incident(now + 1_500, Payload.Incident.RE_RUN, "browse",
                "worker w2 was lost (it restarted); its share (2 virtual users) runs again on w1 for the 20 s it had left");
        Payload.DatacenterProgress withIncident = new Payload.DatacenterProgress("dc1",
                Map.of("browse", WorkflowState.RUNNING), Map.of(), Backpressure.THROTTLE, null, Map.of(), false,
                List.of(rerun));
        // The same leader again, then another manager under a higher term: a new leader.
        gate.core.onEvent(gate.report(id, "dc1", 1, withIncident), now + 2_000);
        gate.core.onEvent(Envelope.of(Subject.job(id), "manager-dc1-2", 2, 1, now, progress("dc1")), now + 3_000);
        gate.core.cancel(id, "cancelled by a user", new ArrayList<>());
        gate.core.tick(now + 4_000, List.of("gate-1"), false, Set.of());
        gate.core.onEvent(Envelope.of(Subject.job(id), "manager-dc1-2", 2, 2, now,
                finished("dc1", DatacenterJobStatus.CANCELLED)), now + 5_000);

        assertThat(gate.core.job(id).orElseThrow().events()).extracting(JobEvent::atMillis, JobEvent::kind,
                JobEvent::datacenter, JobEvent::detail).containsExactly(
                        tuple(now + 1_000, "status", "", "the job is RUNNING"),
                        tuple(now + 1_000, "datacenter", "dc1", "the job is RUNNING in dc1"),
                        tuple(now + 1_000, "backpressure", "dc1", "dc1's manager asks its workers for THROTTLE"),
                        tuple(now + 1_500, "re-run", "dc1", rerun.detail()),
                        tuple(now + 3_000, "leader", "dc1", "manager-dc1-2 leads dc1 for the job now (term 2), after"
                                + " manager-dc1 (term 1)"),
                        tuple(now + 3_000, "backpressure", "dc1", "dc1's manager asks its workers for NONE"),
                        tuple(now + 4_000, "stopping", "", "asked to stop: cancelled"),
                        tuple(now + 5_000, "status", "", "the job is CANCELLED"),
                        tuple(now + 5_000, "datacenter", "dc1", "the job is CANCELLED in dc1"));
    }

    private static List<JobArchive.Source> archives(List<GateJobs.Command> out) {
        return out.stream().filter(GateJobs.Archive.class::isInstance).map(command -> ((GateJobs.Archive) command).source())
                .toList();
    }

    @Test
    void theOwnerKeepsAJobsResultsOnceItsSeriesHasSettledOrBeforeAShorterRetentionReleasesIt() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB, Optional.empty(), new ArrayList<>());
        long now = GateScenario.NOW;
        gate.core.onEvent(gate.report(id, "dc1", 1, progress("dc1")), now + 1_000);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)), now + 2_000);

        assertThat(archives(gate.core.tick(now + 4_000, List.of("gate-1"), false, Set.of())))
                .as("not settled yet: a datacenter's last windows come after its totals").isEmpty();
        assertThat(archives(gate.core.tick(now + 5_000, List.of("gate-1"), false, Set.of()))).singleElement()
                .satisfies(source -> {
                    assertThat(source.status()).isEqualTo(JobStatus.COMPLETED);
                    assertThat(source.view().workflows()).isNotEmpty();
                    assertThat(source.seriesGap()).isEmpty();
                });
        assertThat(archives(gate.core.tick(now + 6_000, List.of("gate-1"), false, Set.of()))).as("once").isEmpty();

        // A retention shorter than the settling: kept before the job is released, saying so.
        GateScenario quick = new GateScenario("gate-1", forgotten -> { }, new JobLedger.Limits(Duration.ofSeconds(1),
                100, 100, 100, Duration.ofHours(1))).datacenter("dc1", 2, 1);
        JobId brief = quick.submit(JOB, Optional.empty(), new ArrayList<>());
        quick.core.onEvent(quick.report(brief, "dc1", 1, progress("dc1")), now + 1_000);
        quick.core.onEvent(quick.report(brief, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)), now + 2_000);

        assertThat(archives(quick.core.tick(now + 3_000, List.of("gate-1"), false, Set.of()))).singleElement()
                .extracting(JobArchive.Source::seriesGap).asString().contains("kept before the series settled");
        assertThat(quick.core.job(brief)).as("released in the same tick").isEmpty();
    }

    @Test
    void aGateHoldsAJobsResultsOnceItHasSeenItEndNotWhenOnlyTheTableSaysItEnded() {
        JobId id = JobId.of("job-0123456789ab");
        Ownership.Entry running = GateScenario.entry(id, "gate-1", List.of("dc1"));
        Ownership.Entry finished = new Ownership.Entry(id, "shop", GateScenario.NOW, 0, List.of("dc1"), List.of("browse"),
                "", "", "gate-1", 1, true, "", Map.of(), 0);
        // A restarted gate replays the table's log: the registration, then the end.
        GateScenario gate = new GateScenario("gate-2");
        gate.core.follow(running, false, GateScenario.NOW, new ArrayList<>());
        assertThat(gate.core.job(id).orElseThrow().holdsResults()).as("running").isTrue();
        gate.core.follow(finished, false, GateScenario.NOW + 1_000, new ArrayList<>());
        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.holdsResults()).as("only the table says it ended").isFalse();
        assertThat(job.seriesGap()).contains("has not seen the job end");

        // A gate that was only behind reads the datacenter's result: it holds the results again.
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.COMPLETED)),
                GateScenario.NOW + 2_000);
        assertThat(job.holdsResults()).isTrue();
        assertThat(job.seriesGap()).isEmpty();
    }

    @Test
    void aRestartedOwnerFollowingARunningJobWhoseResultsAreKeptEndsItInTheTableInsteadOfFailingItForSilence() {
        JobId id = JobId.of("job-0123456789ab");
        JobId other = JobId.of("job-ba9876543210");
        // The owner ended the job and kept its results, then restarted before the gates committed the end:
        // the table it replays still holds the job running.
        GateScenario gate = new GateScenario("gate-1");
        gate.core.follow(GateScenario.entry(id, "gate-1", List.of("dc1")), true, GateScenario.NOW, new ArrayList<>());
        gate.core.follow(GateScenario.entry(other, "gate-1", List.of("dc1")), true, GateScenario.NOW,
                new ArrayList<>());

        List<GateJobs.Command> out = new ArrayList<>();
        assertThat(gate.core.closeKept(id::equals, GateScenario.NOW + 1_000, out)).containsExactly(id);
        assertThat(out).contains(new GateJobs.Replicate(new Ownership.Finished(id)))
                .noneMatch(command -> command instanceof GateJobs.Publish);
        assertThat(gate.core.job(id).orElseThrow().holdsResults()).as("answered from the results topic").isFalse();
        List<GateJobs.Command> again = new ArrayList<>();
        assertThat(gate.core.closeKept(id::equals, GateScenario.NOW + 2_000, again)).as("once").isEmpty();
        assertThat(again).isEmpty();

        // The datacenter goes on reporting other things; the kept job is never judged silent, the other one is.
        gate.core.onEvent(gate.status("dc1", 1, 1, 2), GateScenario.NOW + 59_000);
        List<GateJobs.Command> later = gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-1"), false, Set.of());
        assertThat(gate.core.job(id).orElseThrow().status()).isEqualTo(JobStatus.SUBMITTED);
        assertThat(later).noneMatch(command -> command instanceof GateJobs.Publish publish && publish.job().equals(id));
        assertThat(gate.core.job(other).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aGateThatIsNotTheOwnerEndsAJobWhoseResultsAreKeptWithoutTouchingTheTable() {
        JobId id = JobId.of("job-0123456789ab");
        GateScenario gate = new GateScenario("gate-2");
        gate.core.follow(GateScenario.entry(id, "gate-1", List.of("dc1")), true, GateScenario.NOW, new ArrayList<>());

        List<GateJobs.Command> out = new ArrayList<>();
        assertThat(gate.core.closeKept(id::equals, GateScenario.NOW, out)).containsExactly(id);
        assertThat(out).isEmpty();
        assertThat(gate.core.job(id).orElseThrow().holdsResults()).isFalse();
    }

    @Test
    void aJobTheTableHoldsEndedIsNotJudgedSilentByAGateThatDidNotSeeItEnd() {
        JobId id = JobId.of("job-0123456789ab");
        Ownership.Entry finished = new Ownership.Entry(id, "shop", GateScenario.NOW, 0, List.of("dc1"),
                List.of("browse"), "", "", "gate-1", 1, true, "", Map.of(), 0);
        // A restarted owner replays the whole table, ended jobs too, while its datacenter runs others; it keeps
        // ended jobs longer than a datacenter's silence.
        GateScenario gate = new GateScenario("gate-1", released -> { },
                new JobLedger.Limits(Duration.ofMinutes(10), 100, 100, 100, Duration.ofHours(1)));
        gate.core.follow(finished, true, GateScenario.NOW, new ArrayList<>());
        gate.core.onEvent(gate.status("dc1", 1, 1, 2), GateScenario.NOW + 59_000);

        List<GateJobs.Command> out = gate.core.tick(GateScenario.NOW + 60_000, List.of("gate-1"), false, Set.of());

        assertThat(out).as("no failure published, no cancel sent").isEmpty();
        assertThat(gate.core.job(id).orElseThrow().holdsResults()).isFalse();
    }

    @Test
    void aTimelineKeepsAtMostItsLimitAndSaysHowManyMoreCame() {
        GlobalJob job = new GlobalJob(JobId.of("job-0123456789ab"), "busy", java.time.Instant.ofEpochMilli(0), 0,
                List.of("dc1"), 0, List.of("browse"), 0);
        for (int i = 0; i < GlobalJob.MAX_EVENTS + 7; i++) {
            job.heardFrom("dc1", "manager-" + i, i, i);
        }

        List<JobEvent> events = job.events();
        assertThat(events).hasSize(GlobalJob.MAX_EVENTS + 1);
        assertThat(events.get(events.size() - 1).detail()).startsWith("6 more events were left out");
    }

    /** A second of dc1's progress in which every request took {@code millis}. */
    private static Payload.DatacenterProgress slowSecond(long second, long millis) {
        org.HdrHistogram.Histogram latency = LatencyHistograms.create();
        latency.recordValueWithCount(millis * 1000, 10);
        long start = GateScenario.NOW + second * 1000;
        return new Payload.DatacenterProgress("dc1", Map.of("browse", WorkflowState.RUNNING), Map.of("browse", List.of(
                new WorkflowWindow("browse", start, start + 1000, 10, 0, 1, List.of(new StepWindow("get", 10, 10,
                        Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(latency)))))));
    }

    @Test
    void aThresholdWithAbortOnFailStopsTheJobOnceItsDelayHasPassedAndTheJobFailsSayingWhich() {
        GateScenario gate = new GateScenario("gate-1").datacenter("dc1", 2, 1);
        JobId id = gate.submit(JOB + "thresholds:\n  - {metric: p99, below: 500ms, abortOnFail: true, delay: 5s}\n"
                + "  - {metric: p50, below: 2s}\n", Optional.empty(), new ArrayList<>());
        List<GateJobs.Command> stops = new ArrayList<>();
        for (long second = 1; second <= 7; second++) {
            long now = GateScenario.NOW + second * 1000;
            gate.core.onEvent(gate.report(id, "dc1", 1, slowSecond(second, 900)), now);
            List<GateJobs.Command> out = gate.core.tick(now, List.of("gate-1"), false, Set.of());
            out.stream().filter(command -> command instanceof GateJobs.Publish publish
                    && publish.payload() instanceof Payload.JobCancelRequested).forEach(stops::add);
            if (second < 6) {
                assertThat(stops).as("at %d s: crossed, but within the delay from the first progress", second).isEmpty();
            }
        }

        assertThat(stops).as("once, at 6 s").hasSize(1);
        assertThat(((Payload.JobCancelRequested) ((GateJobs.Publish) stops.get(0)).payload()).reason())
                .contains("p99 below 500ms (job) was 900");
        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.verdicts()).extracting(Thresholds.Verdict::description, Thresholds.Verdict::status)
                .containsExactly(tuple("p99 below 500ms (job)", Thresholds.Status.FAILED),
                        tuple("p50 below 2000ms (job)", Thresholds.Status.PASSED),
                        tuple("errorRate below 100% (job)", Thresholds.Status.PASSED));
        assertThat(job.verdicts().get(2).origin()).isEqualTo(Threshold.Origin.DEFAULT);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.CANCELLED)),
                GateScenario.NOW + 8_000);
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errors().get("thresholds")).isEqualTo("aborted: p99 below 500ms (job) was 900.095ms");
    }

    @Test
    void aGateThatDoesNotOwnAJobJudgesItsThresholdsTooSoEveryGateSaysTheAbortedJobFailed() {
        GateScenario gate = new GateScenario("gate-2").datacenter("dc1", 2, 1);
        JobId id = JobId.of("job-theirs");
        gate.core.follow(new Ownership.Entry(id, "shop", GateScenario.NOW, 0, List.of("dc1"), List.of("browse"), "", "",
                "gate-1", 1, false, JOB + "thresholds: [{metric: p99, below: 500ms, abortOnFail: true}]\n", Map.of(), 0),
                false, GateScenario.NOW, new ArrayList<>());
        gate.core.onEvent(gate.report(id, "dc1", 1, slowSecond(1, 900)), GateScenario.NOW + 1_000);

        List<GateJobs.Command> out = gate.core.tick(GateScenario.NOW + 1_000, List.of("gate-1", "gate-2"), false, Set.of());

        assertThat(out).as("its owner stops it, not this gate").noneMatch(command -> command instanceof GateJobs.Publish);
        gate.core.onEvent(gate.report(id, "dc1", 1, finished("dc1", DatacenterJobStatus.CANCELLED)),
                GateScenario.NOW + 2_000);
        GlobalJob job = gate.core.job(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errors().get("thresholds")).startsWith("aborted: p99 below 500ms (job) was 900");
    }

    @Test
    void aJobWithoutThresholdsIsJudgedByTheGatesDefaultErrorRateAndOneBoundingItsErrorRateByItsOwn() {
        assertThat(GateJobs.judgedBy(List.of(), 0.1)).singleElement().satisfies(threshold -> {
            assertThat(threshold.describe()).isEqualTo("errorRate below 10% (job)");
            assertThat(threshold.origin()).isEqualTo(Threshold.Origin.DEFAULT);
        });
        List<Threshold> own = JobSpecParser.parse(JOB + "thresholds: [{metric: errorRate, below: 2%}]").thresholds();
        assertThat(GateJobs.judgedBy(own, 0.1)).isEqualTo(own);
        List<Threshold> latencyOnly = JobSpecParser.parse(JOB + "thresholds: [{metric: p99, below: 1s}]").thresholds();
        assertThat(GateJobs.judgedBy(latencyOnly, 0.1)).extracting(Threshold::describe)
                .containsExactly("p99 below 1000ms (job)", "errorRate below 100% (job)");
    }
}
