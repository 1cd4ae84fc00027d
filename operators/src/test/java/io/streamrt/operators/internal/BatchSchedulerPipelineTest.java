package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker runs the engine and nothing else: callbacks run on the results threads while the engine runs the next
 * batch, and at saturation the next full batch is cut and padded before the current run returns. An engine whose
 * every run waits for a permit from the test drives the order of events; nothing is timed.
 */
class BatchSchedulerPipelineTest {

    private static final String NAME = "pipeline-test";
    private static final long TARGET = TimeUnit.SECONDS.toNanos(30);

    private final GatedEngine engine = new GatedEngine(4);
    private final Object owner = new Object();
    private BatchScheduler scheduler;

    @AfterEach
    void close() {
        engine.allow(1_000);
        if (scheduler != null) {
            scheduler.close();
        }
    }

    /** Static batching with a long delay: every batch is cut because it is full, at {@code rows}. */
    private BatchScheduler staticBatches(int rows) {
        scheduler = new BatchScheduler(engine, new SchedulerConfig(BatchingMode.STATIC, rows, 32, rows * 32L, TARGET),
                NAME, new BatchStatistics());
        return scheduler;
    }

    private Outcome submit(Object owner, long token) {
        return submit(owner, token, new Outcome());
    }

    private Outcome submit(Object owner, long token, Outcome outcome) {
        long now = scheduler.nowNanos();
        outcome.ids = new long[] {101, token, token + 1, 102};
        outcome.request = new InferenceRequest(outcome.ids, now, now + TARGET, owner, outcome);
        scheduler.submit(outcome.request);
        return outcome;
    }

