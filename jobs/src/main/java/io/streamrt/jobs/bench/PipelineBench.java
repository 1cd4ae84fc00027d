package io.streamrt.jobs.bench;

import io.streamrt.engine.EngineRegistry;
import io.streamrt.jobs.enrich.EnrichConfig;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.serde.OutputFields;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Runs one scenario through the real path: an in-process Kafka broker, the enrich job on a fresh Flink local
 * environment, fresh topics per run. Two kinds of run:
 * <ul>
 *   <li>{@link #maxThroughput}: the job unbounded and warmed up, then the whole input written at once as a
 *       backlog; rate = records over the span between the first and the last output CreateTime, so job start-up,
 *       model loading and the JIT's warm-up are left out;</li>
 *   <li>{@link #openLoop}: the job unbounded and warmed up, then a producer paced at a fixed rate for a fixed
 *       window; latency = output CreateTime minus input CreateTime, both stamped by producers in this JVM.</li>
 * </ul>
 * The sinks are at-least-once, so an output's CreateTime is when the sink sent it, not a checkpoint later. The jobs
 * themselves are {@link BenchJob}s.
 *
 * <pre>{@code
 * PipelineBench bench = new PipelineBench(kafka, template, texts, settings, System.err::println);
 * PipelineBench.MaxResult max = bench.maxThroughput(BenchScenario.ADAPTIVE);
 * PipelineBench.OpenLoopResult at60 = bench.openLoop(BenchScenario.ADAPTIVE, 0.6, 0.6 * max.recordsPerS());
 * }</pre>
 */
final class PipelineBench {

    /**
     * How the runs are shaped.
     *
     * @param staticMaxDelay the static mode's fixed max wait
     * @param warmUpRecords records run through an open-loop job before the paced window
     * @param pacedWarmUp how long the producer is paced at the run's rate before the measured window: the job's
     *     first checkpoints and the scheduler's recovery from the warm-up burst stay out of the figures
     * @param window how long the producer is paced in an open-loop run
     * @param drainLimit how long to wait for the paced records' outputs after the window; records still missing
     *     then are counted as missing, their latency as at least the time they had waited
     * @param jobTimeout the most a run may take to bring back its records
     */
    record Settings(Duration staticMaxDelay, int warmUpRecords, Duration pacedWarmUp, Duration window,
            Duration drainLimit, Duration jobTimeout) {}

    /**
     * A maximum-throughput run.
     *
     * @param recordsPerS records over the output span
     * @param outputs enriched records read back
     * @param deadLetters records that went to the dead-letter topic instead
     * @param spanSeconds first to last output CreateTime
     * @param batches the schedulers' counters over the run (zero batches for per-record)
     * @param outputBytes the enriched records' values, bytes in all
     */
    record MaxResult(double recordsPerS, int outputs, int deadLetters, double spanSeconds,
            BatchStatistics.Totals batches, long outputBytes) {

        /** Mean size of an enriched record's value. */
        double bytesPerOutput() {
            return outputs == 0 ? 0 : outputBytes / (double) outputs;
        }

        /**
         * Time the engine ran batches over the output span: near 1 means the engine is the bottleneck, well below
         * it means the rest of the pipeline is (0 for per-record, which runs outside the schedulers).
         */
        double engineBusyShare() {
            return batches.busyNanos() / 1e9 / spanSeconds;
        }
    }

    /**
     * An open-loop run.
     *
     * @param load share of the adaptive maximum offered
     * @param offeredPerS the rate asked of the producer
     * @param producedPerS the rate it kept (lower when the machine could not keep up)
     * @param sent paced records sent
     * @param received their outputs read back within the drain limit
     * @param deadLetters paced records that went to the dead-letter topic
     * @param achievedPerS received over first paced input to last output
     * @param p50Ms latency percentiles over all sent records; missing ones count with the time they had waited
     * @param p95Ms 95th percentile, as above
     * @param p99Ms 99th percentile, as above
     * @param queueP50Ms median wait in the operator (arrival to batch start) of the received records: the part of
     *     the latency that batching decides; 0 for per-record
     * @param queueP99Ms 99th percentile of that wait
     * @param batches the schedulers' counters over the paced window
     */
    record OpenLoopResult(double load, double offeredPerS, double producedPerS, int sent, int received,
            int deadLetters, double achievedPerS, double p50Ms, double p95Ms, double p99Ms, double queueP50Ms,
            double queueP99Ms, BatchStatistics.Totals batches) {

        /** True when some paced records had no output by the drain limit: the percentiles are lower bounds. */
        boolean censored() {
            return received + deadLetters < sent;
        }
    }

    private static final String WARM_UP_PREFIX = "w-";
    private static final String PACED_PREFIX = "p-";
    private static final String PACED_WARM_UP_PREFIX = "pw-";
    private static final String MAX_PREFIX = "m-";

    private final EmbeddedKafka kafka;
    private final EnrichConfig template;
    private final List<byte[]> values;
    private final Settings settings;
    private final Consumer<String> log;
    /** Runs so far, shared with {@link #withOutput} copies: each run gets topics of its own. */
    private final AtomicInteger runs;

    /**
     * @param template the job's settings; topics, group, boundedness and delivery are replaced per run
     * @param values the input records' JSON values, cycled through when a run needs more
     */
    PipelineBench(EmbeddedKafka kafka, EnrichConfig template, List<byte[]> values, Settings settings,
            Consumer<String> log) {
        this(kafka, template, values, settings, log, new AtomicInteger());
    }

    private PipelineBench(EmbeddedKafka kafka, EnrichConfig template, List<byte[]> values, Settings settings,
            Consumer<String> log, AtomicInteger runs) {
        this.runs = runs;
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the benchmark needs at least one input record, found none");
        }
        this.kafka = kafka;
        this.template = template;
        this.values = List.copyOf(values);
        this.settings = settings;
        this.log = log;
    }

    /** The same benchmark on jobs that write their output as {@code output} says (fields, embedding encoding). */
    PipelineBench withOutput(OutputFields output) {
        return new PipelineBench(kafka, template.withModelTask(template.modelTask().withOutput(output)), values,
                settings, log, runs);
    }

    /** The same benchmark on other settings and records; its runs are numbered after this one's, on fresh topics. */
    PipelineBench with(EnrichConfig otherTemplate, List<byte[]> otherValues) {
        return new PipelineBench(kafka, otherTemplate, otherValues, settings, log, runs);
    }

    /** Mean size of an input record's value. */
    double bytesPerInput() {
        return values.stream().mapToInt(v -> v.length).average().orElse(0);
    }

    /**
     * Starts the job unbounded and warms it up, then writes every input record at once (a backlog far faster than
     * the job drains it) and measures the rate between the first and the last of their outputs. Job start-up, model
     * loading and the JIT's first compilation of the job's code stay out of the figure.
     */
    MaxResult maxThroughput(BenchScenario scenario) throws Exception {
        return onWarmJob(scenario, this::backlog);
    }

    /**
     * Starts the job unbounded, warms it up, then offers records at {@code offeredPerS} for the window and waits
     * (up to the drain limit) for their outputs. The job is cancelled afterwards.
     */
    OpenLoopResult openLoop(BenchScenario scenario, double load, double offeredPerS) throws Exception {
        if (!(offeredPerS > 0)) {
            throw new IllegalArgumentException("offered rate must be positive, found " + offeredPerS);
        }
        return onWarmJob(scenario, (topics, job, run) -> paced(topics, job, load, offeredPerS));
    }

    /** What one run measures on a running, warmed-up job. */
    @FunctionalInterface
    interface Measurement<R> {
        R measure(BenchTopics topics, BenchJob job, String run) throws Exception;
    }

    /** Fresh topics and job for the scenario, warmed up, measured, then cancelled. */
    <R> R onWarmJob(BenchScenario scenario, Measurement<R> measurement) throws Exception {
        String run = nextRun(scenario);
        try (BenchTopics topics = BenchTopics.create(kafka, run, template.parallelism())) {
            BenchJob job = BenchJob.start(template, run, scenario, settings.staticMaxDelay());
            try {
                warmUp(topics, job);
                return measurement.measure(topics, job, run);
            } finally {
                job.cancel();
            }
        }
    }

    /**
     * The maximum-throughput measurement through Flink SQL: the same topics, keys and records, but the job is
     * {@code INSERT INTO out SELECT ... FROM ML_PREDICT(TABLE in, MODEL m, ...)} on a {@code streamrt} model with this
     * pipeline's settings and {@code maxConcurrentOperations} rows in flight per subtask.
     */
    MaxResult sqlMaxThroughput(int maxConcurrentOperations) throws Exception {
        String run = "bench-" + runs.incrementAndGet() + "-sql-" + maxConcurrentOperations;
        try (BenchTopics topics = BenchTopics.create(kafka, run, template.parallelism())) {
            BenchJob job = BenchJob.startSql(template.parallelism(), SqlBench.statements(template, topics.input(),
                    topics.output(), maxConcurrentOperations));
            try {
                warmUp(topics, job);
                return backlog(topics, job, run);
            } finally {
                job.cancel();
            }
        }
    }

    /** Writes every input record at once and times the outputs of all of them. */
    MaxResult backlog(BenchTopics topics, BenchJob job, String run) throws Exception {
        int n = values.size();
        BatchStatistics.Totals before = BatchStatistics.of(EngineRegistry.shared()).totals();
        for (int i = 0; i < n; i++) {
            topics.producer().send(new ProducerRecord<>(topics.input(), key(MAX_PREFIX, i), values.get(i)));
        }
        topics.producer().flush();

        Set<String> seen = new HashSet<>();
        Set<String> dead = new HashSet<>();
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        long[] bytes = {0};
        long deadline = System.nanoTime() + settings.jobTimeout().toNanos();
        while (seen.size() + dead.size() < n) {
            topics.poll(Duration.ofMillis(200), out -> {
                if (out.key().startsWith(MAX_PREFIX) && seen.add(out.key())) {
                    bytes[0] += out.bytes();
                    span[0] = Math.min(span[0], out.createTimeMs());
                    span[1] = Math.max(span[1], out.createTimeMs());
                }
            }, out -> {
                if (out.key().startsWith(MAX_PREFIX)) {
                    dead.add(out.key());
                }
            });
            job.failIfEnded();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("max-throughput run " + run + " read back " + seen.size()
                        + " outputs and " + dead.size() + " dead letters of " + n + " records within "
                        + settings.jobTimeout().toSeconds() + " s: the job is stuck or far slower than "
                        + "expected; run with fewer --records or check the log above");
            }
        }
        BatchStatistics.Totals batches = BatchStatistics.of(EngineRegistry.shared()).totals().minus(before);
        if (seen.isEmpty()) {
            throw new IllegalStateException("max-throughput run " + run + " sent all " + n + " records to the "
                    + "dead-letter topic: nothing was enriched, so there is no rate to report");
        }
        double spanSeconds = Math.max(1, span[1] - span[0]) / 1000.0;
        return new MaxResult(seen.size() / spanSeconds, seen.size(), dead.size(), spanSeconds, batches, bytes[0]);
    }

    private void warmUp(BenchTopics topics, BenchJob job) throws Exception {
        int n = settings.warmUpRecords();
        for (int i = 0; i < n; i++) {
            topics.producer().send(new ProducerRecord<>(topics.input(), key(WARM_UP_PREFIX, i), value(i)));
        }
        topics.producer().flush();
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + settings.jobTimeout().toNanos();
        while (seen.size() < n) {
            topics.poll(Duration.ofMillis(100), out -> seen.add(out.key()), out -> seen.add(out.key()));
            job.failIfEnded();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the open-loop job did not process its " + n + " warm-up records within "
                        + settings.jobTimeout().toSeconds() + " s (" + seen.size() + " came back); check the log above");
            }
        }
    }

    private OpenLoopResult paced(BenchTopics topics, BenchJob job, double load, double offeredPerS)
            throws Exception {
        int n = (int) Math.max(2, Math.round(offeredPerS * settings.window().toMillis() / 1000.0));
        long[] sentAt = new long[n];
        long[] outAt = new long[n];
        Arrays.fill(outAt, -1);
        double[] queueMs = new double[n];
        boolean[] dead = new boolean[n];
        AtomicReference<Throwable> pacerFailure = new AtomicReference<>();
        int warmUp = (int) Math.round(offeredPerS * settings.pacedWarmUp().toMillis() / 1000.0);
        // Taken by the pacer as the measured window opens.
        AtomicReference<BatchStatistics.Totals> before = new AtomicReference<>(BatchStatistics.of(EngineRegistry.shared()).totals());
        Thread pacer = new Thread(() -> {
            try {
                pace(topics, warmUp, n, offeredPerS, sentAt, before);
            } catch (Throwable e) {
                pacerFailure.set(e);
            }
        }, "bench-pacer");
        pacer.setDaemon(true);
        pacer.start();

        int[] received = {0};
        int[] deadLetters = {0};
        long drainDeadline = Long.MAX_VALUE;
        while (received[0] + deadLetters[0] < n) {
            topics.poll(Duration.ofMillis(50), out -> {
                int i = pacedIndex(out.key(), n);
                if (i >= 0 && outAt[i] < 0 && !dead[i]) {
                    outAt[i] = out.createTimeMs();
                    queueMs[i] = out.queueMs();
                    received[0]++;
                }
            }, out -> {
                int i = pacedIndex(out.key(), n);
                if (i >= 0 && outAt[i] < 0 && !dead[i]) {
                    dead[i] = true;
                    deadLetters[0]++;
                }
            });
            job.failIfEnded();
            if (drainDeadline == Long.MAX_VALUE && !pacer.isAlive()) {
                drainDeadline = System.nanoTime() + settings.drainLimit().toNanos();
            }
            if (System.nanoTime() > drainDeadline) {
                break;
            }
        }
        long cutoff = System.currentTimeMillis();
        pacer.join(); // also makes sentAt and before visible here
        BatchStatistics.Totals batches = BatchStatistics.of(EngineRegistry.shared()).totals().minus(before.get());
        if (pacerFailure.get() != null) {
            throw new IllegalStateException("the paced producer failed: " + pacerFailure.get(), pacerFailure.get());
        }

        long[] latencies = new long[n];
        long lastOut = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            // A record with no output yet has waited at least until the cutoff: a lower bound, marked as such.
            latencies[i] = (outAt[i] >= 0 ? outAt[i] : cutoff) - sentAt[i];
            if (outAt[i] >= 0) {
                lastOut = Math.max(lastOut, outAt[i]);
            }
        }
        Arrays.sort(latencies);
        double achieved = received[0] == 0 ? 0.0
                : received[0] / (Math.max(1, lastOut - sentAt[0]) / 1000.0);
        double produced = (n - 1) / (Math.max(1, sentAt[n - 1] - sentAt[0]) / 1000.0);
        long[] queueMicros = java.util.stream.IntStream.range(0, n).filter(i -> outAt[i] >= 0)
                .mapToLong(i -> Double.isNaN(queueMs[i]) ? 0 : Math.round(queueMs[i] * 1000)).sorted().toArray();
        return new OpenLoopResult(load, offeredPerS, produced, n, received[0], deadLetters[0], achieved,
                percentile(latencies, 0.50), percentile(latencies, 0.95), percentile(latencies, 0.99),
                percentile(queueMicros, 0.50) / 1000, percentile(queueMicros, 0.99) / 1000, batches);
    }

    /**
     * Sends {@code warmUp} unmeasured records then {@code n} measured ones, record i at start + i / rate; a late
     * producer catches up without skipping any. {@code before} gets the batch counters as the measured ones start.
     */
    private void pace(BenchTopics topics, int warmUp, int n, double perSecond, long[] sentAt,
                      AtomicReference<BatchStatistics.Totals> before) {
        double intervalNanos = 1e9 / perSecond;
        long start = System.nanoTime();
        for (int i = 0; i < warmUp + n; i++) {
            long due = start + (long) (i * intervalNanos);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            long now = System.currentTimeMillis();
            int measured = i - warmUp;
            if (measured == 0) {
                before.set(BatchStatistics.of(EngineRegistry.shared()).totals());
            }
            // CreateTime set here is what the producer would stamp itself; keeping it gives the latency's start.
            byte[] key = measured < 0 ? key(PACED_WARM_UP_PREFIX, i) : key(PACED_PREFIX, measured);
            if (measured >= 0) {
                sentAt[measured] = now;
            }
            topics.producer().send(new ProducerRecord<>(topics.input(), null, now, key, value(i)));
        }
        topics.producer().flush();
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0.0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    private static int pacedIndex(String key, int n) {
        if (!key.startsWith(PACED_PREFIX)) {
            return -1;
        }
        int i = Integer.parseInt(key.substring(PACED_PREFIX.length()));
        return i < n ? i : -1;
    }

    byte[] value(int i) {
        return values.get(i % values.size());
    }

    private static byte[] key(String prefix, int i) {
        return (prefix + i).getBytes(StandardCharsets.UTF_8);
    }

    private String nextRun(BenchScenario scenario) {
        return "bench-" + runs.incrementAndGet() + "-" + scenario.label();
    }
}
