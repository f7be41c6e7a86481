package io.stampede.node.messaging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** This node's sequence numbers per job: 1, 2, 3, … for the records it sends about that job. */
public final class Sequences {

    private final ConcurrentHashMap<String, AtomicLong> perJob = new ConcurrentHashMap<>();

    public long next(String jobId) {
        return perJob.computeIfAbsent(jobId, key -> new AtomicLong()).incrementAndGet();
    }

    /** Forgets a finished job. */
    public void forget(String jobId) {
        perJob.remove(jobId);
    }
}
