package io.streamrt.operators;

import java.util.List;

/**
 * What the batch schedulers in this JVM have run so far, per scheduler, for benchmarks and tests that run a
 * mini cluster in-process (on a cluster, read the {@link InferenceMetrics} instead). Counters only grow: take a
 * snapshot before and after and subtract.
 *
 * <pre>{@code
 * BatchStatistics.Totals before = BatchStatistics.totals();
 * env.execute();
 * BatchStatistics.Totals run = BatchStatistics.totals().minus(before);
 * double padding = run.paddingRatio();
 * }</pre>
 */
public final class BatchStatistics {

    private BatchStatistics() {}

    /**
     * One scheduler's counters.
     *
     * @param engineId the engine it feeds
     * @param mode its batching mode
     * @param batches batches run
     * @param records records in them
     * @param realTokens tokens of those records
     * @param paddedTokens rows x padded length, summed over batches
     * @param busyNanos time spent running batches
     */
    public record Entry(String engineId, BatchingMode mode, long batches, long records, long realTokens,
            long paddedTokens, long busyNanos) {}

    /**
     * Sums over schedulers.
     *
     * @param batches batches run
     * @param records records in them
     * @param realTokens tokens of those records
     * @param paddedTokens rows x padded length, summed over batches
     * @param busyNanos time spent running batches
     */
    public record Totals(long batches, long records, long realTokens, long paddedTokens, long busyNanos) {

        public Totals minus(Totals earlier) {
            return new Totals(batches - earlier.batches, records - earlier.records, realTokens - earlier.realTokens,
                    paddedTokens - earlier.paddedTokens, busyNanos - earlier.busyNanos);
        }

        /** Records per batch; 0 without batches. */
        public double meanBatchSize() {
            return batches == 0 ? 0.0 : (double) records / batches;
        }

        /** Share of padded positions that held no token; 0 without batches. */
        public double paddingRatio() {
            return paddedTokens == 0 ? 0.0 : 1.0 - (double) realTokens / paddedTokens;
        }
    }

    /** Every scheduler created in this JVM (closed ones included), in creation order. */
    public static List<Entry> snapshot() {
        return io.streamrt.operators.internal.BatchScheduler.statistics();
    }

    /** The sum of {@link #snapshot()}. */
    public static Totals totals() {
        long batches = 0;
        long records = 0;
        long real = 0;
        long padded = 0;
        long busy = 0;
        for (Entry e : snapshot()) {
            batches += e.batches();
            records += e.records();
            real += e.realTokens();
            padded += e.paddedTokens();
            busy += e.busyNanos();
        }
        return new Totals(batches, records, real, padded, busy);
    }
}
