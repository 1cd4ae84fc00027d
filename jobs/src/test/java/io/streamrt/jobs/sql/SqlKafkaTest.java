package io.streamrt.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.jobs.testing.MiniClusters;
import io.streamrt.jobs.testing.PoisonModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka -> {@code ML_PREDICT} -> Kafka in Flink SQL on a real broker: exactly once across a failure, with poisoned
 * rows among the good ones (the SQL demo itself runs in {@code DemoCommandTest}).
 */
class SqlKafkaTest {

    private static final String WORD = "poison";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("sql-kafka-test");

    @Test
    void everyRowEndsExactlyOnceInOutputOrDeadLetterAcrossARestartAndOnlyPoisonedRowsFail(@TempDir Path dir)
            throws Exception {
        PoisonModel model = PoisonModel.write(dir.resolve("poison-model"), WORD);
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "sql", 2);
        topics.produce(1_500, 0, 15, WORD);
        FailOnce.reset();
        String kafkaTable = "'connector' = 'kafka', 'properties.bootstrap.servers' = '"
                + KAFKA.kafka().bootstrapServers() + "', 'format' = 'json'";
        String sink = kafkaTable + ", 'sink.delivery-guarantee' = 'exactly-once', "
                + "'properties.transaction.timeout.ms' = '900000', 'sink.transactional-id-prefix' = ";
        List<String> statements = List.of(
                "SET 'execution.checkpointing.interval' = '500 ms'",
                "SET 'restart-strategy.type' = 'fixed-delay'",
                "SET 'restart-strategy.fixed-delay.attempts' = '3'",
                "SET 'restart-strategy.fixed-delay.delay' = '1 s'",
                "CREATE TABLE texts (id STRING, `text` STRING) WITH (" + kafkaTable + ", 'topic' = '"
                        + topics.input() + "', 'properties.group.id' = 'sql-it', "
                        + "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')",
                "CREATE TABLE enriched (id STRING, label STRING, batch_size INT) WITH (" + sink + "'sql-it-out', "
                        + "'topic' = '" + topics.output() + "')",
                "CREATE TABLE dead_letter (id STRING, error STRING) WITH (" + sink + "'sql-it-dlq', 'topic' = '"
                        + topics.deadLetter() + "')",
                "CREATE TEMPORARY FUNCTION fail_once AS '" + FailOnce.class.getName() + "'",
                "CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, batch_size INT, error STRING) WITH ("
                        + "'provider' = 'streamrt', 'model' = '" + model.model() + "', "
                        + "'labels' = 'sports;politics;technology', 'on-failure' = 'DEAD_LETTER')",
                "CREATE TEMPORARY VIEW checked AS SELECT fail_once(id) AS id, `text` FROM texts",
                "CREATE TEMPORARY VIEW predicted AS SELECT * FROM ML_PREDICT(TABLE checked, MODEL topics, "
                        + "DESCRIPTOR(`text`), MAP['max-concurrent-operations', '64'])",
                "EXECUTE STATEMENT SET BEGIN "
                        + "INSERT INTO enriched SELECT id, label, batch_size FROM predicted WHERE error IS NULL; "
                        + "INSERT INTO dead_letter SELECT id, error FROM predicted WHERE error IS NOT NULL; END");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StringWriter err = new StringWriter();

        int exit = SqlCommand.run(StreamTableEnvironment.create(env), statements, new PrintWriter(new StringWriter()),
                new PrintWriter(err), 10);

        assertThat(exit).as(err.toString()).isZero();
        assertThat(FailOnce.FAILED.get()).as("the job failed once mid-stream and was restarted").isTrue();
        Map<String, JsonNode> out = byId(topics.committed(topics.output()));
        Map<String, JsonNode> dead = byId(topics.committed(topics.deadLetter()));
        Map<String, String> produced = topics.producedKeys().stream()
                .collect(Collectors.toMap(key -> key.substring(key.indexOf('-') + 1), key -> key));
        assertThat(out.size() + dead.size()).as("out + dead-letter == in, no duplicates").isEqualTo(produced.size());
        assertThat(out.keySet()).doesNotContainAnyElementsOf(dead.keySet());
        assertThat(dead.keySet()).as("exactly the poisoned rows failed")
                .containsExactlyInAnyOrderElementsOf(topics.poisonedKeys().stream()
                        .map(key -> key.substring(key.indexOf('-') + 1)).toList());
        assertThat(dead.values()).allSatisfy(row -> assertThat(row.get("error").asText())
                .startsWith("inference-failed: ").contains("run alone"));
        assertThat(out.values()).allSatisfy(row -> assertThat(row.get("label").asText())
                .isIn("sports", "politics", "technology"));
        assertThat(out.values().stream().mapToInt(row -> row.get("batch_size").asInt()).max().orElseThrow())
                .as("rows batched").isGreaterThan(1);
    }

    private static Map<String, JsonNode> byId(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, JsonNode> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                JsonNode row = JSON.readTree(record.value());
                assertThat(byId.put(row.get("id").asText(), row)).as("duplicate %s", row.get("id")).isNull();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byId;
    }

    /** Fails the job once, three seconds into its run (checkpoints have completed by then), and never again. */
    public static final class FailOnce extends ScalarFunction {

        static final AtomicBoolean FAILED = new AtomicBoolean();
        private static final AtomicLong FIRST_NANOS = new AtomicLong();

        static void reset() {
            FAILED.set(false);
            FIRST_NANOS.set(0);
        }

        public String eval(String id) {
            long now = System.nanoTime();
            FIRST_NANOS.compareAndSet(0, now);
            if (now - FIRST_NANOS.get() > 3_000_000_000L && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure, once");
            }
            return id;
        }
    }
}
