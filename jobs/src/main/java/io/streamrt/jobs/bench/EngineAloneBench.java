package io.streamrt.jobs.bench;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.InferenceEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The ceiling: the engine alone, no Flink, no Kafka, no scheduler. The input is tokenized once and sorted by
 * token length, then run in consecutive batches each padded to its own longest row, the best any batcher can do
 * with these records at that batch size.
 *
 * <pre>{@code
 * List<EngineAloneBench.Point> points = new EngineAloneBench(engine, tokenized).run(List.of(1, 8, 64), System.err::println);
 * }</pre>
 */
final class EngineAloneBench {

    /**
     * One batch size's result.
     *
     * @param batchSize records per batch (the last batch may be smaller)
     * @param recordsPerS all records over the wall time of all batches
     * @param paddingRatio share of padded positions that held no token
     * @param seconds the timed pass's wall time
     */
    record Point(int batchSize, double recordsPerS, double paddingRatio, double seconds) {}

    /** Long enough for ONNX Runtime's first-run allocations and the JIT to settle. */
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    /** At most this many timed passes per batch size; the median is reported. */
    static final int MAX_ROUNDS = 3;
    /** No round starts after this long. */
    private static final Duration ROUNDS_BUDGET = Duration.ofSeconds(40);

    private final InferenceEngine engine;
    private final List<long[]> sorted;
    private int rounds;

    /** @param tokenized token ids of every input record, special tokens included */
    EngineAloneBench(InferenceEngine engine, List<long[]> tokenized) {
        if (tokenized.isEmpty()) {
            throw new IllegalArgumentException("the engine-alone run needs at least one record, found none");
        }
        this.engine = engine;
        this.sorted = new ArrayList<>(tokenized);
        this.sorted.sort(Comparator.comparingInt(ids -> ids.length));
    }

    /**
     * Runs every batch size after a short warm-up of all of them, in up to {@link #MAX_ROUNDS} interleaved rounds
     * of one full pass each (none started after {@link #ROUNDS_BUDGET}), and reports each size's median round (the
     * upper one of an even count): on a shared 2-core machine a burst of other work then spoils one round of every
     * size instead of every round of one size.
     */
    List<Point> run(List<Integer> batchSizes, Consumer<Point> progress) {
        long warmUpEnd = System.nanoTime() + WARM_UP.toNanos();
        do {
            for (int batchSize : batchSizes) {
                warmUp(batchSize);
            }
        } while (System.nanoTime() < warmUpEnd);
        List<List<Point>> perSize = new ArrayList<>();
        for (int i = 0; i < batchSizes.size(); i++) {
            perSize.add(new ArrayList<>());
        }
        long start = System.nanoTime();
        int done = 0;
        // A round over a large input on a busy machine can take a minute: start another only within the budget.
        while (done < MAX_ROUNDS && (done == 0 || System.nanoTime() - start < ROUNDS_BUDGET.toNanos())) {
            for (int i = 0; i < batchSizes.size(); i++) {
                perSize.get(i).add(timedPass(batchSizes.get(i)));
            }
            done++;
        }
        this.rounds = done;
        List<Point> points = new ArrayList<>();
        for (List<Point> ofSize : perSize) {
            ofSize.sort(Comparator.comparingDouble(Point::recordsPerS));
            Point median = ofSize.get(ofSize.size() / 2);
            points.add(median);
            progress.accept(median);
        }
        return points;
    }

    /** How many timed passes per batch size the last {@link #run} made. */
    int rounds() {
        return rounds;
    }

    /** The shortest and the longest batch of this size: first-run allocations stay out of the timed pass. */
    private void warmUp(int batchSize) {
        int rows = Math.min(batchSize, sorted.size());
        engine.run(EncoderBatch.pad(sorted.subList(0, rows)));
        engine.run(EncoderBatch.pad(sorted.subList(sorted.size() - rows, sorted.size())));
    }

    /**
     * One timed pass over all records in consecutive batches, with as many callers as the engine runs batches at
     * once (each takes the next batch when its last one is done), as the scheduler's workers do.
     */
    private Point timedPass(int batchSize) {
        List<EncoderBatch> batches = new ArrayList<>();
        long real = 0;
        long padded = 0;
        for (int from = 0; from < sorted.size(); from += batchSize) {
            EncoderBatch batch = EncoderBatch.pad(sorted.subList(from, Math.min(sorted.size(), from + batchSize)));
            batches.add(batch);
            for (int length : batch.lengths()) {
                real += length;
            }
            padded += (long) batch.size() * batch.sequenceLength();
        }
        AtomicInteger next = new AtomicInteger();
        Runnable caller = () -> {
            for (int i = next.getAndIncrement(); i < batches.size(); i = next.getAndIncrement()) {
                engine.run(batches.get(i));
            }
        };
        int callers = engine.info().maxConcurrentBatches();
        ExecutorService others = Executors.newFixedThreadPool(Math.max(1, callers - 1));
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 1; i < callers; i++) {
                running.add(others.submit(caller));
            }
            caller.run();
            for (Future<?> other : running) {
                other.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while timing the engine", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the engine failed while being timed: " + e.getCause(), e.getCause());
        } finally {
            others.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Point(batchSize, sorted.size() / seconds, 1.0 - (double) real / padded, seconds);
    }
}
