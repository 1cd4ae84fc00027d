package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.testing.MiniClusters;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.serde.KafkaRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The enrich job end to end: a real KRaft broker, a Flink mini cluster at parallelism 2, the real INT8 MiniLM,
 * exactly-once sinks, and a {@code read_committed} consumer that checks every input landed exactly once.
 */
class EnrichExactlyOnceTest {

    private static final int RECORDS = 5_000;
    private static final int MALFORMED = 250;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("enrich-exactly-once-kafka");

    @Test
    void everyRecordLandsExactlyOnceInOutputOrDeadLetter() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "a", 2);
        topics.produce(RECORDS, MALFORMED);
        EnrichConfig config = config("a").withLabels(List.of("sports", "politics", "technology"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(env, config);
        env.execute("enrich exactly-once");

        topics.assertExactlyOnce(true);
    }

    @Test
    void everyRecordLandsExactlyOnceAcrossAnInjectedTaskFailure() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "b", 2);
        topics.produce(RECORDS, MALFORMED);
        EnrichConfig config = config("b");
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        FailOnceAfterCheckpoint.reset();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        EnrichPipeline.buildWithSourceStep(env, config, raw -> raw.map(new FailOnceAfterCheckpoint()).returns(raw.getType())
                .name("Fail once after the first checkpoint"));
        env.execute("enrich exactly-once with a failure");

        assertThat(FailOnceAfterCheckpoint.FAILED.get()).as("the failure was injected").isTrue();
        topics.assertExactlyOnce(false);
    }

    /**
     * A job started again after it stopped (here: a bounded run that finished; under {@code java -jar}, also one
     * whose TaskManager was lost) resumes from the offsets its checkpoints committed with
     * {@code --starting-offsets committed}: nothing is lost and the new records are enriched once. Kafka's offsets
     * are committed after each checkpoint completes, so those of the last one can be missing: what came after the
     * last committed offsets is read again (at least once across runs; exactly-once across runs restores from a
     * savepoint instead).
     */
    @Test
    void aRunWithCommittedStartingOffsetsResumesWhereTheLastOneStopped() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "c", 2);
        topics.produce(600, 30);
        EnrichConfig config = config("c");
        StreamExecutionEnvironment first = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(first, config);
        first.execute("enrich, first run");

        java.util.Map<String, String> later = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            later.put("later-" + i, "{\"id\": \"" + i + "\", \"text\": \"A later text, number " + i + ".\"}");
        }
        topics.produceJson(later);
        StreamExecutionEnvironment second = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(second, config.toBuilder().startingOffsets(EnrichConfig.StartingOffsets.COMMITTED)
                .build());
        second.execute("enrich, resumed from committed offsets");

        List<String> keys = java.util.stream.Stream.concat(topics.committed(topics.output()).stream(),
                        topics.committed(topics.deadLetter()).stream())
                .map(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).toList();
        assertThat(new java.util.HashSet<>(keys)).as("every input across both runs")
                .hasSize(600 + later.size()).containsAll(later.keySet());
        assertThat(keys).as("read again: at most what came after the first run's last committed offsets")
                .hasSizeLessThan(2 * 600);
        assertThat(keys.stream().filter(k -> k.startsWith("later-"))).as("the new records, once each")
                .hasSize(later.size()).doesNotHaveDuplicates();
    }

    private static EnrichConfig config(String suffix) {
        return EnrichConfig.builder(KAFKA.kafka().bootstrapServers(), "in-" + suffix, "out-" + suffix, "dlq-" + suffix)
                .groupId("it-" + suffix)
                .set(InferenceOptions.MODEL, "builtin:all-minilm-l6-v2-int8")
                .set(InferenceOptions.MAX_BATCH_SIZE, 32)
                .set(InferenceOptions.LATENCY_TARGET_MS, 200L)
                .set(InferenceOptions.CAPACITY, 128)
                .parallelism(2)
                .checkpointIntervalMs(1000)
                .bounded(true)
                .build();
    }

    /** Throws once, in the first record after the first completed checkpoint, so the job restores from it. */
    static final class FailOnceAfterCheckpoint extends RichMapFunction<KafkaRecord, KafkaRecord>
            implements CheckpointListener {

        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        static final AtomicBoolean FAILED = new AtomicBoolean();

        static void reset() {
            CHECKPOINTED.set(false);
            FAILED.set(false);
        }

        @Override
        public KafkaRecord map(KafkaRecord record) {
            if (CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after the first checkpoint");
            }
            return record;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }
}
