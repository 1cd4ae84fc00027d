package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    private static final long MS = 1_000_000L;
    private static final InferenceRequest.Callback IGNORE = new InferenceRequest.Callback() {
        @Override
        public void onResult(float[] embedding, int batchSize, long queueNanos, long runNanos) {}

        @Override
        public void onFailure(Throwable error) {}
    };

    private final Object owner = new Object();

    private InferenceRequest request(int tokens, long arrival, long target) {
        return new InferenceRequest(new long[tokens], arrival, arrival + target, owner, IGNORE);
    }

    @Test
    void cutsAsSoonAsABucketReachesTheMaximumBatchSize() {
        BatchPlanner planner = new BatchPlanner(4, 128, 4 * 128, 1_000);
        for (int i = 0; i < 3; i++) {
            planner.add(request(10, 0, 100 * MS));
        }
        assertThat(planner.poll(0)).isNull();

        planner.add(request(12, 0, 100 * MS));

        assertThat(planner.poll(0)).hasSize(4);
        assertThat(planner.queued()).isZero();
    }

    @Test
    void waitsUntilTheOldestRequestWouldMissItsDeadlineThenCuts() {
        // 1 us per token: a batch of 2 x 16 tokens is predicted at 32 us.
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        planner.add(request(10, 0, 100 * MS));
        planner.add(request(12, 5 * MS, 100 * MS));

        long cutAt = planner.nextDecisionNanos();
        assertThat(cutAt).isEqualTo(100 * MS - 2 * 16 * 1_000);
        assertThat(planner.poll(cutAt - 1)).isNull();

        List<InferenceRequest> batch = planner.poll(cutAt);
        assertThat(batch).hasSize(2);
        assertThat(planner.nextDecisionNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void groupsRequestsByTokenLengthSoShortTextsAreNotPaddedToLongOnes() {
        BatchPlanner planner = new BatchPlanner(3, 128, 3 * 128, 1_000);
        planner.add(request(100, 0, 100 * MS));
        for (int i = 0; i < 3; i++) {
            planner.add(request(9 + i, 0, 100 * MS));
        }

        List<InferenceRequest> first = planner.poll(0);

        assertThat(first).extracting(InferenceRequest::length).containsExactly(9, 10, 11);
        assertThat(planner.queued()).isEqualTo(1);
    }

    @Test
    void tokenBudgetLimitsRowsOfLongSequences() {
        BatchPlanner planner = new BatchPlanner(64, 128, 256, 1_000);
        planner.add(request(120, 0, 100 * MS));
        assertThat(planner.poll(0)).isNull();
        planner.add(request(100, 0, 100 * MS));

        assertThat(planner.poll(0)).hasSize(2);

        for (int i = 0; i < 5; i++) {
            planner.add(request(100, 0, 100 * MS));
        }
        assertThat(planner.poll(0)).hasSize(2);
        assertThat(planner.queued()).isEqualTo(3);
    }

    @Test
    void theMostUrgentDueBucketGoesFirst() {
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        planner.add(request(60, 10 * MS, 50 * MS));
        planner.add(request(5, 0, 50 * MS));

        List<InferenceRequest> batch = planner.poll(80 * MS);

        assertThat(batch).extracting(InferenceRequest::length).containsExactly(5);
    }

    @Test
    void learnsTheEnginesCostAndCutsEarlierWhenBatchesGetSlower() {
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        planner.add(request(16, 0, 100 * MS));
        long before = planner.nextDecisionNanos();

        // The engine turns out to take 40 ms for a 4 x 16 batch: 625 us per token.
        for (int i = 0; i < 20; i++) {
            planner.observe(4, 16, 40 * MS);
        }

        long after = planner.nextDecisionNanos();
        assertThat(after).isLessThan(before);
        assertThat(planner.predictNanos(4, 16)).isBetween(30 * MS, 50 * MS);
    }

    @Test
    void noRequestWaitsPastItsDeadlineWhenTheEngineKeepsUp() {
        BatchPlanner planner = new BatchPlanner(8, 128, 8 * 128, 1_000);
        long now = 0;
        List<Long> waits = new ArrayList<>();
        // 200 requests, one every 1 ms, target 20 ms; the engine runs a batch in 1 us per token.
        int next = 0;
        while (next < 200 || planner.queued() > 0) {
            if (next < 200 && next * MS <= now) {
                planner.add(request(8 + next % 50, next * MS, 20 * MS));
                next++;
            }
            List<InferenceRequest> batch = planner.poll(now);
            if (batch != null) {
                int longest = batch.stream().mapToInt(InferenceRequest::length).max().orElseThrow();
                long run = 1_000L * batch.size() * longest;
                planner.observe(batch.size(), longest, run);
                for (InferenceRequest r : batch) {
                    waits.add(now + run - r.arrivalNanos);
                }
                now += run;
            } else {
                long nextArrival = next < 200 ? next * MS : Long.MAX_VALUE;
                now = Math.max(now, Math.min(nextArrival, planner.nextDecisionNanos()));
            }
        }
        assertThat(waits).hasSize(200).allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(20 * MS));
    }

    @Test
    void removesOnlyTheOwnersRequests() {
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        Object other = new Object();
        planner.add(request(10, 0, MS));
        planner.add(new InferenceRequest(new long[10], 0, MS, other, IGNORE));

        assertThat(planner.removeOwnedBy(owner)).hasSize(1);
        assertThat(planner.queued()).isEqualTo(1);
    }
}
