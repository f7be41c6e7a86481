package io.stampede.manager.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.job.JobSpec;
import io.stampede.model.load.Extensions;
import io.stampede.model.lifecycle.DatacenterJobStatus;
import io.stampede.model.lifecycle.ShareState;
import io.stampede.model.lifecycle.WorkflowState;
import io.stampede.model.job.JobSpecParser;
import io.stampede.model.job.LoadShare;
import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;
import io.stampede.model.stats.WorkflowWindow;
import io.stampede.model.wire.Payload;

class DatacenterJobTest {

    static final String SPEC = """
            name: shop
            variables: {base: "http://h"}
            workflows:
              - name: login
                vus: 10
                iterations: 1
                exports: [token]
                steps: [{name: in, request: {url: "{{base}}/in"}, extract: [{var: token, header: X-Token}]}]
              - name: browse
                dependsOn: [login]
                vus: 4
                duration: 1m
                steps: [{name: list, request: {url: "{{base}}/list?t={{token}}"}}]
              - name: report
                dependsOn: [browse]
                vus: 1
                iterations: 1
                steps: [{name: r, request: {url: "{{base}}/r"}}]
            """;

    static final List<WorkerRegistry.Worker> WORKERS = List.of(
            new WorkerRegistry.Worker("w1", 2, 2, "1", 0, Instant.EPOCH),
            new WorkerRegistry.Worker("w2", 2, 1, "1", 0, Instant.EPOCH));

    private static DatacenterJob job() {
        JobSpec spec = JobSpecParser.parse(SPEC);
        return new DatacenterJob(JobId.of("job-1"), "dc1", new Payload.JobSubmitted("dc1", SPEC,
                Map.of("login", new LoadShare(10, 0, 0, 1), "browse", new LoadShare(4, 0, 0, 11)), 0), spec);
    }

    private static List<Payload.WorkflowDispatched> dispatches(List<DatacenterJob.Command> commands) {
        return commands.stream().filter(DatacenterJob.Dispatch.class::isInstance)
                .map(command -> ((DatacenterJob.Dispatch) command).payload()).toList();
    }

    private static WorkflowWindow window(String workflow, long requests) {
        return window(workflow, 0, requests);
    }

    private static WorkflowWindow window(String workflow, long startMillis, long requests) {
        var histogram = LatencyHistograms.create();
        for (int i = 0; i < requests; i++) {
            histogram.recordValue(1000 + i);
        }
        return new WorkflowWindow(workflow, startMillis, startMillis + 1000, requests, 0, 1, List.of(new StepWindow("s", requests, requests,
                Map.of(), 0, 0, Map.of(), LatencyHistograms.encode(histogram))));
    }

    private static Payload.WorkflowFinished done(String workflow, String worker, long requests, Map<String, String> exports) {
        return new Payload.WorkflowFinished(workflow, worker, ShareState.COMPLETED, window(workflow, requests), exports, "");
    }

    @Test
    void runsWorkflowsInDependencyOrderSplitByFreeCoresAndHandsOnExports() {
        DatacenterJob job = job();

        List<Payload.WorkflowDispatched> first = dispatches(job.advance(WORKERS));
        assertThat(first).extracting(Payload.WorkflowDispatched::workflow).containsOnly("login");
        assertThat(first).extracting(dispatch -> dispatch.share().vus()).containsExactly(7, 3);
        assertThat(first).extracting(dispatch -> dispatch.share().firstVu()).containsExactly(1L, 8L);
        assertThat(job.states()).containsEntry("login", WorkflowState.DISPATCHED).containsEntry("browse", WorkflowState.PENDING);

        job.onWindow(new Payload.WorkflowWindowReported("login", "w1", window("login", 3)));
        job.onWindow(new Payload.WorkflowWindowReported("login", "w1", window("login", 1000, 4)));
        job.onWindow(new Payload.WorkflowWindowReported("login", "w2", window("login", 2)));
        assertThat(job.states()).containsEntry("login", WorkflowState.RUNNING);
        Payload.DatacenterProgress progress = job.progress();
        // Merged per second of the clock, whatever order the workers' windows came in.
        assertThat(progress.windows().get("login")).extracting(WorkflowWindow::startMillis).containsExactly(0L, 1000L);
        assertThat(progress.windows().get("login")).extracting(second -> second.steps().get(0).requests())
                .containsExactly(5L, 4L);
        // Nothing new: still a record, with the states and no windows, so the gates hear the datacenter.
        assertThat(job.progress().windows()).isEmpty();

        assertThat(job.onFinished(done("login", "w1", 7, Map.of("token", "t-1")), WORKERS)).isEmpty();
        List<Payload.WorkflowDispatched> second = dispatches(job.onFinished(done("login", "w2", 3, Map.of()), WORKERS));
        assertThat(second).extracting(Payload.WorkflowDispatched::workflow).containsOnly("browse");
        assertThat(second).allSatisfy(dispatch -> assertThat(dispatch.variables())
                .containsEntry("token", "t-1").containsEntry("base", "http://h"));
        assertThat(second).extracting(dispatch -> dispatch.share().firstVu()).containsExactly(11L, 14L);
    }

