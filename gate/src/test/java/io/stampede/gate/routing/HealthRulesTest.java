package io.stampede.gate.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.stampede.model.load.LoadState;

class HealthRulesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            all well                                  | REACHABLE   | 3 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | HEALTHY   |
            unreachable beats everything              | UNREACHABLE | 3 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | UNHEALTHY | no probe answered for 30 s after 5 failures in a row (last: connection refused)
            silent for 30 s                           | NOT_PROBED  | 1 | 1 | 4 | 4 | 8 | HEALTHY    | true  | true  | UNHEALTHY | nothing heard from it for 30 s
            no manager                                | REACHABLE   | 0 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | UNHEALTHY | no manager is up
            no worker                                 | REACHABLE   | 3 | 3 | 0 | 0 | 0 | HEALTHY    | false | false | UNHEALTHY | it has no worker
            no worker takes new shares                | REACHABLE   | 3 | 3 | 4 | 0 | 8 | HEALTHY    | false | false | UNHEALTHY | no worker that takes new shares
            overloaded manager                        | REACHABLE   | 3 | 3 | 4 | 4 | 8 | OVERLOADED | false | false | UNHEALTHY | its manager is overloaded
            suspected                                 | SUSPECTED   | 3 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | DEGRADED  | its last 5 probes failed (last: connection refused)
            probing, no answer yet: by its status     | PROBING     | 3 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | HEALTHY   |
            stale                                     | REACHABLE   | 3 | 3 | 4 | 4 | 8 | HEALTHY    | true  | false | DEGRADED  | stale
            a minority of workers take new shares     | REACHABLE   | 3 | 3 | 4 | 2 | 8 | HEALTHY    | false | false | DEGRADED  | 2 of its 4 workers
            a majority of workers is enough           | REACHABLE   | 3 | 3 | 4 | 3 | 8 | HEALTHY    | false | false | HEALTHY   |
            a minority of managers up                 | REACHABLE   | 1 | 3 | 4 | 4 | 8 | HEALTHY    | false | false | DEGRADED  | 1 of its 3 managers
            no free core                              | REACHABLE   | 3 | 3 | 4 | 4 | 0 | HEALTHY    | false | false | BUSY      | no core is free
            degraded is decided before busy           | REACHABLE   | 1 | 3 | 4 | 4 | 0 | HEALTHY    | false | false | DEGRADED  | managers
            a stressed manager is still healthy       | REACHABLE   | 3 | 3 | 4 | 4 | 8 | STRESSED   | false | false | HEALTHY   |
            not probed, fresh status: healthy         | NOT_PROBED  | 1 | 1 | 1 | 1 | 2 | HEALTHY    | false | false | HEALTHY   |
            """)
    void bucketsByTheFirstRuleThatMatches(String name, Reachability reachability, int managersAlive, int managersTotal,
            int workers, int healthyWorkers, int freeCores, LoadState load, boolean stale, boolean silent, Bucket bucket,
            String why) {
        HealthRules.Verdict verdict = HealthRules.bucket(new HealthRules.Inputs(reachability, managersAlive,
                managersTotal, workers, healthyWorkers, freeCores, load, stale, silent,
                reachability == Reachability.SUSPECTED || reachability == Reachability.UNREACHABLE
                        ? "connection refused" : ""));
        assertThat(verdict.bucket()).as(verdict.why()).isEqualTo(bucket);
        assertThat(verdict.why()).contains(why == null ? "" : why);
    }

    @ParameterizedTest(name = "heard {0}, was ready {1}, managers {2}/{3}, workers {4}: {5}")
    @CsvSource({
            "false, false, 0, 1, 0, AWAITING",
            "true,  false, 1, 3, 2, INITIALIZING",
            "true,  false, 2, 3, 0, INITIALIZING",
            "true,  false, 2, 3, 1, READY",
            "true,  true,  0, 3, 0, READY",
    })
    void registersOnceAMajorityOfManagersAndAWorkerAreUp(boolean heard, boolean wasReady, int alive, int total,
            int workers, Registration expected) {
        assertThat(HealthRules.registration(heard, wasReady, alive, total, workers)).isEqualTo(expected);
    }
}
