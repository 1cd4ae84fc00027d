package io.streamrt.operators;

import io.streamrt.engine.EngineRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.annotation.Internal;

/**
 * What the batch schedulers on one {@link EngineRegistry}'s engines have run so far, per scheduler, for benchmarks and
 * tests that run a mini cluster in-process (on a cluster, read the {@link InferenceMetrics} instead). Kept with the
 * registry, so a test with a registry of its own counts its own batches. Counters only grow: take a snapshot before and
 * after and subtract.
 *
 * <pre>{@code
 * BatchStatistics statistics = BatchStatistics.of(EngineRegistry.shared());
 * BatchStatistics.Totals before = statistics.totals();
 * env.execute();
 * BatchStatistics.Totals run = statistics.totals().minus(before);
 * double padding = run.paddingRatio();
 * }</pre>
 */
@Internal
public final class BatchStatistics {

    /** Guards {@link #open} and {@link #retired} together, so that a scheduler is counted once as it closes. */
    private final Object lock = new Object();
    private final List<Supplier<Entry>> open = new ArrayList<>();
    private Totals retired = new Totals(0, 0, 0, 0, 0);

    /** Statistics of no registry's schedulers: for a scheduler made alone, in a test. */
    public BatchStatistics() {}

    /** The statistics of the schedulers on {@code registry}'s engines. */
    public static BatchStatistics of(EngineRegistry registry) {
        return registry.extension(BatchStatistics.class, BatchStatistics::new);
    }

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
            long paddedTokens, long busyNanos, int queued) {

        /** Its counters without the queue. */
        public Totals totals() {
            return new Totals(batches, records, realTokens, paddedTokens, busyNanos);
        }
    }

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

    /** One scheduler counted here until it closes. */
    public interface Registration {
        /** The scheduler closed: its last counters stay in the totals, it leaves the snapshot. */
        void close();
    }

    /** Counts a scheduler, read through {@code counters}, until the registration is closed. */
    public Registration register(Supplier<Entry> counters) {
        synchronized (lock) {
            open.add(counters);
        }
        return () -> {
            synchronized (lock) {
                if (open.remove(counters)) {
                    retired = retired.plus(counters.get().totals());
                }
            }
        };
    }

    /** Every open scheduler, in creation order. */
    public List<Entry> snapshot() {
        List<Supplier<Entry>> schedulers;
        synchronized (lock) {
            schedulers = List.copyOf(open);
        }
        return schedulers.stream().map(Supplier::get).toList();
    }

    /** Requests waiting for a batch now, in every open scheduler. */
    public int queued() {
        return snapshot().stream().mapToInt(Entry::queued).sum();
    }

    /** What every scheduler counted here ran: the open ones of {@link #snapshot()} and the closed ones. */
    public Totals totals() {
        synchronized (lock) {
            Totals sum = retired;
            for (Supplier<Entry> scheduler : open) {
                sum = sum.plus(scheduler.get().totals());
            }
            return sum;
        }
    }
}
