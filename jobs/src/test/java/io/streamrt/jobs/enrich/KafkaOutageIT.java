package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.LocalCluster;
import io.streamrt.jobs.testing.ChildKafka;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.serde.KafkaRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exactly-once across a broker outage longer than the producers' one-minute metadata wait ({@code max.block.ms}), the
 * broker (a child JVM) killed at three moments: inside a checkpoint (after the sinks flushed and pre-committed their
 * transactions, before the checkpoint completes, so that it completes while those transactions are still to be
 * committed), between two checkpoints (transactions open with records in them), and with dead-letter records in
 * flight (the dead-letter sink sending when the broker dies, and sending more to a broker that is gone). The broker
 * stays down for 75 s and starts again on the same data directory. The producers' sends and aborts fail on the way
 * (the failures that used to stop the TaskManager: see {@code FailoverSafeKafkaSinkTest}); the bounded job rides it
 * out with Flink's restarts on the mini cluster {@code enrich} runs on under {@code java -jar}, commits the pending
 * transactions from its checkpoint and finishes, and a {@code read_committed} consumer sees every input exactly once
 * in output or dead-letter. A job that lost its TaskManager fails the test within seconds, naming the job's state
 * and last error. With a 60 s {@code transaction.timeout.ms} the restarted broker aborts pending transactions before
 * the job can commit them, and their records are lost: run with {@code -Dstreamrt.test.transaction-timeout-ms=60000}
 * to see it.
 */
class KafkaOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(75);
    private static final int PARALLELISM = 2;
    private static final int CHECKPOINT_INTERVAL_MS = 1000;
    /** Outlasts one stuck checkpoint (Flink's default checkpoint timeout is 10 minutes). */
    private static final Duration FINISH_WITHIN = Duration.ofMinutes(12);
    private static final Pattern TASK_THREAD = Pattern.compile("Source:|Sink|Committer|Checkpoint|kafka-producer");

    /** When the broker dies. */
    enum Timing {
        INSIDE_A_CHECKPOINT,
        BETWEEN_CHECKPOINTS,
        WITH_DEAD_LETTERS_IN_FLIGHT
    }

    @ParameterizedTest
    @EnumSource(Timing.class)
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aBoundedExactlyOnceJobFinishesAcrossA75SecondBrokerOutageWithEveryRecordOnce(Timing timing)
            throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "kafka-outage");
        try (ChildKafka kafka = ChildKafka.start(dir)) {
            EnrichTopics topics = EnrichTopics.create(kafka, "outage-" + timing.ordinal(), PARALLELISM);
            topics.produce(4_000, 400);
            Map<String, String> kafkaProperties = System.getProperty("streamrt.test.transaction-timeout-ms") == null
                    ? Map.of()
                    : Map.of("transaction.timeout.ms", System.getProperty("streamrt.test.transaction-timeout-ms"));
            EnrichConfig config = EnrichConfig.builder(kafka.bootstrapServers(), topics.input(), topics.output(),
                            topics.deadLetter())
                    .groupId("outage-it-" + timing.ordinal())
                    .parallelism(PARALLELISM)
                    .checkpointIntervalMs(CHECKPOINT_INTERVAL_MS)
                    .bounded(true)
                    .kafkaProperties(kafkaProperties)
                    .build();
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            KillBroker.prepare(kafka, timing);
            EnrichPipeline.buildWithSourceStep(env, config, raw -> raw.map(new KillBroker())
                    .returns(raw.getType()).name("Kill the broker " + timing + ", once armed"));
            try (LocalCluster job = LocalCluster.submit(env, "enrich across a broker outage " + timing)) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (topics.committedOutputs() < 600) {
                    assertThat(System.nanoTime()).as("600 outputs committed before the outage (%s)",
                            job.describe()).isLessThan(deadline);
                    Thread.sleep(200); // polling a running job; its progress cannot be driven from here
                }
                KillBroker.ARMED.set(true);
                while (!KillBroker.KILLED.get()) {
                    assertThat(System.nanoTime()).as("the broker killed %s (%s)", timing, job.describe())
                            .isLessThan(deadline);
                    Thread.sleep(50);
                }
                Thread.sleep(OUTAGE.toMillis()); // the outage itself: a broker down for real time
                kafka.startAgain();

                awaitFinished(job, topics);
            }
            topics.assertExactlyOnce(false);
        }
    }

    /**
     * Waits for the job to finish. A lost TaskManager fails at once ({@link LocalCluster.TaskManagerLostException},
     * with the job's state and last error). A job still running after {@link #FINISH_WITHIN} fails the test with what
     * a stuck job shows: its status and last error, the outputs committed so far and where each of its task threads
     * is (also printed whole).
     */
    private static void awaitFinished(LocalCluster job, EnrichTopics topics) throws Exception {
        try {
            job.await(FINISH_WITHIN);
        } catch (TimeoutException e) {
            StringBuilder where = new StringBuilder();
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                if (TASK_THREAD.matcher(thread.getName()).find()) {
                    System.out.println("stuck-job thread " + thread.getName() + " (" + thread.getState() + ")");
                    Arrays.stream(stack).forEach(frame -> System.out.println("\tat " + frame));
                    Arrays.stream(stack).filter(frame -> !frame.getClassName().startsWith("java.")
                                    && !frame.getClassName().startsWith("jdk."))
                            .findFirst()
                            .ifPresent(frame -> where.append(" | ").append(thread.getName(), 0,
                                    Math.min(40, thread.getName().length())).append(" at ").append(frame));
                }
            });
            throw new AssertionError(e.getMessage() + ", committed outputs " + topics.committedOutputs() + where, e);
        }
    }

    /**
     * Kills the broker once armed, at its {@link Timing}:
     * <ul>
     *   <li>inside the first checkpoint taken once armed: every subtask's sinks have flushed and pre-committed by
     *       then (Flink calls {@code prepareSnapshotPreBarrier} on the whole chain before any {@code snapshotState}),
     *       and the subtasks wait for each other so that none flushes after the kill;</li>
     *   <li>between checkpoints: half an interval after a checkpoint completed, with records in open transactions;</li>
     *   <li>with dead letters in flight: on the fifth malformed record read once armed, before passing it on, so the
     *       dead-letter sink has records unacknowledged and gets more after the kill.</li>
     * </ul>
     */
    static final class KillBroker extends RichMapFunction<KafkaRecord, KafkaRecord>
            implements CheckpointedFunction, CheckpointListener {

        static final AtomicBoolean ARMED = new AtomicBoolean();
        static final AtomicBoolean KILLED = new AtomicBoolean();
        private static final AtomicBoolean SCHEDULED = new AtomicBoolean();
        private static final AtomicInteger MALFORMED_SEEN = new AtomicInteger();
        private static final Map<Long, CountDownLatch> ARRIVED = new ConcurrentHashMap<>();
        private static volatile ChildKafka broker;
        private static volatile Timing timing;

        static void prepare(ChildKafka kafka, Timing when) {
            broker = kafka;
            timing = when;
            ARMED.set(false);
            KILLED.set(false);
            SCHEDULED.set(false);
            MALFORMED_SEEN.set(0);
            ARRIVED.clear();
        }

        @Override
        public KafkaRecord map(KafkaRecord record) {
            if (timing == Timing.WITH_DEAD_LETTERS_IN_FLIGHT && ARMED.get() && record.getKey() != null
                    && new String(record.getKey(), StandardCharsets.UTF_8).startsWith("bad-")
                    && MALFORMED_SEEN.incrementAndGet() == 5) {
                kill();
            }
            return record;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (timing != Timing.INSIDE_A_CHECKPOINT || !ARMED.get() || KILLED.get()) {
                return;
            }
            CountDownLatch arrived = ARRIVED.computeIfAbsent(context.getCheckpointId(),
                    id -> new CountDownLatch(PARALLELISM));
            arrived.countDown();
            if (arrived.await(10, TimeUnit.SECONDS)) {
                kill();
            }
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (timing == Timing.BETWEEN_CHECKPOINTS && ARMED.get() && SCHEDULED.compareAndSet(false, true)) {
                Thread killer = new Thread(() -> {
                    try {
                        Thread.sleep(CHECKPOINT_INTERVAL_MS / 2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    kill();
                }, "broker killer");
                killer.setDaemon(true);
                killer.start();
            }
        }

        private static void kill() {
            if (KILLED.compareAndSet(false, true)) {
                broker.kill();
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }
}
