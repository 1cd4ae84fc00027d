package io.streamrt.operators.internal;

import io.streamrt.operators.BatchingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
 *   <li>the engine is idle and it runs one batch at a time (one worker, as a GPU's one stream): nothing else could
 *       use it while a request waited, and the requests that arrive while this batch runs make the next one
 *       (work-conserving). Then the buckets only hold the queue: everything queued is split into the batches that
 *       cost least in all, and the one carrying the most urgent request goes ({@link #takeCheapestGrouping}); or</li>
 *   <li>with several workers, a worker is free and waiting buys nothing: at the arrival rate and request lengths
 *       seen lately, the engine keeps up even with batches this small (predicted cost of an average request x
 *       arrival rate / workers below {@value #IDLE_UTILIZATION_LIMIT}), or the batch that would form before the
 *       bucket is due (at the share of recent arrivals that land in it) would not make its requests at least
 *       {@value #MIN_BATCHING_GAIN} cheaper (an engine whose cost is all per token gains nothing by batching, and
 *       a rare length gets no company, so neither is worth waiting for).
 *       At low and moderate load requests go at once and the batches that form while the engine runs set the
 *       batch size; near saturation requests wait for company, up to their deadline, so batches grow.</li>
 * </ul>
 * A batch cut from a bucket takes along requests of nearby shorter buckets when padding them all costs less than the
 * one per-batch overhead they would pay in a batch of their own (both learned): fine buckets keep padding low under
 * load, and do not split a moderate load into many tiny batches.
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

    /**
     * Near saturation, requests wait for company only if the batch expected by the time their bucket is due would
     * cost a record this share less.
     */
    static final double MIN_BATCHING_GAIN = 0.1;

    /**
     * With several workers, requests wait for company only where the learned cost curve could make them this share
     * cheaper at all (in a full batch against the batch they would go in now); and a batch takes more than its share
     * of the queue only while its per-batch overhead is above this share of a row's token cost. On the 2-core
     * development CPU the engine's whole curve gains ~10% from batch 1 to its best, and a model learned on a shared
     * CPU can put the overhead at twice what it is: below a quarter, waiting buys too little to be told from noise.
     * A GPU's overhead makes small batches several times dearer.
     */
    static final double MIN_CURVE_GAIN = 0.25;

    /**
     * With one worker, the share of its overhead a batch that stays queued counts when the queue is split: the
     * requests that arrive before it runs share that overhead too, so counting it whole splits too little. Half held
     * the latency bound to the highest rate in a replay on the simulated GPU's curve (docs/scheduler.md).
     */
    static final double QUEUED_OVERHEAD_SHARE = 0.5;

    /** Weight of the newest inter-arrival time in its moving average (about the last 50 arrivals). */
    private static final double ARRIVAL_WEIGHT = 0.02;

    /** Weight of the newest arrival in each bucket's share of arrivals (about the last 200 arrivals). */
    private static final double SHARE_WEIGHT = 0.005;

    private final SchedulerConfig config;
    private final int workers;
    private final int[] bucketLengths;
    private final List<ArrayDeque<InferenceRequest>> buckets;
    private final RunTimeModel runTime;
    private int queued;
    private int lastBatchLimit;
    /** Why the most recent batch was cut, for debug logs. */
    private String lastCut = "none";
    private long lastArrivalNanos = Long.MIN_VALUE;
    private double meanInterArrivalNanos;
    /** Moving average of the arrivals' token counts: what an average request costs when it is not padded. */
    private double meanLength;
    /** Moving share of the arrivals that land in each bucket: how fast company comes to a waiting request. */
    private final double[] arrivalShares;

    /**
     * @param initialNanosPerToken the run-time guess until the first batch has run
     * @param workers batches the engine runs at once
     */
    BatchPlanner(SchedulerConfig config, double initialNanosPerToken, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, found " + workers);
        }
        this.config = config;
        this.workers = workers;
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
        this.arrivalShares = new double[bucketLengths.length];
    }

    /** For tests: an adaptive planner. */
    BatchPlanner(int maxBatchSize, int maxSequenceLength, long tokenBudget, double initialNanosPerToken) {
        this(new SchedulerConfig(BatchingMode.ADAPTIVE, maxBatchSize, maxSequenceLength, tokenBudget, 0),
                initialNanosPerToken, 1);
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
        for (int b = 0; b < arrivalShares.length; b++) {
            arrivalShares[b] += SHARE_WEIGHT * ((b == bucket ? 1 : 0) - arrivalShares[b]);
        }
        meanLength = meanLength == 0 ? length : meanLength + ARRIVAL_WEIGHT * (length - meanLength);
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

    /** Rows of the most recent batch's limit (size, token budget, time to the deadline), for the batch-limit metric. */
    int lastBatchLimit() {
        return lastBatchLimit;
    }

    /**
     * The batch to run now, or null if waiting is better; then {@link #nextDecisionNanos} says until when.
     *
     * @param engineIdle whether a batch could start on the engine right now
     */
    List<InferenceRequest> poll(long nowNanos, boolean engineIdle) {
        if (config.mode() == BatchingMode.ADAPTIVE && workers == 1 && engineIdle && queued > 0) {
            lastCut = "idle";
            return takeCheapestGrouping();
        }
        int chosen = firstFullBucket();
        String reason = chosen < 0 ? null : "full";
        if (chosen < 0) {
            long mostUrgent = Long.MAX_VALUE;
            for (int b = 0; b < buckets.size(); b++) {
                if (buckets.get(b).isEmpty()) {
                    continue;
                }
                long cutAt = cutAtNanos(b);
                boolean due = cutAt <= nowNanos;
                boolean idle = !due && engineIdle && waitingBuysNothing(b, cutAt - nowNanos);
                if ((due || idle) && cutAt < mostUrgent) {
                    mostUrgent = cutAt;
                    chosen = b;
                    reason = due ? "deadline" : "idle";
                }
            }
        }
        if (reason != null) {
            lastCut = reason;
        }
        return chosen < 0 ? null : cutBucket(chosen, nowNanos);
    }

    /**
     * The batch to prepare while every worker is busy, or null: what {@link #poll(long, boolean)} would cut next if a
     * worker were free now, when that batch is already full (its rows at the size limit or the token budget), so that
     * waiting for the engine could not make it bigger. With one worker (adaptive), the batch of the cheapest split
     * that carries the most urgent request, if full (null when that batch is not full, even if another one is: the
     * most urgent goes first); otherwise the first full bucket's batch. A batch short of full is left for a free
     * worker to cut, so that the requests that arrive meanwhile join it.
     */
    List<InferenceRequest> pollFull(long nowNanos) {
        if (!mayHoldAFullBatch()) {
            return null;
        }
        if (config.mode() == BatchingMode.ADAPTIVE && workers == 1) {
            List<InferenceRequest> batch = cheapestGroup();
            int limit = limitForLength(batch.get(0).length());
            if (batch.size() < limit) {
                return null;
            }
            for (InferenceRequest request : batch) {
                remove(request);
            }
            lastBatchLimit = limit;
            lastCut = "full";
            return batch;
        }
        int full = firstFullBucket();
        if (full < 0) {
            return null;
        }
        lastCut = "full";
        return cutBucket(full, nowNanos);
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

    /** Removes one queued request; false if it is not queued (never was, or already cut into a batch). */
    boolean remove(InferenceRequest request) {
        for (ArrayDeque<InferenceRequest> bucket : buckets) {
            if (bucket.removeFirstOccurrence(request)) {
                queued--;
                return true;
            }
        }
        return false;
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

    /**
     * Whether enough requests are queued for a batch to be full, at the longest length (the fewest rows): when not,
     * {@link #pollFull} cuts nothing, and asking costs nothing.
     */
    boolean mayHoldAFullBatch() {
        return queued > 0 && queued >= limitForLength(config.maxSequenceLength());
    }

    /** The first bucket holding a full batch (its riders included), or -1. */
    private int firstFullBucket() {
        for (int b = 0; b < buckets.size(); b++) {
            if (!buckets.get(b).isEmpty() && isFull(b)) {
                return b;
            }
        }
        return -1;
    }

    /** Cuts bucket {@code b}'s batch: carried by a longer bucket's where that batch has room for them all. */
    private List<InferenceRequest> cutBucket(int b, long nowNanos) {
        int carrier = rideUp(b);
        // The carrier's batch must take every request, the due ones included.
        boolean room = carrier == b
                || buckets.get(carrier).size() + mergeableRows(carrier) <= rowsInTime(carrier, nowNanos);
        return take(room ? carrier : b, nowNanos);
    }

    private boolean isFull(int b) {
        int rows = Math.min(buckets.get(b).size() + mergeableRows(b), config.maxBatchSize());
        return rows == config.maxBatchSize() || (long) rows * bucketLengths[b] >= config.tokenBudget();
    }

    /**
     * The first (shortest) bucket whose requests may ride along in a batch of bucket {@code b}: the padding of all
     * the riders together, up to {@code b}'s length, costs less engine time than the one per-batch overhead they
     * would pay in a batch of their own, by the learned run-time model. Nearest buckets first; an empty bucket
     * counts as one request (the company it may get). Without a learned overhead, none: {@code b} itself.
     *
     * <p>A rider's padding is not counted on its own: that lets every shorter request ride with the longest, and on a
     * GPU-shaped cost curve batches padded to the longest text run about twice as long as length-sorted ones.
     */
    private int mergeFrom(int b) {
        if (config.mode() != BatchingMode.ADAPTIVE) {
            return b;
        }
        double affordableTokens = runTime.overheadNanos() / runTime.nanosPerToken();
        double padding = 0;
        int from = b;
        while (from > 0) {
            int gap = bucketLengths[b] - bucketLengths[from - 1];
            int rows = buckets.get(from - 1).size();
            if (padding + (double) Math.max(1, rows) * gap >= affordableTokens) {
                break;
            }
            padding += (double) rows * gap;
            from--;
        }
        return from;
    }

    /** Requests waiting in the shorter buckets that {@link #mergeFrom} lets ride along with bucket {@code b}. */
    private int mergeableRows(int b) {
        int rows = 0;
        for (int s = mergeFrom(b); s < b; s++) {
            rows += buckets.get(s).size();
        }
        return rows;
    }

    private int limitFor(int b) {
        return limitForLength(bucketLengths[b]);
    }

    /** The most rows of {@code length} tokens one batch may hold: the size limit, or the token budget's, at least 1. */
    private int limitForLength(int length) {
        int byBudget = (int) Math.max(1, config.tokenBudget() / length);
        return Math.min(config.maxBatchSize(), byBudget);
    }

    private int rowsFor(int b) {
        return Math.min(buckets.get(b).size() + mergeableRows(b), limitFor(b));
    }

    private long cutAtNanos(int b) {
        InferenceRequest oldest = buckets.get(b).peekFirst();
        if (config.mode() == BatchingMode.STATIC) {
            return oldest.arrivalNanos + config.maxDelayNanos();
        }
        int carrier = rideUp(b);
        return oldest.deadlineNanos - runTime.predictNanos(rowsFor(carrier), bucketLengths[carrier]);
    }

    /**
     * Whether the engine keeps up with the recent arrivals even in batches as small as this bucket's now (adaptive
     * only): an average request's predicted cost (its share of a batch's overhead at this size, plus its tokens),
     * over the workers, against the mean gap between arrivals. The average request, not this bucket's: one long
     * text costs more than the gap, but waiting would not make it cheaper, and most requests are not long.
     *
     * <p>Whether the learned curve could make this bucket's requests {@value #MIN_CURVE_GAIN} cheaper at all, in a full
     * batch: where batching gains less (a CPU), a free worker takes them at once.
     *
     * <p>Near saturation, whether the company that would arrive in the time left ({@code slackNanos}, until the
     * bucket is due) would make its requests at least {@value #MIN_BATCHING_GAIN} cheaper: at the arrival rate and
     * the share of arrivals that land in this bucket or ride along with it lately. A rare length (a long text,
     * mostly) would wait until its deadline for company that does not come; and this bucket's length, not the
     * average, sets how much of its requests' cost the per-batch overhead is.
     */
    private boolean waitingBuysNothing(int b, long slackNanos) {
        if (config.mode() != BatchingMode.ADAPTIVE) {
            return false;
        }
        int rows = rowsFor(b);
        if (rows >= limitFor(b) || meanInterArrivalNanos <= 0) {
            return true;
        }
        double rowTokenNanos = runTime.nanosPerToken() * bucketLengths[b];
        double bestLaterNanos = runTime.overheadNanos() / limitFor(b) + rowTokenNanos;
        if (bestLaterNanos > (1 - MIN_CURVE_GAIN) * (runTime.overheadNanos() / rows + rowTokenNanos)) {
            return true; // even a full batch would not make them much cheaper: company is not worth a wait
        }
        double perRecordNanos = runTime.overheadNanos() / rows + runTime.nanosPerToken() * meanLength;
        if (perRecordNanos / workers < IDLE_UTILIZATION_LIMIT * meanInterArrivalNanos) {
            return true;
        }
        double share = 0;
        for (int s = mergeFrom(b); s <= b; s++) {
            share += arrivalShares[s];
        }
        double expectedRows = Math.min(limitFor(b), rows + share * Math.max(0, slackNanos) / meanInterArrivalNanos);
        double tokenNanos = runTime.nanosPerToken() * bucketLengths[b];
        double costNowNanos = runTime.overheadNanos() / rows + tokenNanos;
        double costLaterNanos = runTime.overheadNanos() / expectedRows + tokenNanos;
        return costLaterNanos > (1 - MIN_BATCHING_GAIN) * costNowNanos;
    }

    /** Why the most recent batch was cut: full, deadline or idle (the engine was free and waiting bought nothing). */
    String lastCut() {
        return lastCut;
    }

    /** Arrivals per second lately, 0 before two have been seen. */
    double arrivalRatePerSecond() {
        return meanInterArrivalNanos <= 0 ? 0.0 : 1e9 / meanInterArrivalNanos;
    }

    /** The learned model and arrival rate, for debug logs. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "model: %.0f us + %.1f us/token, arrivals %.1f/s, workers %d",
                runTime.overheadNanos() / 1000, runTime.nanosPerToken() / 1000, arrivalRatePerSecond(), workers);
    }

    /**
     * The most rows of bucket {@code b} whose predicted run time still lets its oldest request meet its deadline; for a
     * request already late, the most that run within one latency target, so a large batch does not hold up the
     * requests behind it for long; and no more than {@link #queueShare}. At least one. Static mode, or one worker: no
     * such limit.
     */
    private int rowsInTime(int b, long nowNanos) {
        int limit = limitFor(b);
        if (config.mode() != BatchingMode.ADAPTIVE) {
            return limit;
        }
        if (workers == 1) {
            return limit; // the rows cut off would wait for this batch and then pay a batch of their own
        }
        int rows = Math.min(limit, queueShare(b));
        InferenceRequest oldest = buckets.get(b).peekFirst();
        long budget = oldest.deadlineNanos - nowNanos;
        if (budget <= 0) {
            budget = oldest.deadlineNanos - oldest.arrivalNanos;
        }
        while (rows > 1 && runTime.predictNanos(rows, bucketLengths[b]) > budget) {
            rows--;
        }
        return rows;
    }

    /**
     * With several workers, the rows a batch of bucket {@code b} may take: its share of the queue (queued requests over
     * workers, rounded up), so that the other workers have requests to run too, or more only while a bigger batch
     * still pays: while the per-batch overhead spread over its rows is above {@value #MIN_CURVE_GAIN} of a row's
     * token cost (by the learned model). On a CPU, where a batch costs about the sum of its rows, one worker taking a
     * whole bucket left the other idle while the batch's rows waited their turn; on a GPU-shaped curve the overhead
     * keeps batches large.
     */
    private int queueShare(int b) {
        int share = (queued + workers - 1) / workers;
        double rowTokenNanos = Math.max(1, runTime.nanosPerToken() * bucketLengths[b]);
        double worthRows = Math.ceil(runTime.overheadNanos() / (MIN_CURVE_GAIN * rowTokenNanos));
        return (int) Math.max(1, Math.max(share, Math.min(Integer.MAX_VALUE, worthRows)));
    }

    /**
     * The bucket whose batch carries bucket {@code b}'s requests (adaptive only): the longest bucket that takes
     * {@code b}'s requests along ({@link #mergeFrom}: padding them costs less than a batch's overhead) and whose
     * batch has room for every request it would take; else {@code b}. On an engine with a large fixed cost per batch
     * (a GPU) one batch then carries what would otherwise be a batch per length, each paying that cost; on one whose
     * cost is all per token, nothing rides up. {@link #cutAtNanos} plans {@code b}'s deadline for that batch.
     */
    private int rideUp(int b) {
        if (config.mode() != BatchingMode.ADAPTIVE) {
            return b;
        }
        for (int t = buckets.size() - 1; t > b; t--) {
            if (!buckets.get(t).isEmpty() && mergeFrom(t) <= b
                    && buckets.get(t).size() + mergeableRows(t) <= limitFor(t)) {
                return t;
            }
        }
        return b;
    }

    /**
     * One engine that runs one batch at a time: splits everything queued into the batches that cost least in all (by
     * the learned run-time model: each batch's overhead against its rows' padding), and returns the one that carries
     * the most urgent request. Requests sorted by length; each batch is a run of neighbours, padded to its longest,
     * within the size limit and token budget; the best split by dynamic programming over the sorted requests (at
     * most {@code maxBatchSize} candidates per request). A batch that stays queued counts
     * {@value #QUEUED_OVERHEAD_SHARE} of its overhead.
     *
     * <p>The whole queue is split, not one due bucket and its neighbours: looking at one bucket at a time cuts more
     * batches than the queue needs, each paying the overhead.
     */
    private List<InferenceRequest> takeCheapestGrouping() {
        List<InferenceRequest> batch = cheapestGroup();
        for (InferenceRequest request : batch) {
            remove(request);
        }
        lastBatchLimit = limitForLength(batch.get(0).length());
        return batch;
    }

    /** The batch {@link #takeCheapestGrouping} would take, longest request first; the queue stays as it is. */
    private List<InferenceRequest> cheapestGroup() {
        List<InferenceRequest> sorted = new ArrayList<>(queued);
        InferenceRequest urgent = null;
        for (ArrayDeque<InferenceRequest> bucket : buckets) {
            for (InferenceRequest request : bucket) {
                sorted.add(request);
                if (urgent == null || request.deadlineNanos < urgent.deadlineNanos
                        || (request.deadlineNanos == urgent.deadlineNanos && request.arrivalNanos < urgent.arrivalNanos)) {
                    urgent = request;
                }
            }
        }
        sorted.sort(Comparator.comparingInt(InferenceRequest::length).reversed());
        int n = sorted.size();
        int at = sorted.indexOf(urgent);
        double[] cost = new double[n + 1];
        int[] start = new int[n + 1];
        for (int end = 1; end <= n; end++) {
            cost[end] = Double.MAX_VALUE;
            for (int from = end - 1; from >= 0; from--) {
                int length = sorted.get(from).length();
                int rows = end - from;
                if (rows > limitForLength(length)) {
                    break;
                }
                boolean runsNow = from <= at && at < end;
                double overhead = runTime.overheadNanos() * (runsNow ? 1 : QUEUED_OVERHEAD_SHARE);
                double total = cost[from] + overhead + runTime.nanosPerToken() * rows * length;
                if (total <= cost[end] + 1) { // within a nanosecond, a tie: the larger batch, so fewer batches
                    cost[end] = total;
                    start[end] = from;
                }
            }
        }
        int end = n;
        while (start[end] > at) {
            end = start[end];
        }
        return new ArrayList<>(sorted.subList(start[end], end));
    }

    /** Bucket {@code b}'s requests, oldest first, then those of the mergeable shorter buckets, nearest first. */
    private List<InferenceRequest> take(int b, long nowNanos) {
        lastBatchLimit = rowsInTime(b, nowNanos);
        int rows = Math.min(rowsFor(b), lastBatchLimit);
        List<InferenceRequest> batch = new ArrayList<>(rows);
        for (int s = b; batch.size() < rows; s--) {
            ArrayDeque<InferenceRequest> bucket = buckets.get(s);
            while (batch.size() < rows && !bucket.isEmpty()) {
                batch.add(bucket.pollFirst());
            }
        }
        queued -= rows;
        return batch;
    }
}
