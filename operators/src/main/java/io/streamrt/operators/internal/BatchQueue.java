package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The requests of one {@link BatchScheduler} waiting for a batch, and the batch prepared ahead: where its workers
 * take their batches, as {@link BatchPlanner} decides. Everything here is under one lock.
 *
 * <p>A free worker takes the batch prepared ahead if there is one, else what the planner cuts for a free worker, else
 * waits until the planner's next decision or an arrival. While every worker holds a batch, a preparer thread
 * ({@code streamrt-prepare-<name>}) cuts the next batch once the queue holds a full one ({@link
 * BatchPlanner#pollFull}: waiting could not make it bigger) and pads it outside the lock, so that a worker starts it
 * the moment its run returns. One batch is prepared at a time. Below saturation nothing is cut before a worker is
 * free, so the requests that arrive during a run join the next batch.
 *
 * <pre>{@code
 * BatchQueue queue = new BatchQueue(config, workers, "engine-7", System::nanoTime);
 * queue.start();
 * queue.add(request);                          // any thread
 * BatchQueue.Batch batch = queue.take(false);  // a worker; then take(true) after each batch
 * List<InferenceRequest> neverRun = queue.close();
 * }</pre>
 */
final class BatchQueue {

    /**
     * A batch for a worker.
     *
     * @param padded the batch padded ahead; null where the worker pads it (and where padding ahead failed: the worker
     *     pads it again, and fails it as any batch it cannot pad)
     * @param cutReason why it was cut, for debug logs
     */
    record Batch(List<InferenceRequest> requests, EncoderBatch padded, String cutReason) {}

    private final BatchPlanner planner;
    private final int workers;
    private final LongSupplier clock;
    private final Thread preparer;
    private final ReentrantLock lock = new ReentrantLock();
    /** Workers wait on it: a request arrived, or a prepared batch is ready. */
    private final Condition workReady = lock.newCondition();
    /** The preparer waits on it: every worker holds a batch, or the queue grew while they did. */
    private final Condition prepareWanted = lock.newCondition();
    private final AtomicLong preparedAhead = new AtomicLong();
    private boolean closed;
    /** Workers holding a batch, from its take to their next {@link #take}. */
    private int running;
    /** Cut and padded while every worker held a batch, for the next free worker; null if none. */
    private Batch prepared;
    /** The preparer cut a batch and is padding it: a free worker waits for it rather than cut another. */
    private boolean preparing;

    /**
     * @param workers the workers that take batches: the engine's concurrent batches
     * @param name for the preparer thread, e.g. the engine id
     */
    BatchQueue(SchedulerConfig config, int workers, String name, LongSupplier clock) {
        this.planner = new BatchPlanner(config, BatchScheduler.INITIAL_NANOS_PER_TOKEN, workers);
        this.workers = workers;
        this.clock = clock;
        this.preparer = new Thread(this::prepareAhead, "streamrt-prepare-" + name);
        preparer.setDaemon(true);
    }

    void start() {
        preparer.start();
    }

    /** @throws IllegalStateException if the queue is closed */
    void add(InferenceRequest request) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the batch scheduler is closed: its engine was released; "
                        + "the operator must acquire a new engine lease");
            }
            planner.add(request);
            workReady.signal();
            if (running == workers && prepared == null && !preparing && planner.mayHoldAFullBatch()) {
                prepareWanted.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes one queued request; false if it was not queued (its batch was cut, prepared ahead included). */
    boolean remove(InferenceRequest request) {
        return locked(() -> planner.remove(request));
    }

    /** Removes the owner's queued requests; returns how many. */
    int removeOwnedBy(Object owner) {
        return locked(() -> planner.removeOwnedBy(owner).size());
    }

    int queued() {
        return locked(planner::queued);
    }

    /** The row limit of the most recent batch. */
    int batchLimit() {
        return locked(planner::lastBatchLimit);
    }

    /** Batches cut and padded while every worker held a batch. */
    long preparedAhead() {
        return preparedAhead.get();
    }

    /** Teaches the planner what a batch cost. */
    void observe(int rows, int paddedLength, long runNanos) {
        lock.lock();
        try {
            planner.observe(rows, paddedLength, runNanos);
        } finally {
            lock.unlock();
        }
    }

    /** The queue and the planner's model, for debug logs. */
    String describe() {
        return locked(() -> "queued " + planner.queued() + "; " + planner);
    }

    /** What {@code read} gives, under the lock. */
    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch for a worker, once there is one; null when the queue is closed.
     *
     * @param afterBatch whether the calling worker is done with a batch it took before
     */
    Batch take(boolean afterBatch) throws InterruptedException {
        lock.lock();
        try {
            if (afterBatch) {
                running--;
            }
            Batch batch;
            while (true) {
                if (closed) {
                    return null;
                }
                if (prepared != null) {
                    batch = prepared;
                    prepared = null;
                    break;
                }
                if (preparing) {
                    workReady.await();
                    continue;
                }
                long now = clock.getAsLong();
                // This worker is free, so the engine can take a batch now.
                List<InferenceRequest> requests = planner.poll(now, true);
                if (requests != null) {
                    batch = new Batch(requests, null, planner.lastCut());
                    break;
                }
                long next = planner.nextDecisionNanos();
                if (next == Long.MAX_VALUE) {
                    workReady.await();
                } else {
                    workReady.awaitNanos(next - now);
                }
            }
            running++;
            if (running == workers) {
                prepareWanted.signal();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** The preparer's loop: while every worker holds a batch and none is prepared, prepares the next full one. */
    private void prepareAhead() {
        lock.lock();
        try {
            while (!closed) {
                List<InferenceRequest> cut = prepared == null && running == workers
                        ? planner.pollFull(clock.getAsLong()) : null;
                if (cut == null) {
                    prepareWanted.await();
                    continue;
                }
                String cutReason = planner.lastCut() + ", prepared ahead";
                preparing = true;
                EncoderBatch padded = null;
                lock.unlock();
                try {
                    padded = pad(cut);
                } catch (RuntimeException | Error e) {
                    // Left to the worker: see Batch.padded.
                } finally {
                    lock.lock();
                }
                preparing = false;
                prepared = new Batch(cut, padded, cutReason);
                preparedAhead.incrementAndGet();
                // All: a worker that waited for this batch while another took it polls the planner again.
                workReady.signalAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the queue: {@link #add} refuses, {@link #take} returns null, the preparer stops.
     *
     * @return the requests that will never run: those queued and those of a batch prepared ahead
     */
    List<InferenceRequest> close() {
        List<InferenceRequest> left;
        lock.lock();
        try {
            if (closed) {
                return List.of();
            }
            closed = true;
            left = planner.removeAll();
            workReady.signalAll();
            prepareWanted.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            preparer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            if (prepared != null) {
                left.addAll(prepared.requests());
                prepared = null;
            }
        } finally {
            lock.unlock();
        }
        return left;
    }

    /** The requests' token ids and types, padded to the longest. */
    static EncoderBatch pad(List<InferenceRequest> requests) {
        List<long[]> rows = new ArrayList<>(requests.size());
        List<long[]> types = new ArrayList<>(requests.size());
        for (InferenceRequest request : requests) {
            rows.add(request.ids);
            types.add(request.typeIds);
        }
        return EncoderBatch.pad(rows, types);
    }
}
