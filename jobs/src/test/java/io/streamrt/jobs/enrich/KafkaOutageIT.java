package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.testing.ChildKafka;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.serde.KafkaRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once across a broker outage longer than the old one-minute transaction timeout. The real broker (a child
 * JVM) is killed at the worst moment for exactly-once: inside a checkpoint, after the sinks flushed and pre-committed
 * their transactions and before the checkpoint completes, so that the checkpoint (holding the source offsets past
 * those records) completes while the transactions are still to be committed. The broker stays down for 75 s and
 * starts again on the same data directory; the bounded job rides it out with Flink's restarts, commits the pending
 * transactions from its checkpoint and finishes, and a {@code read_committed} consumer sees every input exactly once
 * in output or dead-letter. With a 60 s {@code transaction.timeout.ms} the restarted broker aborts those transactions
 * before the job can commit them, and their records are lost: run with
 * {@code -Dstreamrt.test.transaction-timeout-ms=60000} to see it.
 */
class KafkaOutageIT {

    private static final Duration OUTAGE = Duration.ofSeconds(75);
    private static final int PARALLELISM = 2;
    private static final Duration FINISH_WITHIN = Duration.ofMinutes(12);
    private static final Pattern TASK_THREAD = Pattern.compile("Source:|Sink|Committer|Checkpoint|kafka-producer");

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aBoundedExactlyOnceJobFinishesAcrossA75SecondBrokerOutageWithEveryRecordOnce() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "kafka-outage");
        try (ChildKafka kafka = ChildKafka.start(dir)) {
            EnrichTopics topics = EnrichTopics.create(kafka, "outage", PARALLELISM);
            topics.produce(4_000, 200);
            EnrichConfig defaults = EnrichConfig.defaults(kafka.bootstrapServers(), topics.input(), topics.output(),
                    topics.deadLetter());
            Map<String, String> kafkaProperties = System.getProperty("streamrt.test.transaction-timeout-ms") == null
                    ? Map.of()
                    : Map.of("transaction.timeout.ms", System.getProperty("streamrt.test.transaction-timeout-ms"));
            EnrichConfig config = new EnrichConfig(defaults.bootstrapServers(), defaults.inputTopic(),
                    defaults.outputTopic(), defaults.deadLetterTopic(), "outage-it", defaults.model(), null,
                    defaults.engine(), "text", "id", List.of(), 64, 128, 100, 256, false, PARALLELISM, 1000,
                    EnrichConfig.Delivery.EXACTLY_ONCE, EnrichConfig.StartingOffsets.EARLIEST, true, kafkaProperties);
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            KillBrokerInCheckpoint.prepare(kafka);
            EnrichPipeline.buildWithSourceStep(env, config, raw -> raw.map(new KillBrokerInCheckpoint())
                    .returns(raw.getType()).name("Kill the broker inside a checkpoint, once armed"));
            JobClient job = env.executeAsync("enrich across a broker outage");

            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (topics.committedOutputs() < 600) {
                assertThat(System.nanoTime()).as("600 outputs committed before the outage").isLessThan(deadline);
                Thread.sleep(200); // polling a running job; its progress cannot be driven from here
            }
            KillBrokerInCheckpoint.ARMED.set(true);
            while (!KillBrokerInCheckpoint.KILLED.get()) {
                assertThat(System.nanoTime()).as("the broker killed in a checkpoint").isLessThan(deadline);
                Thread.sleep(50);
            }
            Thread.sleep(OUTAGE.toMillis()); // the outage itself: a broker down for real time
            kafka.startAgain();

            awaitFinished(job, topics);
            topics.assertExactlyOnce(false);
        }
    }

    /**
     * Waits for the job to finish. A job still running after {@link #FINISH_WITHIN} fails the test with what a stuck
     * job shows: its status, the outputs committed so far and where each of its task threads is (also printed whole),
     * so that a hang on a slow machine says where it hangs. Flink's default checkpoint timeout is 10 minutes, and the
     * bounded job finishes only through a completed final checkpoint: the wait outlasts one stuck checkpoint.
     */
    private static void awaitFinished(JobClient job, EnrichTopics topics) throws Exception {
        try {
            job.getJobExecutionResult().get(FINISH_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
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
            throw new AssertionError("the job did not finish within " + FINISH_WITHIN.toMinutes()
                    + " min of the broker's restart: status " + job.getJobStatus().get(10, TimeUnit.SECONDS)
                    + ", committed outputs " + topics.committedOutputs() + where, e);
        }
    }

    /**
     * Kills the broker from inside the first checkpoint taken once armed: every subtask's sinks have flushed and
     * pre-committed by then (Flink calls {@code prepareSnapshotPreBarrier} on the whole chain before any
     * {@code snapshotState}), and the subtasks wait for each other so that none flushes after the kill.
     */
    static final class KillBrokerInCheckpoint extends RichMapFunction<KafkaRecord, KafkaRecord>
            implements CheckpointedFunction {

        static final AtomicBoolean ARMED = new AtomicBoolean();
        static final AtomicBoolean KILLED = new AtomicBoolean();
        private static final Map<Long, CountDownLatch> ARRIVED = new ConcurrentHashMap<>();
        private static volatile ChildKafka broker;

        static void prepare(ChildKafka kafka) {
            broker = kafka;
            ARMED.set(false);
            KILLED.set(false);
            ARRIVED.clear();
        }

        @Override
        public KafkaRecord map(KafkaRecord record) {
            return record;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (!ARMED.get() || KILLED.get()) {
                return;
            }
            CountDownLatch arrived = ARRIVED.computeIfAbsent(context.getCheckpointId(),
                    id -> new CountDownLatch(PARALLELISM));
            arrived.countDown();
            if (arrived.await(10, TimeUnit.SECONDS) && KILLED.compareAndSet(false, true)) {
                broker.kill();
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}
    }
}
