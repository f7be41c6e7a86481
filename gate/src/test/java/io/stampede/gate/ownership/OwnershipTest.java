package io.stampede.gate.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import io.stampede.model.JobId;
import io.stampede.model.job.LoadShare;

class OwnershipTest {

    private static Ownership.Entry entry(String id, String owner, String key) {
        return new Ownership.Entry(JobId.of(id), "name", 0, 0, List.of("dc1"), List.of("w"), key, "digest", owner, 1, false,
                "name: job", Map.of("dc1", Map.of("w", new LoadShare(2, 0, 0, 1))), 0);
    }

    @Test
    void rendezvousHashingSpreadsJobsAndMovesOnlyTheGoneGatesJobs() {
        List<String> three = List.of("gate-1", "gate-2", "gate-3");
        Map<String, Integer> counts = new HashMap<>();
        int moved = 0;
        for (int i = 0; i < 3_000; i++) {
            JobId job = JobId.of("job-" + i);
            String before = Ownership.owner(job, three);
            counts.merge(before, 1, Integer::sum);
            String after = Ownership.owner(job, List.of("gate-1", "gate-3"));
            if (!before.equals("gate-2")) {
                assertThat(after).as("a job of a gate still there stays put").isEqualTo(before);
            } else {
                moved++;
            }
        }
        assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(850, 1_150));
        assertThat(moved).isEqualTo(counts.get("gate-2"));
    }

    @Test
    void aGoneGatesUnfinishedJobsMoveWithAHigherFenceAndFinishedOnesStay() {
        Ownership table = new Ownership();
        table.apply(new Ownership.Register(entry("job-a", "gate-2", "")));
        table.apply(new Ownership.Register(entry("job-b", "gate-2", "")));
        table.apply(new Ownership.Register(entry("job-c", "gate-1", "")));
        table.apply(new Ownership.Finished(JobId.of("job-b")));

        List<Ownership.Entry> moved = table.apply(new Ownership.Reassign("gate-2", List.of("gate-1", "gate-2", "gate-3")));

        assertThat(moved).singleElement().satisfies(entry -> {
            assertThat(entry.id()).isEqualTo(JobId.of("job-a"));
            assertThat(entry.owner()).isIn("gate-1", "gate-3").isEqualTo(Ownership.owner(JobId.of("job-a"), List.of("gate-1", "gate-3")));
            assertThat(entry.fence()).isEqualTo(2);
        });
        assertThat(table.get(JobId.of("job-b")).orElseThrow().owner()).isEqualTo("gate-2");
        assertThat(table.get(JobId.of("job-c")).orElseThrow().fence()).isEqualTo(1);
        assertThat(table.apply(new Ownership.Reassign("gate-2", List.of("gate-2")))).as("nobody to take them").isEmpty();
    }

    @Test
    void anIdempotencyKeyRegistersOneJobOnly() {
        Ownership table = new Ownership();
        table.apply(new Ownership.Register(entry("job-a", "gate-1", "key-1")));

        List<Ownership.Entry> again = table.apply(new Ownership.Register(entry("job-z", "gate-2", "key-1")));

        assertThat(again).singleElement().extracting(Ownership.Entry::id).isEqualTo(JobId.of("job-a"));
        assertThat(table.get(JobId.of("job-z"))).isEmpty();
        table.forget(JobId.of("job-a"));
        assertThat(table.apply(new Ownership.Register(entry("job-z", "gate-2", "key-1")))).singleElement()
                .extracting(Ownership.Entry::id).isEqualTo(JobId.of("job-z"));
    }

    @Test
    void aSnapshotRestoresTheTableAndTellsListenersOfEveryEntryAndAFinishedJobHoldsNoJob() {
        OwnershipState state = new OwnershipState();
        state.apply(OwnershipState.encode(new Ownership.Register(entry("job-a", "gate-1", "key-a"))));
        state.apply(OwnershipState.encode(new Ownership.Register(entry("job-b", "gate-2", ""))));
        state.apply(OwnershipState.encode(new Ownership.Finished(JobId.of("job-b"))));

        byte[] snapshot = state.snapshot();
        OwnershipState restarted = new OwnershipState();
        List<Ownership.Entry> heard = new java.util.ArrayList<>();
        List<Boolean> whole = new java.util.ArrayList<>();
        restarted.listen((entries, wholeTable) -> {
            heard.addAll(entries);
            whole.add(wholeTable);
        });
        restarted.restore(snapshot);

        assertThat(restarted.entries()).isEqualTo(state.entries());
        assertThat(heard).as("a listener hears of every restored entry").isEqualTo(state.entries());
        assertThat(whole).as("as the whole table").containsExactly(true);
        Ownership.Entry running = restarted.get(JobId.of("job-a")).orElseThrow();
        assertThat(running.spec()).isEqualTo("name: job");
        assertThat(running.shares().get("dc1").get("w").vus()).isEqualTo(2);
        Ownership.Entry finished = restarted.get(JobId.of("job-b")).orElseThrow();
        assertThat(finished.finished()).isTrue();
        assertThat(finished.spec()).isEmpty();
        // The idempotency key came back with its job.
        assertThat(OwnershipState.answer(restarted.apply(OwnershipState.encode(new Ownership.Register(
                entry("job-z", "gate-3", "key-a")))))).get().extracting(Ownership.Entry::id).isEqualTo(JobId.of("job-a"));

        List<Ownership.Entry> late = new java.util.ArrayList<>();
        restarted.listen((entries, wholeTable) -> late.addAll(entries));
        assertThat(late).as("a listener that starts late hears of the table as it is").hasSize(2);
    }
}