    /** The same job, run in dc1 and dc2: the gates release its dependent workflows. */
    private static DatacenterJob jobInTwoDatacenters() {
        JobSpec spec = JobSpecParser.parse(SPEC);
        return new DatacenterJob(JobId.of("job-1"), "dc1", new Payload.JobSubmitted("dc1", SPEC,
                Map.of("login", new LoadShare(5, 0, 0, 1), "browse", new LoadShare(2, 0, 0, 11)), 0,
                List.of("dc1", "dc2")), spec);
    }

    @Test
    void inAJobOfSeveralDatacentersADependentWaitsForTheGatesReleaseAndTakesItsExports() {
        DatacenterJob job = jobInTwoDatacenters();
        job.advance(WORKERS);
        job.onWindow(new Payload.WorkflowWindowReported("login", "w1", window("login", 3_000, 3)));
        job.onFinished(done("login", "w1", 3, Map.of("token", "here")), WORKERS);
        List<DatacenterJob.Command> loginDone = job.onFinished(done("login", "w2", 2, Map.of()), WORKERS);
        assertThat(dispatches(loginDone)).as("login has ended here, but perhaps not in dc2").isEmpty();
        assertThat(job.states()).containsEntry("login", WorkflowState.COMPLETED).containsEntry("browse", WorkflowState.PENDING);
        assertThat(job.progress().exports()).as("what login exported here, for the gates to merge")
                .containsEntry("login", new Payload.Exported(Map.of("token", "here"), 4_000));

        List<Payload.WorkflowDispatched> released = dispatches(job.onReleased(
                new Payload.WorkflowReleased("browse", Map.of("token", "from-dc2"), ""), WORKERS));
        assertThat(released).extracting(Payload.WorkflowDispatched::workflow).containsOnly("browse");
        assertThat(released).allSatisfy(dispatch -> assertThat(dispatch.variables()).containsEntry("token", "from-dc2"));
        assertThat(job.onReleased(new Payload.WorkflowReleased("browse", Map.of("token", "again"), ""), WORKERS))
                .as("a repeated release (a new owner of the job) changes nothing").isEmpty();
    }

    @Test
    void aReleaseAsFailedFailsTheDependentAndItsDependentsHere() {
        DatacenterJob job = jobInTwoDatacenters();
        job.advance(WORKERS);
        job.onFinished(done("login", "w1", 3, Map.of()), WORKERS);
        job.onFinished(done("login", "w2", 2, Map.of()), WORKERS);
        job.onReleased(new Payload.WorkflowReleased("browse", Map.of(), "login completed in no datacenter"), WORKERS);
        assertThat(job.states()).containsEntry("browse", WorkflowState.FAILED).containsEntry("report", WorkflowState.FAILED);
        assertThat(job.finished()).isTrue();
    }

