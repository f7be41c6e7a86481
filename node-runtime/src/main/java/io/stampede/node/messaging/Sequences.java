package io.stampede.node.messaging;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

/**
 * This node's record numbers: one counter for every record it sends, whatever the subject, so it
 * holds nothing per job. The counter starts at the start-up time in microseconds: a node
 * restarted under its id numbers its records above the previous process's (unless that process
 * sent more than a million records a second on average), so receivers hear it again instead of
 * dropping its records as duplicates.
 *
 * <p>Receivers compare sequences per subject and sender, one topic at a time. One counter can
 * serve every channel of a node because no receiver reads two topics written by the same node
 * (managers read the gates', the leader's and the workers' topics; gates read the managers'
 * events; workers the dispatches): across two topics, a newer number could arrive first.
 */
@Singleton
public class Sequences {

    private final AtomicLong last;

    public Sequences(Clock clock) {
        this.last = new AtomicLong(clock.millis() * 1_000);
    }

    public long next() {
        return last.incrementAndGet();
    }
}
