package io.streamrt.jobs.bench;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.operators.BatchStatistics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bench --soak-minutes N}: the adaptive job, warm, fed open-loop at a fixed rate for a long time, sampled
 * every few seconds for what grows when something leaks: heap after the latest garbage collection (and, once a
 * minute, after a forced full one: the live set), the process's
 * resident memory (native memory too: ONNX Runtime, the tokenizer, direct buffers), the scheduler's queue, the
 * records in the pipeline, and the window's p99 end-to-end latency. Nothing per record is kept here (the send time
 * rides in the record's key), so the bench itself does not grow the heap it measures.
 *
 * <pre>{@code
 * SoakBench.Result soak = new SoakBench(pipeline, Duration.ofSeconds(10), log).run(180, Duration.ofMinutes(20));
 * }</pre>
 */
final class SoakBench {

    private static final String PREFIX = "s-";

    /** Every this many samples, a full collection measures the live heap (see {@link Sample#liveHeapMb()}). */
    static final int FULL_GC_EVERY_SAMPLES = 6;

    /**
     * One sample.
     *
     * @param seconds since the paced window opened
     * @param heapAfterGcMb heap in use right after the latest garbage collection (a young one, mostly: it includes
     *     old-generation garbage not collected yet, so it rises and falls with G1's cycles)
     * @param liveHeapMb heap in use right after a full collection forced for the sample: what is really kept;
     *     -1 in the samples between (one full collection a minute, so as not to disturb the latency much)
     * @param rssMb the process's resident set size ({@code VmRSS}); -1 where /proc does not tell
     * @param schedulerQueued requests waiting in the batch schedulers
     * @param inPipeline records sent and not yet back (output or dead letter)
     * @param received outputs read back in this sample's window
     * @param p99Ms p99 end-to-end latency of those outputs
     */
    record Sample(double seconds, double heapAfterGcMb, double liveHeapMb, double rssMb, int schedulerQueued,
            long inPipeline, int received, double p99Ms) {}

    /**
     * A soak run.
     *
     * @param offeredPerS the rate asked of the producer
     * @param sent records sent in the window
     * @param received outputs read back
     * @param deadLetters records that went to the dead-letter topic
     * @param samples every sample, oldest first
     */
    record Result(double offeredPerS, long sent, long received, long deadLetters, List<Sample> samples) {}

    private final PipelineBench pipeline;
    private final Duration every;
    private final Consumer<String> log;

    SoakBench(PipelineBench pipeline, Duration every, Consumer<String> log) {
        this.pipeline = pipeline;
        this.every = every;
        this.log = log;
    }

    /** Runs the adaptive job at {@code perSecond} for {@code length}, sampling every {@code every}. */
    Result run(double perSecond, Duration length) throws Exception {
        return pipeline.onWarmJob(BenchScenario.ADAPTIVE, (topics, job, run) -> soak(topics, job, perSecond, length));
    }

    private Result soak(BenchTopics topics, BenchJob job, double perSecond, Duration length)
            throws Exception {
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> pacerFailure = new AtomicReference<>();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        Thread pacer = new Thread(() -> {
            try {
                pace(topics, perSecond, start, end, sent);
            } catch (Throwable e) {
                pacerFailure.set(e);
            }
        }, "bench-soak-pacer");
        pacer.setDaemon(true);
        pacer.start();

        List<Sample> samples = new ArrayList<>();
        long received = 0;
        long dead = 0;
        List<Long> window = new ArrayList<>();
        long nextSample = start + every.toNanos();
        while (System.nanoTime() < end) {
            long[] counts = {0, 0};
            topics.poll(Duration.ofMillis(100), out -> {
                long sentMs = sentMillis(out.key());
                if (sentMs >= 0) {
                    counts[0]++;
                    window.add(out.createTimeMs() - sentMs);
                }
            }, out -> {
                if (sentMillis(out.key()) >= 0) {
                    counts[1]++;
                }
            });
            received += counts[0];
            dead += counts[1];
            if (pacerFailure.get() != null) {
                throw new IllegalStateException("the soak's paced producer failed: " + pacerFailure.get(),
                        pacerFailure.get());
            }
            job.failIfEnded();
            long now = System.nanoTime();
            if (now >= nextSample) {
                long[] latencies = window.stream().mapToLong(Long::longValue).sorted().toArray();
                double heapAfterGc = heapAfterGcMb();
                double live = -1;
                if ((samples.size() + 1) % FULL_GC_EVERY_SAMPLES == 0) {
                    System.gc(); // a full collection: the live set, garbage of every generation gone
                    live = heapAfterGcMb();
                }
                Sample sample = new Sample((now - start) / 1e9, heapAfterGc, live, rssMb(), BatchStatistics.of(EngineRegistry.shared()).queued(),
                        sent.get() - received - dead, latencies.length, PipelineBench.percentile(latencies, 0.99));
                samples.add(sample);
                log.accept(String.format(java.util.Locale.ROOT, "%5.0f s: heap after GC %.0f MB%s, RSS %.0f MB, "
                                + "queued %d, in pipeline %d, p99 %.0f ms over %d records", sample.seconds(),
                        sample.heapAfterGcMb(), live < 0 ? "" : String.format(java.util.Locale.ROOT,
                                " (live after a full GC %.0f MB)", live), sample.rssMb(), sample.schedulerQueued(),
                        sample.inPipeline(), sample.p99Ms(), sample.received()));
                window.clear();
                nextSample += every.toNanos();
            }
        }
        pacer.join();
        return new Result(perSecond, sent.get(), received, dead, samples);
    }

    /** Record i at start + i / rate until {@code end}; its key carries its send time. */
    private void pace(BenchTopics topics, double perSecond, long start, long end, AtomicLong sent) {
        double intervalNanos = 1e9 / perSecond;
        for (long i = 0; ; i++) {
            long due = start + (long) (i * intervalNanos);
            if (due >= end) {
                break;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            long now = System.currentTimeMillis();
            byte[] key = (PREFIX + i + "-" + now).getBytes(StandardCharsets.UTF_8);
            topics.producer().send(new ProducerRecord<>(topics.input(), null, now, key, pipeline.value((int) i)));
            sent.incrementAndGet();
        }
        topics.producer().flush();
    }

    /** The send time in a soak record's key, or -1 for other records (the warm-up's). */
    private static long sentMillis(String key) {
        if (!key.startsWith(PREFIX)) {
            return -1;
        }
        return Long.parseLong(key.substring(key.lastIndexOf('-') + 1));
    }

    /** Heap in use right after the latest collection of any collector, over every heap pool. */
    static double heapAfterGcMb() {
        GcInfo latest = null;
        for (java.lang.management.GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof GarbageCollectorMXBean gc && gc.getLastGcInfo() != null
                    && (latest == null || gc.getLastGcInfo().getEndTime() > latest.getEndTime())) {
                latest = gc.getLastGcInfo();
            }
        }
        if (latest == null) {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
        }
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        long used = 0;
        for (var pool : latest.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                MemoryUsage usage = pool.getValue();
                used += usage.getUsed();
            }
        }
        return used / 1e6;
    }

    /** The process's resident set size from /proc/self/status, or -1 where it does not tell. */
    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: reported as unknown.
        }
        return -1;
    }
}