    @Test
    void aWaitingJobKeepsItsReleasesUntilItStarts() {
        DatacenterJob job = jobInTwoDatacenters();
        job.queue(1_000);
        assertThat(job.onReleased(new Payload.WorkflowReleased("browse", Map.of(), "login completed in no datacenter"),
                WORKERS)).isEmpty();
        assertThat(job.status()).isEqualTo(DatacenterJobStatus.QUEUED);
        assertThat(job.states()).containsEntry("browse", WorkflowState.PENDING);
        assertThat(dispatches(job.start(WORKERS))).extracting(Payload.WorkflowDispatched::workflow).containsOnly("login");
        assertThat(job.states()).containsEntry("browse", WorkflowState.FAILED).containsEntry("report", WorkflowState.FAILED);
    }

    @Test
    void theFirstRunningShareToEndSaysWhenACoreFrees() {
        DatacenterJob job = job();
        assertThat(job.earliestShareEndMillis(0)).as("nothing runs").isEqualTo(Long.MAX_VALUE);
        job.advance(WORKERS);
        job.onFinished(done("login", "w1", 7, Map.of()), WORKERS);
        job.onFinished(done("login", "w2", 3, Map.of()), WORKERS);
        job.onWindow(new Payload.WorkflowWindowReported("browse", "w1", window("browse", 5_000, 1)));
        // browse runs for 1 minute: w1's share from its first window, w2's (no window yet) from now.
        assertThat(job.earliestShareEndMillis(10_000)).isEqualTo(65_000);
    }

    @Test
    void aJobInOneDatacenterIgnoresReleasesAndOrdersItsWorkflowsItself() {
        DatacenterJob job = job();
        job.advance(WORKERS);
        assertThat(job.onReleased(new Payload.WorkflowReleased("browse", Map.of(), ""), WORKERS)).isEmpty();
        assertThat(job.states()).containsEntry("browse", WorkflowState.PENDING);
        assertThat(job.progress().exports()).isEmpty();
    }

