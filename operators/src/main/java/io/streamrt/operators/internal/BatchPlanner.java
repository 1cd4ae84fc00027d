package io.streamrt.operators.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decides when to cut which batch. Pure and single-threaded (the scheduler's thread, or a test with its own
 * clock), so every decision can be replayed.
 *
 * <p>Requests wait in buckets by token length (powers of two up to the maximum sequence length), so a batch pads
 * to its own longest text, not to the longest text that happened to arrive near it. A bucket is cut when:
 * <ul>
 *   <li>it holds {@code maxBatchSize} requests, or its padded tokens reach the token budget; or</li>
 *   <li>waiting longer would make its oldest request miss its deadline: {@code deadline - predicted run time of
 *       the batch <= now}.</li>
 * </ul>
 * When several are due, the one whose oldest request is most urgent goes first.
 */
final class BatchPlanner {

    private final int maxBatchSize;
    private final long tokenBudget;
    private final int[] bucketLengths;
    private final List<ArrayDeque<InferenceRequest>> buckets;
    private final RunTimeModel runTime;
    private int queued;

    /**
     * @param maxBatchSize most rows in a batch
     * @param maxSequenceLength longest accepted sequence
     * @param tokenBudget most padded tokens (rows x length) in a batch
     * @param initialNanosPerToken run-time guess before the first batch
     */
    BatchPlanner(int maxBatchSize, int maxSequenceLength, long tokenBudget, double initialNanosPerToken) {
        this.maxBatchSize = maxBatchSize;
        this.tokenBudget = tokenBudget;
        List<Integer> lengths = new ArrayList<>();
        for (int length = 8; length < maxSequenceLength; length *= 2) {
            lengths.add(length);
        }
        lengths.add(maxSequenceLength);
        this.bucketLengths = lengths.stream().mapToInt(Integer::intValue).toArray();
        this.buckets = new ArrayList<>();
        for (int i = 0; i < bucketLengths.length; i++) {
            buckets.add(new ArrayDeque<>());
        }
        this.runTime = new RunTimeModel(initialNanosPerToken);
    }

    void add(InferenceRequest request) {
        int length = request.length();
        if (length > bucketLengths[bucketLengths.length - 1]) {
            throw new IllegalArgumentException("request has " + length + " tokens, more than the maximum sequence length "
                    + bucketLengths[bucketLengths.length - 1]);
        }
        int bucket = 0;
        while (bucketLengths[bucket] < length) {
            bucket++;
        }
        buckets.get(bucket).addLast(request);
        queued++;
    }

    int queued() {
        return queued;
    }

    /** The batch to run now, or null if waiting is better; then {@link #nextDecisionNanos} says until when. */
    List<InferenceRequest> poll(long nowNanos) {
        int chosen = -1;
        long mostUrgent = Long.MAX_VALUE;
        for (int b = 0; b < buckets.size(); b++) {
            ArrayDeque<InferenceRequest> bucket = buckets.get(b);
            if (bucket.isEmpty()) {
                continue;
            }
            if (isFull(b)) {
                chosen = b;
                break;
            }
            long cutAt = cutAtNanos(b);
            if (cutAt <= nowNanos && cutAt < mostUrgent) {
                mostUrgent = cutAt;
                chosen = b;
            }
        }
        return chosen < 0 ? null : take(chosen);
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
        int rows = Math.min(buckets.get(b).size(), maxBatchSize);
        return rows == maxBatchSize || (long) rows * bucketLengths[b] >= tokenBudget;
    }

    private int rowsFor(int b) {
        int byBudget = (int) Math.max(1, tokenBudget / bucketLengths[b]);
        return Math.min(Math.min(buckets.get(b).size(), maxBatchSize), byBudget);
    }

    private long cutAtNanos(int b) {
        InferenceRequest oldest = buckets.get(b).peekFirst();
        return oldest.deadlineNanos - runTime.predictNanos(rowsFor(b), bucketLengths[b]);
    }

    private List<InferenceRequest> take(int b) {
        ArrayDeque<InferenceRequest> bucket = buckets.get(b);
        int rows = rowsFor(b);
        List<InferenceRequest> batch = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            batch.add(bucket.pollFirst());
        }
        queued -= rows;
        return batch;
    }
}
