package io.streamrt.operators;

import java.util.List;
import org.apache.flink.annotation.Internal;

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
@Internal
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
     * @param queued requests waiting for a batch now
     */
    public record Entry(String engineId, BatchingMode mode, long batches, long records, long realTokens,
            long paddedTokens, long busyNanos, int queued) {}

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

        public Totals plus(Totals other) {
            return new Totals(batches + other.batches, records + other.records, realTokens + other.realTokens,
                    paddedTokens + other.paddedTokens, busyNanos + other.busyNanos);
        }

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

    /** Every open scheduler in this JVM, in creation order. */
    public static List<Entry> snapshot() {
        return io.streamrt.operators.internal.BatchScheduler.statistics();
    }

    /** Requests waiting for a batch now, in every open scheduler of this JVM. */
    public static int queued() {
        return snapshot().stream().mapToInt(Entry::queued).sum();
    }

    /** What every scheduler created in this JVM ran: the open ones of {@link #snapshot()} and the closed ones. */
    public static Totals totals() {
        return io.streamrt.operators.internal.BatchScheduler.totals();
    }
}
