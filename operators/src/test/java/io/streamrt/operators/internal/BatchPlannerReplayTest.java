package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.SimulatedGpu;
import io.streamrt.operators.BatchingMode;
import java.util.ArrayList;
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
        int[] lengths = new int[ARRIVALS];
        long t = 0;
        for (int i = 0; i < ARRIVALS; i++) {
            t += (long) (-Math.log(1 - random.nextDouble()) / ratePerS * 1e9);
            arrivals[i] = t;
            double lognormal = 27 * Math.exp(1.1 * gaussian(random));
            lengths[i] = (int) Math.max(6, Math.min(128, Math.round(lognormal)));
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

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
