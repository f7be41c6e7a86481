package io.stampede.model.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of a workflow's load one datacenter or worker runs. A gate splits each workflow across
 * datacenters and each manager splits its share across workers, both with {@link #split}.
 *
 * @param vus        closed model: virtual users
 * @param rateFactor open model: the fraction of the workflow's rate (1 for all of it)
 * @param maxVus     open model: iterations that may run at once
 * @param firstVu    the number of the first virtual user, so {@code {{vu}}} is unique across the job
 */
public record LoadShare(int vus, double rateFactor, int maxVus, long firstVu) {

    public LoadShare {
        if (vus < 0 || maxVus < 0 || rateFactor < 0 || firstVu < 1) {
            throw new IllegalArgumentException("a share cannot be negative: " + vus + " vus, rate factor "
                    + rateFactor + ", " + maxVus + " max vus, first vu " + firstVu);
        }
    }

    /** The whole of a workflow. */
    public static LoadShare whole(WorkflowSpec workflow) {
        if (workflow.load() instanceof WorkflowSpec.Closed closed) {
            return new LoadShare(closed.vus(), 0, 0, 1);
        }
        return new LoadShare(0, 1, ((WorkflowSpec.Open) workflow.load()).maxVus(), 1);
    }

    /** Whether this share has nothing to run. */
    public boolean isEmpty() {
        return vus == 0 && rateFactor == 0;
    }

    /**
     * Splits this share in proportion to {@code weights} (e.g. free cores). Virtual users and
     * {@code maxVus} are whole numbers: each part gets its proportional floor and the remainders
     * go to the largest fractions (ties to the earlier part), so the parts add up exactly. Virtual
     * user numbers stay contiguous and disjoint. A part may be empty when there is less to split
     * than parts; a part of the open model always has at least one {@code maxVus} if it has rate.
     *
     * @throws IllegalArgumentException when there are no weights or none is positive
     */
    public List<LoadShare> split(List<Integer> weights) {
        long total = weights.stream().mapToLong(weight -> Math.max(0, weight)).sum();
        if (weights.isEmpty() || total == 0) {
            throw new IllegalArgumentException("nothing to split across: no positive weight in " + weights);
        }
        int[] vusParts = apportion(vus, weights, total);
        int[] maxVusParts = apportion(maxVus, weights, total);
        List<LoadShare> parts = new ArrayList<>();
        long next = firstVu;
        for (int i = 0; i < weights.size(); i++) {
            double rate = rateFactor * Math.max(0, weights.get(i)) / total;
            int partMaxVus = rate > 0 ? Math.max(1, maxVusParts[i]) : maxVusParts[i];
            parts.add(new LoadShare(vusParts[i], rate, partMaxVus, next));
            next += Math.max(vusParts[i], partMaxVus);
        }
        return parts;
    }

    /** Largest-remainder apportionment of {@code amount} by {@code weights}. */
    static int[] apportion(int amount, List<Integer> weights, long total) {
        int[] parts = new int[weights.size()];
        long[] remainders = new long[weights.size()];
        int given = 0;
        for (int i = 0; i < weights.size(); i++) {
            long scaled = (long) amount * Math.max(0, weights.get(i));
            parts[i] = (int) (scaled / total);
            remainders[i] = scaled % total;
            given += parts[i];
        }
        for (int left = amount - given; left > 0; left--) {
            int best = 0;
            for (int i = 1; i < parts.length; i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            parts[best]++;
            remainders[best] = -1;
        }
        return parts;
    }
}
