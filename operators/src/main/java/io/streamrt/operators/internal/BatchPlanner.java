package io.streamrt.operators.internal;

import io.streamrt.operators.BatchingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decides when to cut which batch. Pure and single-threaded (the scheduler's lock, or a test with its own
 * clock), so every decision can be replayed.
 *
 * <p>{@link BatchingMode#ADAPTIVE}: requests wait in buckets by token length ({@link #bucketStep}: 8 tokens wide up
 * to 64, wider above, up to the maximum sequence length), so a batch pads to its own longest text, not to the
 * longest text that arrived near it. A bucket is cut when
 * <ul>
 *   <li>it holds {@code maxBatchSize} requests, or its padded tokens reach the token budget;</li>
 *   <li>waiting longer would make its oldest request miss its deadline: {@code deadline - predicted run time of
 *       the batch <= now}; or</li>
 *   <li>the engine is idle and waiting buys nothing: at the arrival rate seen lately, the engine keeps up even
 *       with batches this small (predicted per-record cost x arrival rate below {@value #IDLE_UTILIZATION_LIMIT}).
 *       At low and moderate load requests go at once and the batches that form while the engine runs set the
 *       batch size; near saturation requests wait for company, up to their deadline, so batches grow.</li>
 * </ul>
 * Under sustained overload every oldest request is due, so batches are as large as the limits allow: the most
 * efficient, and the queue is bounded by the operators' capacity, so Flink's backpressure holds the source.
 *
 * <p>{@link BatchingMode#STATIC}: one first-in-first-out queue, cut when it holds {@code maxBatchSize} requests or
 * its oldest has waited {@code maxDelay}, padded to the longest request in the batch.
 *
 * <p>When several buckets are due, the one whose oldest request is most urgent goes first.
 */
final class BatchPlanner {

    /** Idle dispatch while small batches would keep the engine busy less than this share of the time. */
    static final double IDLE_UTILIZATION_LIMIT = 0.8;

    /** Weight of the newest inter-arrival time in its moving average (about the last 50 arrivals). */
    private static final double ARRIVAL_WEIGHT = 0.02;

    private final SchedulerConfig config;
    private final int[] bucketLengths;
    private final List<ArrayDeque<InferenceRequest>> buckets;
    private final RunTimeModel runTime;
    private int queued;
    private int lastBatchLimit;
    private long lastArrivalNanos = Long.MIN_VALUE;
    private double meanInterArrivalNanos;

    BatchPlanner(SchedulerConfig config, double initialNanosPerToken) {
        this.config = config;
        List<Integer> lengths = new ArrayList<>();
        if (config.mode() == BatchingMode.ADAPTIVE) {
            for (int length = 8; length < config.maxSequenceLength(); length += bucketStep(length)) {
                lengths.add(length);
            }
        }
        lengths.add(config.maxSequenceLength());
        this.bucketLengths = lengths.stream().mapToInt(Integer::intValue).toArray();
        this.buckets = new ArrayList<>();
        for (int i = 0; i < bucketLengths.length; i++) {
            buckets.add(new ArrayDeque<>());
        }
        this.runTime = new RunTimeModel(initialNanosPerToken);
        this.lastBatchLimit = config.maxBatchSize();
    }

    /** For tests: an adaptive planner. */
    BatchPlanner(int maxBatchSize, int maxSequenceLength, long tokenBudget, double initialNanosPerToken) {
        this(new SchedulerConfig(BatchingMode.ADAPTIVE, maxBatchSize, maxSequenceLength, tokenBudget, 0),
                initialNanosPerToken);
    }

    /**
     * Width of the length bucket above {@code length}: 8 tokens up to 64, then a quarter of the power of two
     * below (16 up to 128, 32 up to 256, ...). A batch then pads each row by at most about 12-25% of its length,
     * where powers-of-two buckets padded up to 50% (on a CPU, padding costs as much as tokens).
     */
    static int bucketStep(int length) {
        return Math.max(8, Integer.highestOneBit(length) / 4);
    }

    void add(InferenceRequest request) {
        int length = request.length();
        if (length > config.maxSequenceLength()) {
            throw new IllegalArgumentException("request has " + length + " tokens, more than the maximum sequence length "
                    + config.maxSequenceLength());
        }
        int bucket = 0;
        while (bucketLengths[bucket] < length) {
            bucket++;
        }
        buckets.get(bucket).addLast(request);
        queued++;
        if (lastArrivalNanos != Long.MIN_VALUE) {
            long gap = Math.max(0, request.arrivalNanos - lastArrivalNanos);
            meanInterArrivalNanos = meanInterArrivalNanos == 0 ? gap
                    : meanInterArrivalNanos + ARRIVAL_WEIGHT * (gap - meanInterArrivalNanos);
        }
        lastArrivalNanos = Math.max(lastArrivalNanos, request.arrivalNanos);
    }

    int queued() {
        return queued;
    }

    /** Rows of the most recent batch's limit (size, budget), for the chosen-batch-limit metric. */
    int lastBatchLimit() {
        return lastBatchLimit;
    }

    /**
     * The batch to run now, or null if waiting is better; then {@link #nextDecisionNanos} says until when.
     *
     * @param engineIdle whether a batch could start on the engine right now
     */
    List<InferenceRequest> poll(long nowNanos, boolean engineIdle) {
        int chosen = -1;
        long mostUrgent = Long.MAX_VALUE;
        for (int b = 0; b < buckets.size(); b++) {
            if (buckets.get(b).isEmpty()) {
                continue;
            }
            if (isFull(b)) {
                chosen = b;
                break;
            }
            long cutAt = cutAtNanos(b);
            boolean due = cutAt <= nowNanos || (engineIdle && waitingBuysNothing(b));
            if (due && cutAt < mostUrgent) {
                mostUrgent = cutAt;
                chosen = b;
            }
        }
        return chosen < 0 ? null : take(chosen);
    }

    /** As {@link #poll(long, boolean)} with a busy engine: only full or due buckets. */
    List<InferenceRequest> poll(long nowNanos) {
        return poll(nowNanos, false);
    }

    /** When the next bucket becomes due if nothing arrives, or {@link Long#MAX_VALUE} when all are empty. */
    long nextDecisionNanos() {
        long next = Long.MAX_VALUE;
        for (int b = 0; b < buckets.size(); b++) {
            if (!buckets.get(b).isEmpty()) {
                next = Math.min(next, cutAtNanos(b));
            }
        }
        return next;
    }

    /** Teaches the run-time model what a batch cost. */
    void observe(int rows, int paddedLength, long runNanos) {
        runTime.observe(rows, paddedLength, runNanos);
    }

    long predictNanos(int rows, int paddedLength) {
        return runTime.predictNanos(rows, paddedLength);
    }

    /** Removes and returns the owner's queued requests. */
    List<InferenceRequest> removeOwnedBy(Object owner) {
        List<InferenceRequest> removed = new ArrayList<>();
        for (ArrayDeque<InferenceRequest> bucket : buckets) {
            for (Iterator<InferenceRequest> it = bucket.iterator(); it.hasNext(); ) {
                InferenceRequest request = it.next();
                if (request.owner == owner) {
                    it.remove();
                    removed.add(request);
                }
            }
        }
        queued -= removed.size();
        return removed;
    }

    /** Removes and returns everything queued. */
    List<InferenceRequest> removeAll() {
        List<InferenceRequest> removed = new ArrayList<>();
        for (ArrayDeque<InferenceRequest> bucket : buckets) {
            removed.addAll(bucket);
            bucket.clear();
        }
        queued = 0;
        return removed;
    }

    private boolean isFull(int b) {
        int rows = Math.min(buckets.get(b).size(), config.maxBatchSize());
        return rows == config.maxBatchSize() || (long) rows * bucketLengths[b] >= config.tokenBudget();
    }

    private int limitFor(int b) {
        int byBudget = (int) Math.max(1, config.tokenBudget() / bucketLengths[b]);
        return Math.min(config.maxBatchSize(), byBudget);
    }

    private int rowsFor(int b) {
        return Math.min(buckets.get(b).size(), limitFor(b));
    }

    private long cutAtNanos(int b) {
        InferenceRequest oldest = buckets.get(b).peekFirst();
        if (config.mode() == BatchingMode.STATIC) {
            return oldest.arrivalNanos + config.maxDelayNanos();
        }
        return oldest.deadlineNanos - runTime.predictNanos(rowsFor(b), bucketLengths[b]);
    }

    /** Whether the engine keeps up with the arrival rate at this bucket's current batch size (adaptive only). */
    private boolean waitingBuysNothing(int b) {
        if (config.mode() != BatchingMode.ADAPTIVE) {
            return false;
        }
        int rows = rowsFor(b);
        if (rows >= limitFor(b) || meanInterArrivalNanos <= 0) {
            return true;
        }
        double perRecordNanos = (double) runTime.predictNanos(rows, bucketLengths[b]) / rows;
        return perRecordNanos < IDLE_UTILIZATION_LIMIT * meanInterArrivalNanos;
    }

    /** Arrivals per second lately, 0 before two have been seen. */
    double arrivalRatePerSecond() {
        return meanInterArrivalNanos <= 0 ? 0.0 : 1e9 / meanInterArrivalNanos;
    }

    private List<InferenceRequest> take(int b) {
        ArrayDeque<InferenceRequest> bucket = buckets.get(b);
        int rows = rowsFor(b);
        lastBatchLimit = limitFor(b);
        List<InferenceRequest> batch = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            batch.add(bucket.pollFirst());
        }
        queued -= rows;
        return batch;
    }
}
