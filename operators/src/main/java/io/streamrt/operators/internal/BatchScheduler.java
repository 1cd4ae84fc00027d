package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineFailedException;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch scheduler of one engine (and batching configuration), shared by every operator subtask in the JVM
 * that uses them, so batches fill from all slots. Three calls: {@link #submit}, {@link #cancel}, {@link #close}.
 *
 * <p>{@code submit} never blocks and never runs the model. Worker threads ({@code streamrt-batcher-<name>-<i>}), one
 * per batch the engine can run at once ({@code maxConcurrentBatches}: 1 on a GPU stream, one per core on a CPU), take
 * batches from the {@link BatchQueue} as {@link BatchPlanner} decides, pad them and run them, and nothing else: each
 * batch's results go to the {@link ResultStage} ({@code streamrt-results-<name>-<i>}, as many threads as workers),
 * whose threads call the requests' callbacks (the task heads' post-processing) while the worker runs the next batch.
 * At saturation, while every worker runs, the queue's preparer thread cuts and pads the next batch as soon as the
 * queue holds a full one, so a worker starts it the moment its run returns; below saturation nothing is cut before a
 * worker is free, so the requests that arrive during a run join the next batch. The queue is bounded by the
 * operators' async capacity (records in flight per subtask), so overload shows up as Flink backpressure, not memory
 * growth.
 *
 * <p>A request is queued until its batch is cut; from then on (a prepared batch waiting for a worker included) it is
 * running: {@link #cancel} no longer takes it back, and it gets exactly one callback.
 *
 * <p>A batch that fails with a non-fatal engine error (an {@link EngineException} that is not an
 * {@link EngineFailedException}) may fail because of one record: the scheduler runs it again in halves, down to
 * single records, and fails only the records that fail alone ({@link FailureScope#RECORD}); the others get their
 * results. One poison record in a batch of {@code n} costs at most about {@code 2 log2(n)} extra runs. A fatal
 * engine failure fails every request of the batch with {@link FailureScope#ENGINE}.
 */
@Internal
public final class BatchScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    /** Run-time guess before the first batch: MiniLM-L6 INT8 on one CPU core is ~50 us per token. */
    static final double INITIAL_NANOS_PER_TOKEN = 50_000;

    private final InferenceEngine engine;
    private final String name;
    private final SchedulerConfig config;
    private final LongSupplier clock;
    private final BatchQueue queue;
    private final List<Thread> workers = new ArrayList<>();
    private final ResultStage results;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong paddedTokens = new AtomicLong();
    private final AtomicLong realTokens = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong isolationRuns = new AtomicLong();
    private final AtomicLong recordsIsolated = new AtomicLong();
    private final BusyWindow busy;
    private final BatchStatistics.Registration counted;

    /**
     * @param engine runs the batches; not closed by the scheduler
     * @param name for the threads and statistics, e.g. the engine id
     * @param statistics where it counts what it runs, until it closes
     */
    BatchScheduler(InferenceEngine engine, SchedulerConfig config, String name, BatchStatistics statistics) {
        this(engine, config, name, statistics, System::nanoTime);
    }

    BatchScheduler(InferenceEngine engine, SchedulerConfig config, String name, BatchStatistics statistics,
            LongSupplier clock) {
        this.engine = engine;
        this.name = name;
        this.clock = clock;
        int rows = Math.min(config.maxBatchSize(), engine.info().maxBatchSize());
        int length = Math.min(config.maxSequenceLength(), engine.info().maxSequenceLength());
        this.config = new SchedulerConfig(config.mode(), rows, length, config.tokenBudget(), config.maxDelayNanos());
        this.queue = new BatchQueue(this.config, engine.info().maxConcurrentBatches(), name, clock);
        this.busy = new BusyWindow(engine.info().maxConcurrentBatches(), clock.getAsLong());
        for (int i = 0; i < engine.info().maxConcurrentBatches(); i++) {
            Thread worker = new Thread(this::loop, "streamrt-batcher-" + name + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
        }
        this.results = new ResultStage(name, workers.size());
        counted = statistics.register(this::counters);
        workers.forEach(Thread::start);
        queue.start();
    }

    private BatchStatistics.Entry counters() {
        return new BatchStatistics.Entry(name, config.mode(), batches.get(), records.get(), realTokens.get(),
                paddedTokens.get(), busyNanos.get(), queued());
    }

    /** The scheduler's clock, for arrival times and deadlines. */
    public long nowNanos() {
        return clock.getAsLong();
    }

    /**
     * Queues a request; the scheduler owns it from here on.
     *
     * @throws IllegalStateException if the scheduler is closed
     */
    public void submit(InferenceRequest request) {
        queue.add(request);
    }

    /**
     * Takes one request back (it timed out): dropped if still queued, so it never runs; if its batch is already
     * running, it still gets a callback, which the submitter ignores. A batch prepared ahead and waiting for a worker
     * counts as running.
     *
     * @return true if it was still queued
     */
    public boolean cancel(InferenceRequest request) {
        return queue.remove(request);
    }

    /**
     * Drops the owner's queued requests without calling their callbacks: the owner is closing, and its in-flight
     * records are in its checkpoint. Requests already in a running batch (or a prepared one) still complete.
     *
     * @return how many were dropped from the queue
     */
    public int cancel(Object owner) {
        return queue.removeOwnedBy(owner);
    }

    public BatchingMode mode() {
        return config.mode();
    }

    /** Requests waiting for a batch. */
    public int queued() {
        return queue.queued();
    }

    /** The row limit of the most recent batch (maximum size, or fewer under the token budget). */
    public int batchLimit() {
        return queue.batchLimit();
    }

    public long batches() {
        return batches.get();
    }

    public long records() {
        return records.get();
    }

    /** Padded positions that held no token, over all padded positions run so far; 0 before the first batch. */
    public double paddingRatio() {
        long padded = paddedTokens.get();
        return padded == 0 ? 0.0 : 1.0 - (double) realTokens.get() / padded;
    }

    /**
     * Share of time the engine ran batches over the last {@value BusyWindow#SLOTS} seconds, per worker: 1.0 means
     * every worker was always busy. Reading it changes nothing, so any number of gauges may read it.
     */
    public double busyFraction() {
        return busy.fraction(clock.getAsLong());
    }

    /** Batches run again, in halves, to find the records a failed batch failed on. */
    public long isolationRuns() {
        return isolationRuns.get();
    }

    /** Records that failed when run alone (poison records). */
    public long recordsIsolated() {
        return recordsIsolated.get();
    }

    /** Batches cut and padded while every worker was running, so that the next run started without either. */
    public long batchesPreparedAhead() {
        return queue.preparedAhead();
    }

    private void loop() {
        boolean afterBatch = false;
        while (true) {
            BatchQueue.Batch batch;
            try {
                batch = queue.take(afterBatch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (batch == null) {
                return;
            }
            run(batch.requests(), batch.padded(), batch.cutReason());
            afterBatch = true;
        }
    }

    /**
     * Runs a batch. If it fails with a non-fatal engine error, runs its halves, and their halves, until every
     * record either has its result or failed alone. A fatal failure, or one that is not the engine's (a bug, memory),
     * fails everything not yet handed over.
     *
     * @param padded the batch padded ahead, or null to pad it here
     */
    private void run(List<InferenceRequest> batch, EncoderBatch padded, String cutReason) {
        Deque<List<InferenceRequest>> parts = new ArrayDeque<>();
        parts.push(batch);
        boolean isolating = false;
        while (!parts.isEmpty()) {
            List<InferenceRequest> part = parts.pop();
            if (isolating) {
                isolationRuns.incrementAndGet();
            }
            try {
                runAndHandOver(part, isolating ? null : padded, isolating ? "isolation" : cutReason);
            } catch (EngineFailedException fatal) {
                failAll(part, fatal, FailureScope.ENGINE);
                parts.forEach(rest -> failAll(rest, fatal, FailureScope.ENGINE));
                return;
            } catch (EngineException e) {
                if (part.size() == 1) {
                    failAlone(part.get(0), e);
                } else {
                    if (!isolating) {
                        LOG.warn("A batch of {} requests failed on engine {} ({}): running it again in halves to find "
                                + "the records it failed on", part.size(), name, e.getMessage());
                        isolating = true;
                    }
                    pushHalves(parts, part);
                }
            } catch (RuntimeException | Error e) {
                // Not the engine's verdict on its input. Errors too: a dead worker would leave every queued request
                // to its timeout.
                failAll(part, e, FailureScope.BATCH);
                parts.forEach(rest -> failAll(rest, e, FailureScope.BATCH));
                return;
            }
        }
    }

    private static void pushHalves(Deque<List<InferenceRequest>> parts, List<InferenceRequest> batch) {
        int half = batch.size() / 2;
        parts.push(List.copyOf(batch.subList(half, batch.size())));
        parts.push(List.copyOf(batch.subList(0, half)));
    }

    private void failAlone(InferenceRequest request, EngineException error) {
        recordsIsolated.incrementAndGet();
        LOG.warn("A request failed alone on engine {}: {}", name, error.getMessage());
        results.failures(List.of(request), error, FailureScope.RECORD);
    }

    private void failAll(List<InferenceRequest> requests, Throwable error, FailureScope scope) {
        LOG.warn("A batch of {} requests failed on engine {}: {}", requests.size(), name, error.toString());
        results.failures(requests, error, scope);
    }

    /**
     * Runs one batch on the engine and hands its results to the results stage; throws what the engine threw. The
     * run time counts the padding where the worker pads (not for a batch padded ahead).
     */
    private void runAndHandOver(List<InferenceRequest> requests, EncoderBatch padded, String cutReason) {
        long tokens = 0;
        for (InferenceRequest request : requests) {
            tokens += request.ids.length;
        }
        long start = clock.getAsLong();
        EncoderBatch batch = padded != null ? padded : BatchQueue.pad(requests);
        EncoderOutput output = engine.run(batch);
        long end = clock.getAsLong();
        long runNanos = end - start;
        queue.observe(batch.size(), batch.sequenceLength(), runNanos);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: batch {} x {} ({}) waited {} us, ran {} us, {}", name, batch.size(),
                    batch.sequenceLength(), cutReason, (start - requests.get(0).arrivalNanos) / 1000,
                    runNanos / 1000, queue.describe());
        }
        batches.incrementAndGet();
        records.addAndGet(batch.size());
        paddedTokens.addAndGet((long) batch.size() * batch.sequenceLength());
        realTokens.addAndGet(tokens);
        busyNanos.addAndGet(runNanos);
        busy.add(end, runNanos);
        // The output is the caller's (InferenceEngine#run): post-processed while the engine runs the next batch.
        results.results(requests, output, batch.lengths(), start, runNanos);
    }

    /**
     * Stops the workers after their current batches, then delivers the results of every batch run before it
     * returns. Requests still queued, and those of a batch prepared ahead that no worker started, fail with a message
     * that says why.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<InferenceRequest> left = queue.close();
        workers.forEach(BatchScheduler::join);
        results.close();
        counted.close();
        ResultStage.failNow(left, new IllegalStateException(
                "the batch scheduler closed before this request ran: its engine was released"), FailureScope.BATCH);
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
