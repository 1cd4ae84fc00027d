package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.demo.DemoTexts;
import io.streamrt.jobs.demo.MalformedValue;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.serde.DeadLetter;
import io.streamrt.serde.KafkaRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static EmbeddedKafka kafka;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(Path.of(System.getProperty("java.io.tmpdir"), "enrich-exactly-once-kafka"));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void everyRecordLandsExactlyOnceInOutputOrDeadLetter() throws Exception {
        Map<String, Boolean> produced = produce("in-a");
        EnrichConfig config = config("a").withLabels(List.of("sports", "politics", "technology"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EnrichPipeline.build(env, config);
        env.execute("enrich exactly-once");

        assertExactlyOnce(produced, config, true);
    }

    @Test
    void everyRecordLandsExactlyOnceAcrossAnInjectedTaskFailure() throws Exception {
        Map<String, Boolean> produced = produce("in-b");
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
        assertExactlyOnce(produced, config, false);
    }

    private static EnrichConfig config(String suffix) {
        return new EnrichConfig(kafka.bootstrapServers(), "in-" + suffix, "out-" + suffix, "dlq-" + suffix,
                "it-" + suffix, "builtin:all-minilm-l6-v2-int8", null, "auto", "text", "id", List.of(), 32, 128, 200,
                128, false, 2, 1000, EnrichConfig.Delivery.EXACTLY_ONCE, EnrichConfig.StartingOffsets.EARLIEST, true,
                Map.of());
    }

    /** Produces the input; returns each record's key and whether it is well-formed. */
    private Map<String, Boolean> produce(String topic) throws Exception {
        String suffix = topic.substring(topic.indexOf('-') + 1);
        kafka.createTopics(2, topic, "out-" + suffix, "dlq-" + suffix);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, Boolean> keys = new HashMap<>();
        for (DemoTexts.DemoText text : DemoTexts.generate(RECORDS - MALFORMED, 7)) {
            String key = "good-" + text.id();
            records.add(new ProducerRecord<>(topic, bytes(key), DemoTexts.toJson(text, "text", "id")));
            keys.put(key, true);
        }
        List<MalformedValue> malformed = DemoTexts.malformedValues(MALFORMED / 13 + 1, "text", "id");
        for (MalformedValue bad : malformed.subList(0, MALFORMED)) {
            String key = "bad-" + bad.id();
            records.add(new ProducerRecord<>(topic, bytes(key), bad.value()));
            keys.put(key, false);
        }
        Collections.shuffle(records, new Random(11));
        Properties props = kafka.clientProperties();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                record.headers().add("source", bytes("it"));
                producer.send(record);
            }
            producer.flush();
        }
        assertThat(keys).hasSize(RECORDS);
        return keys;
    }

    private void assertExactlyOnce(Map<String, Boolean> produced, EnrichConfig config, boolean labelled)
            throws Exception {
        List<ConsumerRecord<byte[], byte[]>> out = readCommitted(config.outputTopic());
        List<ConsumerRecord<byte[], byte[]>> dead = readCommitted(config.deadLetterTopic());

        assertThat(out.size() + dead.size()).as("out + dead-letter == in").isEqualTo(produced.size());
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : out) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(seen.add(key)).as("duplicate %s", key).isTrue();
            assertThat(produced.get(key)).as("%s is well-formed", key).isTrue();
            JsonNode value = json.readTree(record.value());
            assertThat(value.get("text").isTextual()).isTrue();
            assertThat(value.get("id").asText()).isEqualTo(key.substring("good-".length()));
            assertThat(value.get("topic").isTextual()).isTrue();
            JsonNode inference = value.get("inference");
            assertThat(inference.get("embedding").size()).isEqualTo(384);
            assertThat(inference.get("engine").asText()).isEqualTo("onnxruntime");
            assertThat(inference.has("label")).isEqualTo(labelled);
            assertThat(new String(record.headers().lastHeader("source").value(), StandardCharsets.UTF_8)).isEqualTo("it");
        }
        for (ConsumerRecord<byte[], byte[]> record : dead) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(seen.add(key)).as("duplicate %s", key).isTrue();
            assertThat(produced.get(key)).as("%s is malformed", key).isFalse();
            assertThat(record.headers().lastHeader(DeadLetter.REASON_HEADER)).isNotNull();
            assertThat(record.headers().lastHeader(DeadLetter.TOPIC_HEADER).value())
                    .isEqualTo(bytes(config.inputTopic()));
        }
        assertThat(seen).isEqualTo(produced.keySet());
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        Properties props = kafka.clientProperties();
        props.setProperty("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
