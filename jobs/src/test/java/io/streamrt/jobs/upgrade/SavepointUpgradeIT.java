package io.streamrt.jobs.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.jobs.testing.StandaloneCluster;
import io.streamrt.jobs.testing.StandaloneClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The weekly upgrade as a Flink team does it, on a real standalone cluster (two TaskManagers, two slots each) and a
 * real Kafka broker, through the REST API: a running job stopped with a savepoint ({@code POST /jobs/:id/stop}, records
 * in flight in the inference operator), then the jar run again from it ({@code savepointPath}) with another
 * parallelism and other batch settings; a {@code read_committed} consumer sees every input exactly once in output or
 * dead letter. {@code enrich} scaled down (3 to 2) and up (2 to 4), and the SQL job's statement set.
 */
class SavepointUpgradeIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("savepoint-it-kafka");

    @RegisterExtension
    static final StandaloneClusterExtension FLINK = new StandaloneClusterExtension("savepoint-it", 2);

    private static StandaloneCluster cluster;
    private static String jar;

    @BeforeAll
    static void uploadTheJar() throws Exception {
        cluster = FLINK.cluster();
        jar = cluster.uploadJar();
    }

    /** enrich, unbounded, exactly-once, checkpoints every second. */
    private static List<String> enrich(EnrichTopics topics, int parallelism, String... extra) {
        List<String> args = topics.enrichArgs("--group-id", "upgrade-" + topics.input(),
                "--parallelism", String.valueOf(parallelism), "--checkpoint-interval-ms", "1000");
        args.addAll(List.of(extra));
        return args;
    }

    private static int committed(EnrichTopics topics) {
        return topics.committed(topics.output()).size() + topics.committed(topics.deadLetter()).size();
    }

    /**
     * Runs the jar with {@code args}, waits for {@code outputs} committed outputs, stops the job with a savepoint and
     * returns its path; some inputs are still to come out.
     */
    private static String savepointAfter(EnrichTopics topics, List<String> args, int outputs, int total)
            throws Exception {
        String job = cluster.run(jar, args, null);
        cluster.await(outputs + " outputs before the stop", Duration.ofMinutes(5), () -> {
            assertThat(cluster.state(job)).as("job; exceptions: %s", cluster.exceptions(job)).isEqualTo("RUNNING");
            return topics.committedOutputs() >= outputs;
        });
        String savepoint = cluster.stopWithSavepoint(job);
        assertThat(committed(topics)).as("records out at the savepoint").isLessThan(total);
        return savepoint;
    }

    /**
     * Runs the jar with {@code args} from the savepoint, checks that the vertex named {@code operator} runs at
     * {@code parallelism}, waits until every input is out, and cancels: the unbounded job never finishes itself.
     */
    private static void resumeUntilAllOut(EnrichTopics topics, List<String> args, String savepoint, int total,
            String operator, int parallelism) throws Exception {
        String job = cluster.run(jar, args, savepoint);
        int[] out = new int[1];
        try {
            cluster.await("all " + total + " records out after the restore", Duration.ofMinutes(5), () -> {
                assertThat(cluster.state(job)).as("restored job; exceptions: %s", cluster.exceptions(job))
                        .isNotIn("FAILED", "CANCELED", "FINISHED");
                out[0] = committed(topics);
                assertThat(out[0]).as("records out (output + dead letter)").isLessThanOrEqualTo(total);
                return out[0] == total;
            });
            assertThat(cluster.parallelism(job)).as("vertices of the restored job").anySatisfy((name, p) -> {
                assertThat(name).contains(operator);
                assertThat(p).isEqualTo(parallelism);
            });
            assertThat(cluster.exceptions(job)).as("the restored job ran without a failure").isEmpty();
        } catch (AssertionError e) {
            throw new AssertionError(out[0] + " of " + total + " records out after the restore: " + e.getMessage(), e);
        } finally {
            cluster.cancel(job);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void enrichStoppedWithASavepointRunsOnAtALowerParallelismWithOtherBatchSettingsExactlyOnce() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "down", 4);
        topics.produce(20_000, 1_000);

        String savepoint = savepointAfter(topics, enrich(topics, 3), 5_000, 20_000);
        resumeUntilAllOut(topics, enrich(topics, 2, "--max-batch-size", "16", "--latency-target-ms", "250"), savepoint,
                20_000, "StreamRT inference", 2);

        topics.assertExactlyOnce(false);
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void enrichStoppedWithASavepointRunsOnAtAHigherParallelismExactlyOnce() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "up", 4);
        topics.produce(6_000, 300);

        String savepoint = savepointAfter(topics, enrich(topics, 2), 1_500, 6_000);
        resumeUntilAllOut(topics, enrich(topics, 4, "--max-batch-size", "32"), savepoint, 6_000, "StreamRT inference",
                4);

        topics.assertExactlyOnce(false);
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void theSqlJobsStatementSetStoppedWithASavepointRunsOnAtAnotherParallelismExactlyOnce() throws Exception {
        EnrichTopics topics = EnrichTopics.create(KAFKA.kafka(), "sql", 4);
        topics.produce(4_000, 0);

        String savepoint = savepointAfter(topics, List.of("sql", "-f", sqlScript(topics, 3, 64).toString()), 1_000,
                4_000);
        resumeUntilAllOut(topics, List.of("sql", "-f", sqlScript(topics, 2, 16).toString()), savepoint, 4_000,
                "MLPredict", 2);

        List<ConsumerRecord<byte[], byte[]>> rows = topics.committed(topics.output());
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> row : rows) {
            JsonNode value = JSON.readTree(row.value());
            assertThat(ids.add(value.path("id").asText())).as("duplicate row %s", value).isTrue();
            assertThat(value.path("label").asText()).isIn("sports", "politics", "technology");
        }
        assertThat(topics.committed(topics.deadLetter())).as("no row failed").isEmpty();
        assertThat(ids).hasSize(4_000);
    }

    /**
     * Kafka in, ML_PREDICT, a statement set into output and dead letter, exactly-once; the ML_PREDICT operator's
     * parallelism and batch size as given (the plan's shape, and so its operator ids, stays the same).
     */
    private static Path sqlScript(EnrichTopics topics, int parallelism, int maxBatch) throws Exception {
        String kafkaTable = "'connector' = 'kafka', 'properties.bootstrap.servers' = '"
                + KAFKA.kafka().bootstrapServers() + "', 'format' = 'json'";
        String sink = kafkaTable + ", 'sink.delivery-guarantee' = 'exactly-once', "
                + "'properties.transaction.timeout.ms' = '900000', 'sink.transactional-id-prefix' = ";
        return Files.writeString(FLINK.work().resolve("upgrade-" + parallelism + ".sql"), String.join(";\n",
                "SET 'parallelism.default' = '" + parallelism + "'",
                "SET 'execution.checkpointing.interval' = '1 s'",
                "CREATE TABLE texts (id STRING, `text` STRING) WITH (" + kafkaTable + ", 'topic' = '" + topics.input()
                        + "', 'properties.group.id' = 'upgrade-sql', 'scan.startup.mode' = 'earliest-offset')",
                "CREATE TABLE enriched (id STRING, label STRING) WITH (" + sink + "'upgrade-out', 'topic' = '"
                        + topics.output() + "')",
                "CREATE TABLE dead_letter (id STRING, error STRING) WITH (" + sink + "'upgrade-dlq', 'topic' = '"
                        + topics.deadLetter() + "')",
                "CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, error STRING) WITH ("
                        + "'provider' = 'streamrt', 'labels' = 'sports;politics;technology', "
                        + "'on-failure' = 'DEAD_LETTER', 'max-batch-size' = '" + maxBatch + "')",
                "CREATE TEMPORARY VIEW predicted AS SELECT * FROM ML_PREDICT(TABLE texts, MODEL topics, "
                        + "DESCRIPTOR(`text`), MAP['max-concurrent-operations', '64'])",
                "EXECUTE STATEMENT SET BEGIN "
                        + "INSERT INTO enriched SELECT id, label FROM predicted WHERE error IS NULL; "
                        + "INSERT INTO dead_letter SELECT id, error FROM predicted WHERE error IS NOT NULL; END")
                + ";\n");
    }
}
