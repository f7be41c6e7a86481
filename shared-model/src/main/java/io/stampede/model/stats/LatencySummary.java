package io.stampede.model.stats;

import org.HdrHistogram.Histogram;

/**
 * Percentiles and moments of a latency histogram, in milliseconds. Derived from the merged
 * histogram, never from other percentiles.
 */
public record LatencySummary(long count, double min, double mean, double stdDev, double p50, double p75, double p90,
        double p95, double p99, double p999, double max) {

    public static LatencySummary of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(histogram.getTotalCount(),
                ms(histogram.getMinValue()), histogram.getMean() / 1000.0, histogram.getStdDeviation() / 1000.0,
                ms(histogram.getValueAtPercentile(50)), ms(histogram.getValueAtPercentile(75)),
                ms(histogram.getValueAtPercentile(90)), ms(histogram.getValueAtPercentile(95)),
                ms(histogram.getValueAtPercentile(99)), ms(histogram.getValueAtPercentile(99.9)),
                ms(histogram.getMaxValue()));
    }

    public static LatencySummary of(byte[] encoded) {
        return of(LatencyHistograms.decode(encoded));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
