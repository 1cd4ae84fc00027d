package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    private static final long MS = 1_000_000L;
    private static final InferenceRequest.Callback IGNORE = new InferenceRequest.Callback() {
        @Override
        public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {}

        @Override
        public void onFailure(Throwable error, InferenceRequest.FailureScope scope) {}
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
        // Both in the bucket of 113 to 128 tokens: 2 rows x 128 fill the 256-token budget.
        planner.add(request(120, 0, 100 * MS));
        assertThat(planner.poll(0)).isNull();
        planner.add(request(115, 0, 100 * MS));

        assertThat(planner.poll(0)).hasSize(2);

        for (int i = 0; i < 5; i++) {
            planner.add(request(125, 0, 100 * MS));
        }
        assertThat(planner.poll(0)).hasSize(2);
        assertThat(planner.queued()).isEqualTo(3);
    }

    @Test
    void bucketsAreEightTokensWideUpTo64ThenAQuarterOfThePowerOfTwoBelow() {
        List<Integer> bounds = new ArrayList<>();
        for (int length = 8; length <= 256; length += BatchPlanner.bucketStep(length)) {
            bounds.add(length);
        }
        assertThat(bounds).containsExactly(8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256);
    }

    @Test
    void shortRequestsRideAlongWhenTheirPaddingCostsLessThanABatchOfTheirOwn() {
        BatchPlanner planner = twoWorkers(1_000);
        // The engine: 1 ms per batch plus 20 us per padded token, so padding a row by up to ~50 tokens is cheaper
        // than a batch of its own.
        for (int i = 0; i < 200; i++) {
            int rows = 1 + i % 16;
            int length = 8 * (1 + i % 16);
            planner.observe(rows, length, MS + 20_000L * rows * length);
        }
        planner.add(request(60, 0, 100 * MS)); // bucket 64
        planner.add(request(30, 0, 100 * MS)); // bucket 32: 32 tokens short, rides along
        planner.add(request(6, 0, 100 * MS)); // bucket 8: 56 short, waits for its own batch

        List<InferenceRequest> batch = planner.poll(0, true);

        assertThat(batch).extracting(InferenceRequest::length).containsExactly(60, 30);
        assertThat(planner.queued()).isEqualTo(1);
        assertThat(planner.poll(0, true)).extracting(InferenceRequest::length).containsExactly(6);
    }

    @Test
    void whenAShortBucketIsDueLongerRequestsGoInItsBatchIfTheEnginesCostIsMostlyPerBatch() {
        // A GPU-like engine: 30 ms a batch plus 27 us a padded token, so padding a row by up to ~1,100 tokens costs
        // less than a batch of its own: the short request's due batch carries the longer ones, padded to 104.
        BatchPlanner gpu = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(gpu, 30 * MS, 27_000);
        gpu.add(request(10, 0, 100 * MS));
        gpu.add(request(50, 20 * MS, 100 * MS));
        gpu.add(request(100, 40 * MS, 100 * MS));
        long due = gpu.nextDecisionNanos();

        assertThat(gpu.poll(due)).extracting(InferenceRequest::length).containsExactlyInAnyOrder(10, 50, 100);
        assertThat(gpu.queued()).isZero();

        // A CPU-like engine: 0.2 ms a batch plus 20 us a token: padding a row by more than 10 tokens costs more than
        // a batch of its own, so each length goes in its own batch.
        BatchPlanner cpu = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(cpu, 200_000, 20_000);
        cpu.add(request(10, 0, 100 * MS));
        cpu.add(request(50, 20 * MS, 100 * MS));
        cpu.add(request(100, 40 * MS, 100 * MS));

        assertThat(cpu.poll(cpu.nextDecisionNanos())).extracting(InferenceRequest::length).containsExactly(10);
        assertThat(cpu.queued()).isEqualTo(2);
    }

    @Test
    void ridersPayTheirPaddingTogether() {
        // Two workers (a CPU's cores), GPU-like cost: 30 ms a batch plus 27 us a padded token, so one batch's
        // overhead buys ~1,100 padded tokens.
        // Three 16-token requests padded to the long one's 120 cost ~310 tokens: they ride along. Twenty cost
        // ~2,100, more than a batch of their own: the long one goes alone and they go together, unpadded.
        BatchPlanner few = twoWorkers(1_000);
        BatchPlanner many = twoWorkers(1_000);
        teach(few, 30 * MS, 27_000);
        teach(many, 30 * MS, 27_000);
        few.add(request(120, 0, 100 * MS));
        many.add(request(120, 0, 100 * MS));
        for (int i = 0; i < 20; i++) {
            if (i < 3) {
                few.add(request(16, MS, 100 * MS));
            }
            many.add(request(16, MS, 100 * MS));
        }

        assertThat(few.poll(few.nextDecisionNanos(), true)).hasSize(4);
        // The twenty are the more urgent batch (theirs takes longer to run), then the long one alone.
        assertThat(many.poll(many.nextDecisionNanos(), true)).hasSize(20).allMatch(r -> r.length() == 16);
        assertThat(many.poll(many.nextDecisionNanos(), true)).extracting(InferenceRequest::length)
                .containsExactly(120);
    }

    @Test
    void withOneWorkerTheQueueIsSplitWhereItCostsLeastAndTheOldestRequestsBatchGoes() {
        // One GPU stream, 30 ms a batch plus 27 us a padded token. Three short requests padded to the long one's
        // 120 tokens cost ~9 ms more, less than a batch of their own: one batch of four.
        BatchPlanner few = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(few, 30 * MS, 27_000);
        few.add(request(120, 0, 100 * MS));
        for (int i = 0; i < 3; i++) {
            few.add(request(16, MS, 100 * MS));
        }
        assertThat(few.poll(2 * MS, true)).hasSize(4);

        // Twenty padded to 120 would cost ~56 ms more: the long one, the oldest, goes alone, then the twenty.
        BatchPlanner many = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(many, 30 * MS, 27_000);
        for (int i = 0; i < 20; i++) {
            many.add(request(16, MS, 100 * MS));
        }
        many.add(request(120, 0, 100 * MS));
        assertThat(many.poll(2 * MS, true)).extracting(InferenceRequest::length).containsExactly(120);
        assertThat(many.poll(2 * MS, true)).hasSize(20).allMatch(r -> r.length() == 16);
        assertThat(many.queued()).isZero();
    }

    @Test
    void withOneWorkerABatchLeftQueuedCountsHalfItsOverhead() {
        // 30 ms a batch plus 27 us a padded token. Ten 40-token requests padded to 120 cost 21.6 ms more: less than
        // a batch's whole overhead, more than half of it. Staying queued, their batch will be shared with the
        // requests that arrive meanwhile, so it counts half an overhead: the long ones, the oldest, go alone.
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(planner, 30 * MS, 27_000);
        for (int i = 0; i < 12; i++) {
            planner.add(request(120, 0, 100 * MS));
        }
        for (int i = 0; i < 10; i++) {
            planner.add(request(40, MS, 100 * MS));
        }

        assertThat(planner.poll(2 * MS, true)).hasSize(12).allMatch(r -> r.length() == 120);
        assertThat(planner.poll(2 * MS, true)).hasSize(10).allMatch(r -> r.length() == 40);
    }

    @Test
    void withOneWorkerAnEngineWhoseCostIsAllPerTokenRunsEachLengthApartAndEqualLengthsTogether() {
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        teach(planner, 0, 20_000);
        planner.add(request(41, 0, 100 * MS));
        for (int i = 0; i < 5; i++) {
            planner.add(request(40, (i + 1) * MS, 100 * MS));
        }

        assertThat(planner.poll(5 * MS, true)).extracting(InferenceRequest::length).containsExactly(41);
        assertThat(planner.poll(5 * MS, true)).as("a tie goes to the larger batch").hasSize(5);
    }

    @Test
    void withTwoWorkersABatchIsNoLargerThanCanFinishBeforeItsOldestRequestsDeadline() {
        // 0.2 ms per padded token: a row of 40 tokens costs 8 ms; the bucket is full at 64 rows (512 ms). The rows
        // cut off can start at once on the other worker.
        BatchPlanner planner = twoWorkers(200_000);
        for (int i = 0; i < 64; i++) {
            planner.add(request(40, 0, 100 * MS));
        }

        List<InferenceRequest> batch = planner.poll(20 * MS, true);

        assertThat(batch).as("80 ms left: 10 rows of 8 ms").hasSize(10);
        assertThat(planner.lastBatchLimit()).isEqualTo(10);
        // Once late, a batch runs for at most one latency target (100 ms): 12 rows.
        assertThat(planner.poll(150 * MS, true)).hasSize(12);
    }

    @Test
    void withOneWorkerABatchTakesEverythingQueuedUpToItsLimits() {
        // As above, but the rows cut off would only wait for this batch and then pay a batch of their own.
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 200_000);
        for (int i = 0; i < 64; i++) {
            planner.add(request(40, 0, 100 * MS));
        }

        assertThat(planner.poll(20 * MS, true)).hasSize(64);
        assertThat(planner.queued()).isZero();
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

    @Test
    void anIdleEngineTakesARequestAtOnceWhenLoadIsLow() {
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 1_000);
        // One request every 10 ms; a row of 16 tokens costs 16 us: the engine is almost always idle.
        planner.add(request(12, 0, 100 * MS));
        planner.add(request(12, 10 * MS, 100 * MS));

        assertThat(planner.poll(10 * MS, false)).as("a busy engine waits for the deadline").isNull();
        assertThat(planner.poll(10 * MS, true)).as("an idle engine gains nothing by waiting").hasSize(2);
    }

    @Test
    void aLongTextAmongShortOnesGoesAtOnceWhenTheEngineKeepsUpOnAverage() {
        // 20 us per token; a 12-token request every 1 ms keeps the engine ~32% busy.
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 20_000);
        long now = 0;
        for (int i = 0; i < 50; i++, now += MS) {
            planner.add(request(12, now, 100 * MS));
            assertThat(planner.poll(now, true)).hasSize(1);
        }
        // Alone it costs 2.6 ms, more than the gap between arrivals, yet waiting would not make it cheaper.
        planner.add(request(120, now, 100 * MS));

        assertThat(planner.poll(now, true)).extracting(InferenceRequest::length).containsExactly(120);
    }

    @Test
    void nearSaturationRequestsWaitForCompanyUntilTheirDeadline() {
        // 2 ms per batch + 31.25 us per token: a 16-token row costs 0.9 ms in a batch of 5, 0.53 ms in one of 64.
        BatchPlanner planner = twoWorkers(62_500);
        teach(planner, 2_000_000, 31_250);
        // A request every 0.5 ms: batches of 5 would keep both workers 90% busy.
        for (int i = 0; i < 5; i++) {
            planner.add(request(16, i * MS / 2, 100 * MS));
        }

        assertThat(planner.poll(5 * MS, true)).isNull();
        long cutAt = planner.nextDecisionNanos();
        assertThat(cutAt).isCloseTo(100 * MS - planner.predictNanos(5, 16), org.assertj.core.api.Assertions.within(1L));
        assertThat(planner.predictNanos(5, 16)).isCloseTo(2_000_000 + 5 * 16 * 31_250,
                org.assertj.core.api.Assertions.within(10_000L));
        assertThat(planner.poll(cutAt, true)).hasSize(5);
    }

    @Test
    void nearSaturationAnEngineThatGainsNothingByBatchingDoesNotMakeRequestsWait() {
        // All cost per token (62.5 us): a 16-token row costs 1 ms alone or in a full batch.
        BatchPlanner planner = new BatchPlanner(64, 128, 64 * 128, 62_500);
        teach(planner, 0, 62_500);
        for (int i = 0; i < 5; i++) {
            planner.add(request(16, i * MS, 100 * MS));
        }

        assertThat(planner.poll(5 * MS, true)).hasSize(5);
    }

    @Test
    void nearSaturationARareLongTextDoesNotWaitForCompanyThatDoesNotCome() {
        // 1 ms per batch + 62.5 us per token. A 16-token request every 0.25 ms keeps two workers saturated in small
        // batches, so short requests wait for company; the 112-token one, the first of its length in 65 arrivals,
        // costs 7 ms a row against the 1 ms overhead: a full batch would make it only 12% cheaper, so it goes.
        BatchPlanner planner = twoWorkers(62_500);
        teach(planner, 1_000_000, 62_500);
        long now = 0;
        for (int i = 0; i < 64; i++, now += MS / 4) {
            planner.add(request(16, now, 100 * MS));
        }
        assertThat(planner.poll(now, false)).as("a full bucket goes, half of it: batching gains little here, and the "
                + "other worker takes the rest").hasSize(32);
        while (planner.poll(now, true) != null) {
            // the rest, as the workers free up
        }
        planner.add(request(16, now, 100 * MS));
        planner.add(request(112, now, 100 * MS));

        assertThat(planner.poll(now, true)).extracting(InferenceRequest::length).containsExactly(112);
        assertThat(planner.poll(now, true)).as("the short one still waits for company").isNull();
    }

    @Test
    void onACpuShapedCurveRequestsNeverWaitForCompanyAndTheQueueIsSharedByTheWorkers() {
        // 0.1 ms per batch + 62.5 us per token: a 16-token row costs 1.1 ms alone, 1.0 ms in a full batch (~9%).
        BatchPlanner planner = twoWorkers(62_500);
        teach(planner, 100_000, 62_500);
        long now = 0;
        // A request every 0.5 ms: both workers ~100% busy, where a GPU-shaped curve would make them wait.
        for (int i = 0; i < 9; i++, now += MS / 2) {
            planner.add(request(16, now, 100 * MS));
        }

        assertThat(planner.poll(now, true)).as("half the queue, rounded up: the other worker takes the rest")
                .hasSize(5);
        assertThat(planner.poll(now, true)).as("half of what is left").hasSize(2);
        assertThat(planner.poll(now, true)).hasSize(1);
        assertThat(planner.poll(now, true)).hasSize(1);
        planner.add(request(16, now, 100 * MS));
        assertThat(planner.poll(now, true)).as("alone, at once").hasSize(1);
    }

    @Test
    void onAGpuShapedCurveWithSeveralStreamsAFullBucketStaysOneBatch() {
        // 30 ms per batch + 1.9 us per token: the overhead is most of a small batch's cost.
        BatchPlanner planner = twoWorkers(1_900);
        teach(planner, 30_000_000, 1_900);
        for (int i = 0; i < 64; i++) {
            planner.add(request(40, i * MS / 10, 500 * MS));
        }

        assertThat(planner.poll(7 * MS, true)).hasSize(64);
    }

    /** Runs batches of varied sizes through the planner's model: time = overhead + cost per padded token. */
    private static void teach(BatchPlanner planner, long overheadNanos, long nanosPerToken) {
        for (int i = 0; i < 40; i++) {
            int rows = 1 + i % 8;
            int length = 8 * (1 + i % 4);
            planner.observe(rows, length, overheadNanos + nanosPerToken * rows * length);
        }
    }

    @Test
    void anEngineRunningTwoBatchesAtOnceKeepsUpWithTwiceTheLoadWithoutWaiting() {
        // 1 ms per batch + 31.25 us per token: 0.875 ms per 12-token row in a batch of 2. Two workers, a request
        // every 0.4 ms: saturated in batches of 2, so a free worker waits for company; every 0.8 ms: 55% busy, so
        // it goes at once.
        BatchPlanner busy = twoWorkers(62_500);
        BatchPlanner light = twoWorkers(62_500);
        teach(busy, 1_000_000, 31_250);
        teach(light, 1_000_000, 31_250);
        for (int i = 0; i < 2; i++) {
            busy.add(request(12, i * 400_000L, 100 * MS));
            light.add(request(12, i * 800_000L, 100 * MS));
        }

        assertThat(busy.poll(MS, true)).as("near saturation a free worker of two waits for company").isNull();
        assertThat(light.poll(MS, true)).as("a free worker of two goes at once").hasSize(2);
    }

    @Test
    void aSingleWorkerNeverWaitsForCompanyWhileIdle() {
        // As the saturated case above, with one worker: nothing else could use the engine while it waited, and the
        // requests that arrive during this batch make the next one (bench --engine simulated-gpu: +15-30%
        // latency-bounded rate against waiting).
        BatchPlanner one = new BatchPlanner(64, 128, 64 * 128, 62_500);
        teach(one, 1_000_000, 31_250);
        for (int i = 0; i < 2; i++) {
            one.add(request(12, i * 400_000L, 100 * MS));
        }

        assertThat(one.poll(MS, true)).hasSize(2);
        assertThat(one.lastCut()).isEqualTo("idle");
    }

    @Test
    void whileTheEngineRunsOnlyAFullBatchIsCutAheadAndItIsTheBatchAFreeWorkerWouldCut() {
        // One GPU stream, 30 ms a batch plus 27 us a padded token, batches of at most 4.
        BatchPlanner ahead = new BatchPlanner(4, 128, 4 * 128, 1_000);
        BatchPlanner free = new BatchPlanner(4, 128, 4 * 128, 1_000);
        teach(ahead, 30 * MS, 27_000);
        teach(free, 30 * MS, 27_000);
        List<InferenceRequest> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(request(9 + i, i * MS, 100 * MS));
        }
        requests.subList(0, 3).forEach(ahead::add);

        assertThat(ahead.pollFull(3 * MS)).as("three of four rows: the requests arriving meanwhile join").isNull();
        assertThat(ahead.queued()).isEqualTo(3);

        requests.subList(3, 8).forEach(ahead::add);
        requests.forEach(free::add);
        List<InferenceRequest> prepared = ahead.pollFull(8 * MS);

        assertThat(prepared).hasSize(4).contains(requests.get(0)).containsExactlyElementsOf(free.poll(8 * MS, true));
        assertThat(ahead.lastCut()).isEqualTo("full");
        assertThat(ahead.lastBatchLimit()).isEqualTo(4);
        assertThat(ahead.queued()).isEqualTo(4);
    }

    @Test
    void withOneWorkerNothingIsCutAheadWhenTheMostUrgentRequestsBatchIsNotFull() {
        // All cost per token: the long request, the oldest, goes alone; the four short ones make a full batch, but
        // it is not the next one a free worker would cut.
        BatchPlanner planner = new BatchPlanner(4, 128, 4 * 128, 1_000);
        teach(planner, 0, 20_000);
        planner.add(request(120, 0, 100 * MS));
        for (int i = 0; i < 4; i++) {
            planner.add(request(16, MS, 100 * MS));
        }

        assertThat(planner.pollFull(2 * MS)).isNull();
        assertThat(planner.poll(2 * MS, true)).extracting(InferenceRequest::length).containsExactly(120);
        assertThat(planner.pollFull(2 * MS)).hasSize(4).allMatch(r -> r.length() == 16);
    }

    @Test
    void withSeveralWorkersOrStaticBatchingAFullBucketIsCutAheadAndADueOneIsNot() {
        BatchPlanner two = twoWorkers(1_000);
        for (int i = 0; i < 63; i++) {
            two.add(request(40, 0, 100 * MS));
        }
        assertThat(two.pollFull(200 * MS)).as("due, one row short").isNull();
        two.add(request(40, 0, 100 * MS));
        assertThat(two.pollFull(0)).as("its share of the queue: the other worker takes the rest").hasSize(32);
        assertThat(two.lastCut()).isEqualTo("full");

        BatchPlanner fifo = new BatchPlanner(
                new SchedulerConfig(io.streamrt.operators.BatchingMode.STATIC, 3, 128, 3 * 128, 10 * MS), 1_000, 1);
        fifo.add(request(100, 0, 100 * MS));
        fifo.add(request(9, 0, 100 * MS));
        assertThat(fifo.pollFull(20 * MS)).as("past the max delay, but two of three").isNull();
        fifo.add(request(9, 0, 100 * MS));
        assertThat(fifo.pollFull(20 * MS)).extracting(InferenceRequest::length).containsExactly(100, 9, 9);
    }

    private static BatchPlanner twoWorkers(double initialNanosPerToken) {
        return new BatchPlanner(new SchedulerConfig(io.streamrt.operators.BatchingMode.ADAPTIVE, 64, 128, 64 * 128, 0),
                initialNanosPerToken, 2);
    }

    @Test
    void staticModeIsFirstInFirstOutAndCutsOnSizeOrMaxDelay() {
        SchedulerConfig config = new SchedulerConfig(io.streamrt.operators.BatchingMode.STATIC, 3, 128, 3 * 128, 10 * MS);
        BatchPlanner planner = new BatchPlanner(config, 1_000, 1);
        planner.add(request(100, 0, 100 * MS));
        planner.add(request(9, 1 * MS, 100 * MS));

        assertThat(planner.poll(1 * MS, true)).as("static never dispatches early").isNull();
        assertThat(planner.nextDecisionNanos()).isEqualTo(10 * MS);
        assertThat(planner.poll(10 * MS, false)).extracting(InferenceRequest::length).containsExactly(100, 9);

        for (int i = 0; i < 3; i++) {
            planner.add(request(9 + 40 * (i % 2), 20 * MS, 100 * MS));
        }
        assertThat(planner.poll(20 * MS, false)).as("full at 3, lengths mixed").extracting(InferenceRequest::length)
                .containsExactly(9, 49, 9);
    }

    @Test
    void underOverloadBatchesAreFullAndTheQueueStaysWithinTheSubmittersCapacity() {
        int capacity = 200;
        BatchPlanner planner = new BatchPlanner(32, 128, 32 * 128, 20_000);
        long overhead = MS;
        long now = 0;
        int outstanding = 0;
        int maxQueued = 0;
        List<Integer> sizes = new ArrayList<>();
        // The source could offer a record every 0.1 ms; the engine needs ~0.3 ms per record: overload.
        for (int step = 0; step < 2_000; step++) {
            while (outstanding < capacity) {
                planner.add(request(10 + (step + outstanding) % 20, now, 100 * MS));
                outstanding++;
            }
            maxQueued = Math.max(maxQueued, planner.queued());
            List<InferenceRequest> batch = planner.poll(now, true);
            if (batch == null) {
                now = planner.nextDecisionNanos();
                continue;
            }
            int longest = batch.stream().mapToInt(InferenceRequest::length).max().orElseThrow();
            long run = overhead + 20_000L * batch.size() * longest;
            planner.observe(batch.size(), longest, run);
            now += run;
            outstanding -= batch.size();
            sizes.add(batch.size());
        }
        assertThat(maxQueued).isLessThanOrEqualTo(capacity);
        List<Integer> steady = sizes.subList(sizes.size() / 2, sizes.size());
        assertThat(steady.stream().mapToInt(Integer::intValue).average().orElseThrow())
                .as("batches under overload").isGreaterThan(24);
    }

    @Test
    void whenLoadFallsBatchesShrinkAgainWithinAFewBatches() {
        BatchPlanner planner = new BatchPlanner(32, 128, 32 * 128, 20_000);
        for (int i = 0; i < 32 * 5; i++) {
            planner.add(request(16, 0, 100 * MS));
        }
        long now = 0;
        while (planner.queued() > 0) {
            List<InferenceRequest> batch = planner.poll(now, true);
            planner.observe(batch.size(), 16, 20_000L * batch.size() * 16);
            now += 20_000L * batch.size() * 16;
        }
        // Then one request every 50 ms: each goes alone, at once.
        List<Integer> sizes = new ArrayList<>();
        long waited = 0;
        for (int i = 0; i < 6; i++) {
            now += 50 * MS;
            planner.add(request(16, now, 100 * MS));
            List<InferenceRequest> batch = planner.poll(now, true);
            if (batch != null) {
                sizes.add(batch.size());
            } else {
                waited++;
                now = planner.nextDecisionNanos();
                sizes.add(planner.poll(now, true).size());
            }
        }
        assertThat(sizes.subList(2, sizes.size())).containsOnly(1);
        assertThat(waited).as("requests held back once the rate fell").isLessThanOrEqualTo(2);
    }
}