    @Test
    void finishesWithExactTotalsOnceEveryWorkflowHasEnded() {
        DatacenterJob job = job();
        job.advance(WORKERS);
        job.onFinished(done("login", "w1", 7, Map.of("token", "t")), WORKERS);
        job.onFinished(done("login", "w2", 3, Map.of()), WORKERS);
        job.onFinished(done("browse", "w1", 100, Map.of()), WORKERS);
        List<DatacenterJob.Command> afterBrowse = job.onFinished(done("browse", "w2", 50, Map.of()), WORKERS);
        assertThat(dispatches(afterBrowse)).extracting(Payload.WorkflowDispatched::workflow).containsOnly("report");

        List<DatacenterJob.Command> end = job.onFinished(done("report", "w1", 1, Map.of()), WORKERS);

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) end.get(end.size() - 1)).payload();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
        assertThat(finished.totals().get("browse").steps().get(0).requests()).isEqualTo(150);
        assertThat(LatencyHistograms.decode(finished.totals().get("login").steps().get(0).latency()).getTotalCount())
                .isEqualTo(10);
        assertThat(job.finished()).isTrue();
        // A late duplicate changes nothing.
        assertThat(job.onFinished(done("report", "w1", 1, Map.of()), WORKERS)).isEmpty();
    }

    @Test
    void aLostWorkerFailsItsWorkflowAndEveryDependent() {
        DatacenterJob job = job();
        job.advance(WORKERS);
        job.onFinished(done("login", "w1", 7, Map.of()), WORKERS);

        List<DatacenterJob.Command> commands = job.workerLost("w2", "membership declared it DEAD", WORKERS.subList(0, 1), 0);

        assertThat(commands.get(0)).as("the lost share is told to stop, in case its worker was only cut off")
                .isEqualTo(new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("login", "w2", 0)));
        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) commands.get(1)).payload();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.FAILED);
        assertThat(finished.states()).containsEntry("login", WorkflowState.FAILED).containsEntry("browse", WorkflowState.FAILED)
                .containsEntry("report", WorkflowState.FAILED);
        assertThat(finished.errors()).containsEntry("login", "worker w2 was lost (membership declared it DEAD);"
                + " not re-run: only duration-based workflows are re-run")
                .containsEntry("browse", "not started: login failed");
    }

    @Test
    void aStopCancelsRunningSharesAndEndsWhenTheyReport() {
        DatacenterJob job = job();
        job.advance(WORKERS);

        List<DatacenterJob.Command> stop = job.stop(DatacenterJobStatus.CANCELLED);

        assertThat(stop).containsExactly(
                new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("login", "w1")),
                new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("login", "w2")));
        assertThat(job.stop(DatacenterJobStatus.TIMED_OUT)).isEmpty();
        job.onFinished(new Payload.WorkflowFinished("login", "w1", ShareState.CANCELLED, window("login", 2), Map.of(), ""), WORKERS);
        List<DatacenterJob.Command> end = job.onFinished(
                new Payload.WorkflowFinished("login", "w2", ShareState.CANCELLED, window("login", 1), Map.of(), ""), WORKERS);

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) end.get(0)).payload();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.CANCELLED);
        assertThat(finished.states()).containsEntry("login", WorkflowState.CANCELLED).containsEntry("browse", WorkflowState.CANCELLED);
        assertThat(finished.totals().get("login").steps().get(0).requests()).isEqualTo(3);
    }

    @Test
    void withoutWorkersTheJobFailsAndSaysWhy() {
        List<DatacenterJob.Command> commands = job().advance(List.of());

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) commands.get(0)).payload();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.FAILED);
        assertThat(finished.errors()).containsEntry("login", "no live worker in datacenter dc1");
    }

    @Test
    void aFollowerTakesDispatchesFromTheLeaderAndOnTakeOverDispatchesOnlyWhatTheLeaderHadNot() {
        DatacenterJob leader = job();
        DatacenterJob follower = job();
        follower.decide(false);

        List<Payload.WorkflowDispatched> login = dispatches(leader.advance(WORKERS));
        assertThat(follower.advance(WORKERS)).as("a follower decides nothing").isEmpty();
        login.forEach(follower::observeDispatch);
        assertThat(follower.states()).containsEntry("login", WorkflowState.DISPATCHED);

        // The login shares finish; the leader dies before dispatching browse.
        leader.onFinished(done("login", "w1", 7, Map.of("token", "t-1")), WORKERS);
        leader.onFinished(done("login", "w2", 3, Map.of()), WORKERS);
        follower.onFinished(done("login", "w1", 7, Map.of("token", "t-1")), WORKERS);
        assertThat(follower.onFinished(done("login", "w2", 3, Map.of()), WORKERS)).isEmpty();
        assertThat(follower.states()).containsEntry("login", WorkflowState.COMPLETED)
                .containsEntry("browse", WorkflowState.PENDING);

        List<Payload.WorkflowDispatched> afterTakeOver = dispatches(follower.takeOver(WORKERS, 0));

        assertThat(afterTakeOver).extracting(Payload.WorkflowDispatched::workflow).containsOnly("browse");
        assertThat(afterTakeOver).allSatisfy(dispatch -> assertThat(dispatch.variables()).containsEntry("token", "t-1"));
        assertThat(follower.takeOver(WORKERS, 0)).as("taking over twice dispatches nothing twice").isEmpty();
    }

    @Test
    void aReportReadBeforeItsSharesDispatchAwaitsItAndNoneAwaitsAnEndedShareOrWorkflow() {
        DatacenterJob leader = job();
        DatacenterJob rebuilt = job();
        rebuilt.decide(false);
        List<Payload.WorkflowDispatched> login = dispatches(leader.advance(WORKERS));
        Payload.WorkflowDispatched first = login.get(0);

        assertThat(rebuilt.awaitsDispatch("login", first.worker(), first.attempt()))
                .as("its dispatch not read yet").isTrue();
        assertThat(rebuilt.awaitsDispatch("no-such-workflow", first.worker(), 0)).isFalse();
        login.forEach(rebuilt::observeDispatch);
        assertThat(rebuilt.awaitsDispatch("login", first.worker(), first.attempt())).as("read").isFalse();
        assertThat(rebuilt.onWindow(new Payload.WorkflowWindowReported("login", first.worker(), window("login", 5),
                first.attempt()))).as("applied once read").isTrue();

        rebuilt.onFinished(done("login", "w1", 7, Map.of("token", "t-1")), WORKERS);
        rebuilt.onFinished(done("login", "w2", 3, Map.of()), WORKERS);
        assertThat(rebuilt.states()).containsEntry("login", WorkflowState.COMPLETED);
        assertThat(rebuilt.awaitsDispatch("login", "w9", 5)).as("a workflow that has ended awaits nothing").isFalse();
    }

    @Test
    void onTakeOverAStoppedJobIsCancelledAgainAndAFinishedOneReportedAgain() {
        DatacenterJob stopped = job();
        stopped.decide(false);
        stopped.observeDispatch(new Payload.WorkflowDispatched("login", "w1", SPEC, new LoadShare(10, 0, 0, 1),
                Map.of(), 0));
        assertThat(stopped.stop(DatacenterJobStatus.CANCELLED)).as("a follower's cancels are not sent").isNotEmpty();

        assertThat(stopped.takeOver(WORKERS, 0)).singleElement().isInstanceOfSatisfying(DatacenterJob.CancelShare.class,
                cancel -> assertThat(cancel.payload().worker()).isEqualTo("w1"));

        stopped.onFinished(new Payload.WorkflowFinished("login", "w1", ShareState.CANCELLED, window("login", 4), Map.of(), ""),
                WORKERS);
        assertThat(stopped.finished()).isTrue();
        assertThat(stopped.takeOver(WORKERS, 0)).singleElement().isInstanceOfSatisfying(DatacenterJob.Finish.class,
                finish -> assertThat(finish.payload().status()).isEqualTo(DatacenterJobStatus.CANCELLED));
    }

    /** Runs the job until browse (1 minute, duration-based) runs on both workers, w2 since {@code started}. */
    private static DatacenterJob browsing(long started) {
        DatacenterJob job = job();
        job.advance(WORKERS);
        job.onFinished(done("login", "w1", 7, Map.of("token", "t")), WORKERS);
        job.onFinished(done("login", "w2", 3, Map.of()), WORKERS);
        job.onWindow(new Payload.WorkflowWindowReported("browse", "w2", new WorkflowWindow("browse", started,
                started + 1000, 5, 0, 1, window("browse", 5).steps())));
        return job;
    }

    @Test
    void aLostWorkersDurationShareReRunsElsewhereForItsRemainingTimeAndWhatItReportedStillCounts() {
        long started = 1_000_000;
        DatacenterJob job = browsing(started);

        List<Payload.WorkflowDispatched> rerun = dispatches(job.workerLost("w2", "membership declared it DEAD", WORKERS.subList(0, 1), started + 20_000));

        assertThat(rerun).singleElement().satisfies(dispatch -> {
            assertThat(dispatch.worker()).isEqualTo("w1");
            assertThat(dispatch.attempt()).isEqualTo(1);
            assertThat(dispatch.endsAtEpochMillis()).as("the lost share's own end").isEqualTo(started + 60_000);
            assertThat(dispatch.share().firstVu()).as("the lost share's virtual users").isEqualTo(14);
            assertThat(dispatch.variables()).containsEntry("token", "t");
        });
        job.onFinished(done("browse", "w1", 100, Map.of()), WORKERS);
        assertThat(job.states()).as("the re-run is still going").containsEntry("browse", WorkflowState.RUNNING);
        job.onFinished(new Payload.WorkflowFinished("browse", "w1", ShareState.COMPLETED, window("browse", 30), Map.of(), "", 1),
                WORKERS);
        List<DatacenterJob.Command> end = job.onFinished(done("report", "w1", 1, Map.of()), WORKERS);

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) end.get(end.size() - 1)).payload();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
        assertThat(finished.totals().get("browse").steps().get(0).requests()).as("100 + 30 + the lost share's 5")
                .isEqualTo(135);
        assertThat(finished.errors().get("browse")).contains("worker w2 was lost", "re-ran on w1 for the 40 s it had left");
        // The re-run is on the job's timeline too, when it was decided, in the progress after it (once).
        assertThat(job.progress().incidents()).containsExactly(new Payload.Incident(started + 20_000,
                Payload.Incident.RE_RUN, "browse", "worker w2 was lost (membership declared it DEAD); its share (1 virtual user)"
                        + " runs again on w1 for the 40 s it had left"));
        assertThat(job.progress()).as("nothing more to say once the job has finished here").isNull();
        // Its last window had 5 requests in 1 s: it may have sent up to 2.5 s of that, unreported.
        assertThat(finished.unaccounted().workers()).containsExactly("w2");
        assertThat(finished.unaccounted().requestsAtMost()).isEqualTo(13);
    }

    @Test
    void aLostWorkerWhoseLastWindowWasSlowIsBoundedByItsPeersPaceAsWell() {
        long started = 1_000_000;
        DatacenterJob job = browsing(started);
        // w1 runs 3 of browse's 4 virtual users at 20 requests a second each; w2's last window
        // (1 virtual user) had only 5.
        job.onWindow(new Payload.WorkflowWindowReported("browse", "w1", new WorkflowWindow("browse", started,
                started + 1000, 60, 0, 1, window("browse", 60).steps())));

        job.workerLost("w2", "membership declared it DEAD", WORKERS.subList(0, 1), started + 20_000);
        job.onFinished(new Payload.WorkflowFinished("browse", "w1", ShareState.COMPLETED, window("browse", 30), Map.of(), "", 0),
                WORKERS);
        job.onFinished(new Payload.WorkflowFinished("browse", "w1", ShareState.COMPLETED, window("browse", 30), Map.of(), "", 1),
                WORKERS);
        List<DatacenterJob.Command> end = job.onFinished(done("report", "w1", 1, Map.of()), WORKERS);

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) end.get(end.size() - 1)).payload();
        assertThat(finished.unaccounted().requestsAtMost()).as("20 a second, not 5, over 2.5 s").isEqualTo(50);
    }

    @Test
    void reRunsStopWhenTheWorkflowsBudgetIsSpent() {
        long started = 1_000_000;
        DatacenterJob job = browsing(started);
        List<WorkerRegistry.Worker> pool = new java.util.ArrayList<>(WORKERS);
        for (int i = 0; i < DatacenterJob.WORKFLOW_RERUN_BUDGET; i++) {
            pool.add(new WorkerRegistry.Worker("spare-" + i, 16, 10 - i, "1", 0, Instant.EPOCH));
        }
        String lost = "w2";
        for (int i = 0; i < DatacenterJob.WORKFLOW_RERUN_BUDGET; i++) {
            String gone = lost;
            pool.removeIf(worker -> worker.id().equals(gone));
            List<Payload.WorkflowDispatched> rerun = dispatches(job.workerLost(lost, "membership declared it DEAD", pool, started + 1_000 * (i + 1)));
            assertThat(rerun).hasSize(1);
            lost = rerun.get(0).worker();
        }
        String last = lost;
        pool.removeIf(worker -> worker.id().equals(last));

        assertThat(dispatches(job.workerLost(last, "membership declared it DEAD", pool, started + 10_000))).isEmpty();
        job.onFinished(done("browse", "w1", 10, Map.of()), pool);
        assertThat(job.states()).containsEntry("browse", WorkflowState.FAILED);
        List<String> timeline = new ArrayList<>(Collections.nCopies(DatacenterJob.WORKFLOW_RERUN_BUDGET,
                Payload.Incident.RE_RUN));
        timeline.add(Payload.Incident.WORKER_LOST);
        List<Payload.Incident> incidents = job.progress().incidents();
        assertThat(incidents).extracting(Payload.Incident::kind).isEqualTo(timeline);
        assertThat(incidents.get(incidents.size() - 1).detail()).endsWith("was not re-run: the workflow's re-run budget ("
                + DatacenterJob.WORKFLOW_RERUN_BUDGET + ") is spent");
    }

    @Test
    void aShareLostBeforeItsFirstWindowIsBoundedByItsPeersRatePerVirtualUser() {
        long started = 1_000_000;
        DatacenterJob job = job();
        List<Payload.WorkflowDispatched> browse = new ArrayList<>();
        job.advance(WORKERS);
        browse.addAll(dispatches(job.onFinished(done("login", "w1", 7, Map.of("token", "t")), WORKERS)));
        browse.addAll(dispatches(job.onFinished(done("login", "w2", 3, Map.of()), WORKERS)));
        int peerVus = browse.stream().filter(dispatch -> dispatch.worker().equals("w1")).findFirst().orElseThrow()
                .share().vus();
        int lostVus = browse.stream().filter(dispatch -> dispatch.worker().equals("w2")).findFirst().orElseThrow()
                .share().vus();
        // w1 reports 10 requests a second per virtual user; w2 has reported nothing when it is lost.
        job.onWindow(new Payload.WorkflowWindowReported("browse", "w1", new WorkflowWindow("browse", started,
                started + 1000, 10L * peerVus, 0, peerVus, window("browse", 10L * peerVus).steps())));

        job.workerLost("w2", "it restarted", WORKERS.subList(0, 1), started + 1_500);
        job.onFinished(done("browse", "w1", 100, Map.of()), WORKERS);
        job.onFinished(new Payload.WorkflowFinished("browse", "w1", ShareState.COMPLETED, window("browse", 1), Map.of(),
                "", 1), WORKERS);
        List<DatacenterJob.Command> end = job.onFinished(done("report", "w1", 1, Map.of()), WORKERS);

        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) end.get(end.size() - 1)).payload();
        assertThat(finished.unaccounted().workers()).containsExactly("w2");
        assertThat(finished.unaccounted().requestsAtMost()).as("10 a second for each of its %d VUs, over 2.5 s", lostVus)
                .isEqualTo((long) Math.ceil(10 * lostVus * 2.5));
    }

    @Test
    void aWorkerProcessHeardAsNewLosesTheSharesDispatchedToItsEarlierProcess() {
        DatacenterJob job = job();
        List<WorkerRegistry.Worker> before = List.of(new WorkerRegistry.Worker("w1", 2, 2, "1", 100, Instant.EPOCH),
                new WorkerRegistry.Worker("w2", 2, 1, "1", 100, Instant.EPOCH));
        assertThat(dispatches(job.advance(before))).extracting(Payload.WorkflowDispatched::workerStartedAtMillis)
                .containsOnly(100L);

        assertThat(job.workerStarted("w2", 100, before, 0)).as("the same process: nothing lost")
                .noneMatch(DatacenterJob.CancelShare.class::isInstance);
        job.onFinished(done("login", "w1", 7, Map.of()), before);
        List<WorkerRegistry.Worker> after = List.of(before.get(0), new WorkerRegistry.Worker("w2", 2, 2, "1", 200,
                Instant.EPOCH));
        List<DatacenterJob.Command> commands = job.workerStarted("w2", 200, after, 0);

        assertThat(commands).contains(new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("login", "w2", 0)));
        Payload.DatacenterFinished finished = ((DatacenterJob.Finish) commands.get(commands.size() - 1)).payload();
        assertThat(finished.errors().get("login")).contains("worker w2 was lost (it restarted)");
    }

    @Test
    void aFollowerWaitsForTheLeadersReRunAndANewLeaderMakesItIfItNeverCame() {
        long started = 1_000_000;
        DatacenterJob follower = browsing(started);
        follower.decide(false);

        assertThat(follower.workerLost("w2", "membership declared it DEAD", WORKERS.subList(0, 1), started + 5_000))
                .as("no re-run: only the stop every manager computes (a follower's coordinator sends nothing)")
                .containsExactly(new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("browse", "w2", 0)));
        assertThat(follower.progress().incidents()).as("a follower tells no incident: its leader does").isEmpty();
        follower.onFinished(done("browse", "w1", 100, Map.of()), WORKERS);
        assertThat(follower.states()).as("waiting for the re-run").containsEntry("browse", WorkflowState.RUNNING);

        List<DatacenterJob.Command> takeOver = follower.takeOver(WORKERS.subList(0, 1), started + 6_000);
        assertThat(takeOver).as("the stop the follower never sent, sent now: w2 may only be paused")
                .contains(new DatacenterJob.CancelShare(new Payload.WorkflowCancelRequested("browse", "w2", 0)));
        List<Payload.WorkflowDispatched> rerun = dispatches(takeOver);

        assertThat(rerun).singleElement().satisfies(dispatch -> {
            assertThat(dispatch.worker()).isEqualTo("w1");
            assertThat(dispatch.attempt()).isEqualTo(1);
            assertThat(dispatch.endsAtEpochMillis()).isEqualTo(started + 60_000);
        });
        assertThat(follower.progress().incidents()).as("the new leader's re-run").extracting(Payload.Incident::kind,
                Payload.Incident::atMillis).containsExactly(org.assertj.core.groups.Tuple.tuple(Payload.Incident.RE_RUN,
                        started + 6_000));
    }

    @Test
    void aSlowShareIsGrantedShrinkingExtensionsWhileItProgressesAndTheDeadlineMovesByThem() {
        JobSpec spec = JobSpecParser.parse(SPEC);
        DatacenterJob job = new DatacenterJob(JobId.of("job-1"), "dc1", new Payload.JobSubmitted("dc1", SPEC,
                Map.of("login", new LoadShare(10, 0, 0, 1), "browse", new LoadShare(4, 0, 0, 11)), 100_000), spec);
        job.advance(WORKERS);
        assertThat(job.deadlineEpochMillis()).isEqualTo(100_000);

        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w1", 0, 0.5, 20_000, 5)))
                .get().asString().startsWith("granted 15.0 s");
        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w1", 0, 0.5, 20_000, 5)))
                .get().asString().contains("no progress");
        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w1", 0, 0.7, 9_000, 5)))
                .get().asString().startsWith("granted 7.5 s");
        // Another share's first grant does not add to the first one's: the deadline moves by the most one share got.
        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w2", 0, 0.2, 30_000, 5)))
                .get().asString().startsWith("granted 15.0 s");
        assertThat(job.deadlineEpochMillis()).isEqualTo(100_000 + 22_500);
        assertThat(job.extensions()).isEqualTo(new Extensions(3, 1, 22_500, "w1: no progress since the last extension (50%)"));
        assertThat(job.progress().extensions()).isEqualTo(job.extensions());
        // A share this job does not have is ignored.
        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w9", 0, 0.9, 1_000, 1))).isEmpty();
    }

    @Test
    void aJobWithoutATimeoutGrantsNothing() {
        DatacenterJob job = job();
        job.advance(WORKERS);
        assertThat(job.onExtensionRequested(new Payload.ExtensionRequested("login", "w1", 0, 0.5, 20_000, 5))).isEmpty();
        assertThat(job.deadlineEpochMillis()).isZero();
    }

    @Test
    void whatACompletedShareGaveUpIsReportedWithItsWorkflow() {
        DatacenterJob job = job();
        job.advance(WORKERS);
        job.onFinished(new Payload.WorkflowFinished("login", "w1", ShareState.COMPLETED, window("login", 5), Map.of(),
                "w1 shed 2 of its 7 virtual users: its heap reached its memory budget"), WORKERS);
        List<DatacenterJob.Command> next = job.onFinished(new Payload.WorkflowFinished("login", "w2",
                ShareState.COMPLETED, window("login", 3), Map.of(), ""), WORKERS);
        assertThat(job.states().get("login")).isEqualTo(WorkflowState.COMPLETED);
        for (String workflow : List.of("browse", "report")) {
            for (Payload.WorkflowDispatched dispatch : dispatches(next)) {
                assertThat(dispatch.workflow()).isEqualTo(workflow);
                next = job.onFinished(new Payload.WorkflowFinished(workflow, dispatch.worker(), ShareState.COMPLETED,
                        window(workflow, 1), Map.of(), ""), WORKERS);
            }
        }
        Payload.DatacenterFinished finished = next.stream().filter(DatacenterJob.Finish.class::isInstance)
                .map(command -> ((DatacenterJob.Finish) command).payload()).findFirst().orElseThrow();
        assertThat(finished.status()).isEqualTo(DatacenterJobStatus.COMPLETED);
        assertThat(finished.errors()).containsEntry("login",
                "w1 shed 2 of its 7 virtual users: its heap reached its memory budget");
    }
}
