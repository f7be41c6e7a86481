package io.stampede.worker.engine;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import io.stampede.model.stats.LatencyHistograms;
import io.stampede.model.stats.StepWindow;

/**
 * Counts for one step on one event loop. Only that event loop's thread touches it, so recording
 * takes no lock; {@link #drain()} runs on the same thread and starts a new window.
 */
final class StepRecorder {

    private final String step;
    private final List<String> checkNames;
    private long requests;
    private long successes;
    private long bytesSent;
    private long bytesReceived;
    private final Map<String, long[]> failures = new HashMap<>();
    private final Map<String, long[]> notSent = new HashMap<>();
    private final long[] checksPassed;
    private final long[] checksFailed;
    private Histogram latency = LatencyHistograms.create();

    StepRecorder(String step, List<String> checkNames) {
        this.step = step;
        this.checkNames = List.copyOf(checkNames);
        this.checksPassed = new long[checkNames.size()];
        this.checksFailed = new long[checkNames.size()];
    }

    void success(long latencyMicros, long sent, long received) {
        requests++;
        successes++;
        bytesSent += sent;
        bytesReceived += received;
        LatencyHistograms.record(latency, latencyMicros);
    }

    /** A completed or abandoned request that failed; its latency is recorded all the same. */
    void failure(String reason, long latencyMicros, long sent, long received) {
        requests++;
        bytesSent += sent;
        bytesReceived += received;
        failures.computeIfAbsent(reason, key -> new long[1])[0]++;
        LatencyHistograms.record(latency, latencyMicros);
    }

    /** A request that could not be sent (its URL or a variable could not be made): no latency, no request. */
    void notSent(String reason) {
        notSent.computeIfAbsent(reason, key -> new long[1])[0]++;
    }

    void check(int index, boolean passed) {
        if (passed) {
            checksPassed[index]++;
        } else {
            checksFailed[index]++;
        }
    }

    /** This window's counts; the recorder starts the next window empty. */
    StepWindow drain() {
        Map<String, Long> failed = new HashMap<>();
        failures.forEach((reason, count) -> failed.put(reason, count[0]));
        Map<String, Long> unsent = new HashMap<>();
        notSent.forEach((reason, count) -> unsent.put(reason, count[0]));
        Map<String, StepWindow.CheckTally> checks = new LinkedHashMap<>();
        for (int i = 0; i < checkNames.size(); i++) {
            checks.put(checkNames.get(i), new StepWindow.CheckTally(checksPassed[i], checksFailed[i]));
            checksPassed[i] = 0;
            checksFailed[i] = 0;
        }
        StepWindow window = new StepWindow(step, requests, successes, failed, bytesSent, bytesReceived, checks,
                LatencyHistograms.encode(latency), unsent);
        requests = 0;
        successes = 0;
        bytesSent = 0;
        bytesReceived = 0;
        failures.clear();
        notSent.clear();
        latency.reset();
        return window;
    }
}
