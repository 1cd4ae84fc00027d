package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.SimulatedGpu;
import io.streamrt.operators.BatchingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Replays the planner on a virtual clock against the simulated GPU's cost curve (one stream, the default time
 * scale): Poisson arrivals of lengths spread as the demo texts' are (6 to 128 tokens; quartiles 11, 27, 52; 7% cut at 128), each batch holding the
 * engine for {@link SimulatedGpu#batchMillis}. Deterministic, so a change to the planner shows here as a change
 * in rates, before {@code bench --engine simulated-gpu} measures it on the real job.
 */
class BatchPlannerReplayTest {

    private static final long MS = 1_000_000L;
    private static final long TARGET = 100 * MS;
    private static final double BOUND_MS = 250;
    /** Kafka's and Flink's share of a record's latency outside the scheduler (per-record's p99 in bench, ~10 ms). */
    private static final double PIPELINE_MS = 10;
    private static final int ARRIVALS = 12_000;
    private static final InferenceRequest.Callback IGNORE = new InferenceRequest.Callback() {
        @Override
        public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {}

        @Override
        public void onFailure(Throwable error, InferenceRequest.FailureScope scope) {}
    };

    @Test
    void onAGpuShapedCostCurveAdaptiveHoldsTheLatencyBoundAtRatesStaticCannot() {
        double staticBest = highestRateWithinBound(BatchingMode.STATIC);
        double adaptiveBest = highestRateWithinBound(BatchingMode.ADAPTIVE);

        // Measured when written: static 210/s, adaptive 280/s (1.33x); the split before (a due bucket and its
        // riders) gave adaptive 220/s (1.05x). bench on the real job, demo texts: static 221, adaptive 311.
        assertThat(staticBest).isBetween(150.0, 260.0);
        assertThat(adaptiveBest).as("adaptive over static %s / %s", adaptiveBest, staticBest)
                .isGreaterThanOrEqualTo(1.25 * staticBest);
    }

    @Test
    void everyRequestRunsExactlyOnceAndUnderOverloadBatchesGrowToTheLimit() {
        Replay replay = replay(BatchingMode.ADAPTIVE, 2_000, 3);

        assertThat(replay.ran).isEqualTo(ARRIVALS);
        assertThat(replay.meanBatch).as("mean batch under a backlog").isGreaterThan(48);
    }

    /**
     * Issue 24 asks the adaptive backlog maximum on the simulated GPU to reach 0.95x the engine alone at its best. The
     * engine alone sorts every record by length before batching (0.2% padding); the planner sees only the requests in
     * flight. Replayed with a perfect clock at time scale 6.7 (the engine alone 5,835-5,853 records/s on these
     * lengths; the bench measures 5,871 on its texts), 40,000 requests, each batch's requests replaced as it
     * completes, five length samples: in flight 256 0.83-0.86x, 512 (two subtasks at the default capacity)
     * 0.89-0.94x, 1,024 0.92-0.94x, 4,096 0.95-0.96x. So 0.95x needs thousands of requests in flight, before any gap
     * between runs that a real pipeline adds.
     */
    @Test
    void underABacklogTheSplitApproachesTheSortedEngineOnlyWithThousandsInFlight() {
        double scale = 6.7;
        int[] lengths = lengths(40_000, 1);
        double alone = sortedEngineRecordsPerS(lengths, scale);

        double twoSubtasks = backlogRecordsPerS(lengths, 512, scale) / alone;
        double thousands = backlogRecordsPerS(lengths, 4_096, scale) / alone;

        assertThat(twoSubtasks).as("512 in flight against the sorted engine").isBetween(0.85, 0.95);
        assertThat(thousands).as("4,096 in flight against the sorted engine").isGreaterThanOrEqualTo(0.95);
    }

    /** The engine alone's best: every request sorted by length, in consecutive batches of 64 (as EngineAloneBench). */
    private static double sortedEngineRecordsPerS(int[] lengths, double scale) {
        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        double millis = 0;
        for (int from = 0; from < sorted.length; from += 64) {
            int to = Math.min(sorted.length, from + 64);
            millis += SimulatedGpu.batchMillis(to - from, sorted[to - 1], scale);
        }
        return sorted.length / (millis / 1e3);
    }

    /** One worker always busy; {@code inFlight} requests queued at first, each finished one replaced by the next. */
    private static double backlogRecordsPerS(int[] lengths, int inFlight, double scale) {
        BatchPlanner planner = new BatchPlanner(new SchedulerConfig(BatchingMode.ADAPTIVE, 64, 128, 64 * 128, 10 * MS),
                BatchScheduler.INITIAL_NANOS_PER_TOKEN, 1);
        long now = 0;
        int next = 0;
        int ran = 0;
        for (; next < Math.min(lengths.length, inFlight); next++) {
            planner.add(new InferenceRequest(new long[lengths[next]], now, now + TARGET, "replay", IGNORE));
        }
        while (ran < lengths.length) {
            List<InferenceRequest> batch = planner.poll(now, true);
            int longest = batch.stream().mapToInt(InferenceRequest::length).max().orElseThrow();
            long run = Math.round(SimulatedGpu.batchMillis(batch.size(), longest, scale) * MS);
            planner.observe(batch.size(), longest, run);
            now += run;
            ran += batch.size();
            for (int i = 0; i < batch.size() && next < lengths.length; i++, next++) {
                planner.add(new InferenceRequest(new long[lengths[next]], now, now + TARGET, "replay", IGNORE));
            }
        }
        return ran / (now / 1e9);
    }

    private static double highestRateWithinBound(BatchingMode mode) {
        double best = 0;
        for (double rate = 100; rate <= 600; rate += 10) {
            if (replay(mode, rate, 7).p99Ms > BOUND_MS) {
                break;
            }
            best = rate;
        }
        return best;
    }

    private record Replay(double p99Ms, double meanBatch, int ran) {}

    /** One worker, max batch 64, 128 tokens; static waits at most 10 ms. The first tenth is warm-up. */
    private static Replay replay(BatchingMode mode, double ratePerS, long seed) {
        BatchPlanner planner = new BatchPlanner(new SchedulerConfig(mode, 64, 128, 64 * 128, 10 * MS),
                BatchScheduler.INITIAL_NANOS_PER_TOKEN, 1);
        SplittableRandom random = new SplittableRandom(seed);
        long[] arrivals = new long[ARRIVALS];
        int[] lengths = lengths(ARRIVALS, seed);
        long t = 0;
        for (int i = 0; i < ARRIVALS; i++) {
            t += (long) (-Math.log(1 - random.nextDouble()) / ratePerS * 1e9);
            arrivals[i] = t;
        }
        List<Double> latencies = new ArrayList<>();
        long now = 0;
        long engineFree = 0;
        int next = 0;
        int batches = 0;
        while (next < ARRIVALS || planner.queued() > 0) {
            while (next < ARRIVALS && arrivals[next] <= now) {
                planner.add(new InferenceRequest(new long[lengths[next]], arrivals[next], arrivals[next] + TARGET,
                        "replay", IGNORE));
                next++;
            }
            if (engineFree <= now) {
                List<InferenceRequest> batch = planner.poll(now, true);
                if (batch != null) {
                    int longest = batch.stream().mapToInt(InferenceRequest::length).max().orElseThrow();
                    long run = Math.round(SimulatedGpu.batchMillis(batch.size(), longest,
                            SimulatedGpu.DEFAULT_TIME_SCALE) * MS);
                    planner.observe(batch.size(), longest, run);
                    engineFree = now + run;
                    batches++;
                    for (InferenceRequest request : batch) {
                        latencies.add((engineFree - request.arrivalNanos) / 1e6 + PIPELINE_MS);
                    }
                    continue;
                }
            }
            long nextArrival = next < ARRIVALS ? arrivals[next] : Long.MAX_VALUE;
            long decision = engineFree > now ? engineFree : planner.nextDecisionNanos();
            now = Math.max(now, Math.min(nextArrival, decision));
        }
        List<Double> measured = new ArrayList<>(latencies.subList(latencies.size() / 10, latencies.size()));
        Collections.sort(measured);
        return new Replay(measured.get((int) (measured.size() * 0.99)), latencies.size() / (double) batches,
                latencies.size());
    }

    /** Token lengths spread as the demo texts' are (see the class comment). */
    private static int[] lengths(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            double lognormal = 27 * Math.exp(1.1 * gaussian(random));
            lengths[i] = (int) Math.max(6, Math.min(128, Math.round(lognormal)));
        }
        return lengths;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