    private List<Outcome> submitBatch(int rows, long firstToken) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            outcomes.add(submit(owner, firstToken + 10 * i));
        }
        return outcomes;
    }

    @Test
    void callbacksRunOnAResultsThreadAndTheEngineStartsTheNextBatchBeforeTheyFinish() throws Exception {
        staticBatches(1);
        engine.allow(1_000);
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch letCallbackEnd = new CountDownLatch(1);
        Outcome first = submit(owner, 2000, new Outcome() {
            @Override
            public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {
                super.onResult(row, batchSize, queueNanos, runNanos);
                inCallback.countDown();
                await(letCallbackEnd);
            }
        });
        assertThat(inCallback.await(10, TimeUnit.SECONDS)).isTrue();

        Outcome second = submit(owner, 3000);

        assertThat(engine.awaitRuns(2)).as("the second batch runs while the first's callback blocks").isTrue();
        letCallbackEnd.countDown();
        second.awaitDone();
        assertThat(List.of(first.thread, second.thread)).allSatisfy(
                thread -> assertThat(thread.getName()).startsWith("streamrt-results-" + NAME + "-"));
        assertThat(engine.threads).hasSize(2).allSatisfy(
                thread -> assertThat(thread).startsWith("streamrt-batcher-" + NAME + "-"));
        first.assertOneResultOfItsOwnRow();
        second.assertOneResultOfItsOwnRow();
    }

    @Test
    void aCallbackThatThrowsDoesNotStopTheResultsThread() throws Exception {
        staticBatches(1);
        engine.allow(1_000);
        Outcome throwing = submit(owner, 2000, new Outcome() {
            @Override
            public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {
                super.onResult(row, batchSize, queueNanos, runNanos);
                throw new IllegalStateException("the owner closed");
            }
        });
        throwing.awaitDone();

        Outcome next = submit(owner, 3000);

        next.awaitDone();
        next.assertOneResultOfItsOwnRow();
        assertThat(next.thread).isSameAs(throwing.thread);
    }

    @Test
    void atSaturationTheNextFullBatchIsCutAndPaddedWhileTheCurrentOneRuns() throws Exception {
        staticBatches(4);
        List<Outcome> outcomes = new ArrayList<>(submitBatch(4, 2000));
        assertThat(engine.awaitRuns(1)).isTrue();

        outcomes.addAll(submitBatch(4, 3000));

        awaitThat(() -> scheduler.batchesPreparedAhead() == 1, "the second batch prepared while the first runs");
        assertThat(scheduler.queued()).isZero();
        outcomes.addAll(submitBatch(4, 4000));
        assertThat(scheduler.queued()).as("one batch is prepared at a time").isEqualTo(4);

        engine.allow(1);
        assertThat(engine.awaitRuns(2)).isTrue();
        awaitThat(() -> scheduler.batchesPreparedAhead() == 2, "the third batch prepared while the second runs");
        assertThat(scheduler.queued()).isZero();
        engine.allow(2);

        for (Outcome outcome : outcomes) {
            outcome.awaitDone();
            outcome.assertOneResultOfItsOwnRow();
        }
        assertThat(engine.batchSizes).containsExactly(4, 4, 4);
    }

    @Test
    void aPreparedBatchWithAPoisonRecordIsRunAgainInHalvesOnTheWorkerAndOnlyThatRecordFails() throws Exception {
        staticBatches(4);
        engine.poison = 3020;
        List<Outcome> first = submitBatch(4, 2000);
        assertThat(engine.awaitRuns(1)).isTrue();
        List<Outcome> second = submitBatch(4, 3000);
        awaitThat(() -> scheduler.batchesPreparedAhead() == 1, "the second batch prepared");

        engine.allow(1_000);

        for (Outcome outcome : first) {
            outcome.awaitDone();
            outcome.assertOneResultOfItsOwnRow();
        }
        for (Outcome outcome : second) {
            outcome.awaitDone();
            assertThat(outcome.thread.getName()).startsWith("streamrt-results-" + NAME + "-");
        }
        assertThat(second.get(2).calls).containsExactly("RECORD: rejected");
        List.of(second.get(0), second.get(1), second.get(3)).forEach(Outcome::assertOneResultOfItsOwnRow);
        // The failed batch of 4, then its halves of 2, then the poisoned half's records alone.
        assertThat(engine.batchSizes).containsExactly(4, 4, 2, 2, 1, 1);
        assertThat(scheduler.isolationRuns()).isEqualTo(4);
        assertThat(scheduler.recordsIsolated()).isEqualTo(1);
        assertThat(engine.threads).allSatisfy(thread -> assertThat(thread).startsWith("streamrt-batcher-" + NAME));
    }

    @Test
    void belowSaturationNothingIsCutAheadAndRequestsArrivingDuringARunJoinTheNextBatch() throws Exception {
        scheduler = new BatchScheduler(engine, new SchedulerConfig(BatchingMode.ADAPTIVE, 4, 32, 4 * 32, 0), NAME,
                new BatchStatistics());
        List<Outcome> outcomes = new ArrayList<>(submitBatch(1, 2000));
        assertThat(engine.awaitRuns(1)).isTrue();
        outcomes.addAll(submitBatch(3, 3000));

        engine.allow(2);

        for (Outcome outcome : outcomes) {
            outcome.awaitDone();
            outcome.assertOneResultOfItsOwnRow();
        }
        assertThat(engine.batchSizes).containsExactly(1, 3);
        engine.allow(1_000);
        for (int i = 0; i < 5; i++) {
            Outcome alone = submit(owner, 5000 + i);
            alone.awaitDone();
            alone.assertOneResultOfItsOwnRow();
        }
        assertThat(scheduler.batchesPreparedAhead()).as("a trickle, and a batch short of full").isZero();
    }

    @Test
    void aPreparedBatchCountsAsRunningItsRequestsCannotBeCancelledAndGetExactlyOneResult() throws Exception {
        staticBatches(2);
        Object closing = new Object();
        List<Outcome> running = submitBatch(2, 2000);
        assertThat(engine.awaitRuns(1)).isTrue();
        List<Outcome> prepared = List.of(submit(closing, 3000), submit(closing, 3010));
        awaitThat(() -> scheduler.batchesPreparedAhead() == 1, "the second batch prepared");
        Outcome queued = submit(closing, 4000);

        assertThat(scheduler.cancel(prepared.get(0).request)).as("no longer queued").isFalse();
        assertThat(scheduler.cancel(closing)).as("only the queued request is dropped").isEqualTo(1);
        engine.allow(2);

        for (Outcome outcome : running) {
            outcome.awaitDone();
            outcome.assertOneResultOfItsOwnRow();
        }
        for (Outcome outcome : prepared) {
            outcome.awaitDone();
            outcome.assertOneResultOfItsOwnRow();
        }
        scheduler.close();
        assertThat(queued.calls).as("a dropped request gets no callback").isEmpty();
    }

    @Test
    void closeDeliversTheResultsOfTheBatchesRunAndFailsThePreparedAndQueuedRequests() throws Exception {
        staticBatches(2);
        List<Outcome> running = submitBatch(2, 2000);
        assertThat(engine.awaitRuns(1)).isTrue();
        List<Outcome> prepared = submitBatch(2, 3000);
        awaitThat(() -> scheduler.batchesPreparedAhead() == 1, "the second batch prepared");
        Outcome queued = submit(owner, 4000);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(scheduler::close);
        awaitThat(() -> scheduler.queued() == 0, "close took the queue");
        engine.allow(1);
        closing.get(30, TimeUnit.SECONDS);

        // Without waiting: close returned after every callback.
        running.forEach(Outcome::assertOneResultOfItsOwnRow);
        List<Outcome> notRun = new ArrayList<>(prepared);
        notRun.add(queued);
        assertThat(notRun).allSatisfy(outcome -> assertThat(outcome.calls).containsExactly(
                "BATCH: the batch scheduler closed before this request ran: its engine was released"));
        assertThat(engine.batchSizes).containsExactly(2);
        assertThatThrownBy(() -> submit(owner, 5000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the batch scheduler is closed");
    }

    private static void awaitThat(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** What one request was told, and on which thread. */
    private static class Outcome implements InferenceRequest.Callback {
        final List<Object> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Thread thread;
        long[] ids;
        InferenceRequest request;

        @Override
        public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {
            thread = Thread.currentThread();
            float[] values = row.output().hiddenState().row(row.index());
            calls.add(Arrays.copyOf(values, row.length() * ScriptedEngine.HIDDEN_SIZE));
            done.countDown();
        }

        @Override
        public void onFailure(Throwable error, FailureScope scope) {
            thread = Thread.currentThread();
            calls.add(scope + ": " + error.getMessage());
            done.countDown();
        }

        void awaitDone() {
            await(done);
        }

        /** One result, bit for bit what the engine gives these tokens whatever their batch and padding. */
        void assertOneResultOfItsOwnRow() {
            float[] expected = new float[ids.length * ScriptedEngine.HIDDEN_SIZE];
            for (int t = 0; t < ids.length; t++) {
                for (int d = 0; d < ScriptedEngine.HIDDEN_SIZE; d++) {
                    expected[t * ScriptedEngine.HIDDEN_SIZE + d] = ScriptedEngine.valueOf(ids[t], d);
                }
            }
            assertThat(calls).hasSize(1);
            assertThat((float[]) calls.get(0)).containsExactly(expected);
        }
    }

    /**
     * One batch at a time, as a GPU stream; every run waits for a permit ({@link #allow}) and records its thread and
     * size as it starts. Outputs as {@link ScriptedEngine}'s: a function of each token id, in fresh arrays.
     */
    private static final class GatedEngine implements InferenceEngine {
        private final EngineInfo info;
        private final Semaphore permits = new Semaphore(0);
        private final BlockingQueue<Integer> started = new LinkedBlockingQueue<>();
        private int runsSeen;
        /** A token whose batches fail as a model that rejects one input does; -1 for none. */
        volatile long poison = -1;
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        GatedEngine(int maxBatchSize) {
            info = new EngineInfo("gated", "test", "fp32", maxBatchSize, 32, List.of(new ModelSignature.Tensor(
                    ScriptedEngine.OUTPUT, "float32", new long[] {-1, -1, ScriptedEngine.HIDDEN_SIZE})), 1);
        }

        void allow(int runs) {
            permits.release(runs);
        }

        /** Whether {@code runs} runs in all have started, within 10 seconds. */
        boolean awaitRuns(int runs) throws InterruptedException {
            while (runsSeen < runs) {
                if (started.poll(10, TimeUnit.SECONDS) == null) {
                    return false;
                }
                runsSeen++;
            }
            return true;
        }

        @Override
        public EngineInfo info() {
            return info;
        }

        @Override
        public EncoderOutput run(EncoderBatch batch) {
            threads.add(Thread.currentThread().getName());
            batchSizes.add(batch.size());
            started.add(batch.size());
            permits.acquireUninterruptibly();
            long[] ids = batch.inputIds();
            for (long id : ids) {
                if (id == poison) {
                    throw new EngineException("rejected");
                }
            }
            float[] hidden = new float[ids.length * ScriptedEngine.HIDDEN_SIZE];
            for (int i = 0; i < ids.length; i++) {
                for (int d = 0; d < ScriptedEngine.HIDDEN_SIZE; d++) {
                    hidden[i * ScriptedEngine.HIDDEN_SIZE + d] = ScriptedEngine.valueOf(ids[i], d);
                }
            }
            return EncoderOutput.of(0, new OutputTensor(ScriptedEngine.OUTPUT,
                    new long[] {batch.size(), batch.sequenceLength(), ScriptedEngine.HIDDEN_SIZE}, hidden));
        }

        @Override
        public void close() {}
    }
}
