package io.streamrt.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.ChildKafka;
import io.streamrt.jobs.testing.Cli;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.jobs.testing.LogCapture;
import io.streamrt.jobs.testing.MiniClusters;
import io.streamrt.jobs.testing.PoisonModel;
import io.streamrt.jobs.testing.SaslSslListener;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enrich} and {@code sql} against a broker whose client listener speaks only SASL_SSL (SCRAM-SHA-512, a
 * self-signed certificate made for the test), with the settings in a properties file or the tables' {@code
 * properties.*} options, as users of a secured cluster run them: every record lands exactly once, no password shows
 * in a log line, in what the command prints or in the job's configuration on the REST API, and a wrong password or
 * an untrusted certificate ends {@code enrich} before submission with the cause and the setting to check.
 */
class SecuredKafkaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.oneTaskManagerTwoSlots();

    @TempDir
    static Path dir;

    private static SaslSslListener tls;
    private static ChildKafka kafka;

    @BeforeAll
    static void startSecuredBroker() {
        tls = SaslSslListener.create(dir.resolve("tls"));
        kafka = ChildKafka.startSecured(dir.resolve("broker"), tls);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void enrichWithAPropertiesFileDeliversEveryRecordOnceAndShowsNoSecret(
            @InjectClusterClient ClusterClient<?> flink) throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "enrich", 2);
        topics.produce(400, 20);
        Path properties = propertiesFile("client.properties", tls.clientSettings());

        Cli.Run run;
        List<String> logs;
        try (LogCapture capture = LogCapture.info()) {
            run = enrich(topics, properties, "--parallelism", "2", "--checkpoint-interval-ms", "500", "--group-id",
                    "secured-enrich", "--max-batch-size", "32");
            logs = capture.lines();
        }

        assertThat(run.exit()).as(run.toString()).isZero();
        topics.assertExactlyOnce(false);
        assertThat(String.join("\n", logs)).as("the clients logged their settings, secrets masked")
                .contains("security.protocol = SASL_SSL").contains("sasl.jaas.config = [hidden]")
                .contains("ssl.truststore.password = [hidden]");
        assertNoSecretIn("the log lines", String.join("\n", logs));
        assertNoSecretIn("what enrich printed", run.toString());
        assertNoSecretIn("the job's configuration and plan", jobAsRestShowsIt(flink, "StreamRT enrich: "
                + topics.input() + " -> " + topics.output()));
    }

    @Test
    void aSqlStatementSetOverSaslSslDeliversEveryRowOnceAndShowsNoSecret(
            @InjectClusterClient ClusterClient<?> flink) throws Exception {
        PoisonModel model = PoisonModel.write(dir.resolve("poison-model"), "poison");
        EnrichTopics topics = EnrichTopics.create(kafka, "sql", 2);
        topics.produce(300, 0, 6, "poison");
        String security = tls.clientSettings().entrySet().stream()
                .map(e -> "'properties." + e.getKey() + "' = '" + e.getValue().replace("'", "''") + "'")
                .collect(Collectors.joining(", "));
        String kafkaTable = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + kafka.bootstrapServers()
                + "', " + security + ", 'format' = 'json'";
        String sink = kafkaTable + ", 'sink.delivery-guarantee' = 'exactly-once', "
                + "'properties.transaction.timeout.ms' = '900000', 'sink.transactional-id-prefix' = ";
        Path script = Files.writeString(dir.resolve("secured.sql"), String.join(";\n",
                "SET 'execution.checkpointing.interval' = '500 ms'",
                "SET 'pipeline.name' = 'secured-sql'",
                "CREATE TABLE texts (id STRING, `text` STRING) WITH (" + kafkaTable + ", 'topic' = '" + topics.input()
                        + "', 'properties.group.id' = 'secured-sql', 'scan.startup.mode' = 'earliest-offset', "
                        + "'scan.bounded.mode' = 'latest-offset')",
                "CREATE TABLE enriched (id STRING, label STRING) WITH (" + sink + "'secured-sql-out', 'topic' = '"
                        + topics.output() + "')",
                "CREATE TABLE dead_letter (id STRING, error STRING) WITH (" + sink + "'secured-sql-dlq', 'topic' = '"
                        + topics.deadLetter() + "')",
                "CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, error STRING) WITH ("
                        + "'provider' = 'streamrt', 'model' = '" + model.model() + "', "
                        + "'labels' = 'sports;politics;technology', 'on-failure' = 'DEAD_LETTER')",
                "CREATE TEMPORARY VIEW predicted AS SELECT * FROM ML_PREDICT(TABLE texts, MODEL topics, "
                        + "DESCRIPTOR(`text`))",
                "EXECUTE STATEMENT SET BEGIN "
                        + "INSERT INTO enriched SELECT id, label FROM predicted WHERE error IS NULL; "
                        + "INSERT INTO dead_letter SELECT id, error FROM predicted WHERE error IS NOT NULL; END",
                ""));

        Cli.Run run;
        List<String> logs;
        try (LogCapture capture = LogCapture.info()) {
            run = Cli.run("sql", "-f", script.toString(), "--parallelism", "2");
            logs = capture.lines();
        }

        assertThat(run.exit()).as(run.toString()).isZero();
        Map<String, JsonNode> out = byId(topics.committed(topics.output()));
        Map<String, JsonNode> dead = byId(topics.committed(topics.deadLetter()));
        List<String> ids = topics.producedKeys().stream().map(SecuredKafkaTest::id).toList();
        assertThat(out.size() + dead.size()).as("out + dead-letter == in").isEqualTo(ids.size());
        assertThat(out.keySet()).doesNotContainAnyElementsOf(dead.keySet());
        assertThat(dead.keySet()).as("exactly the poisoned rows failed")
                .containsExactlyInAnyOrderElementsOf(topics.poisonedKeys().stream().map(SecuredKafkaTest::id).toList());
        assertThat(String.join("\n", logs)).as("the clients logged their settings, secrets masked")
                .contains("security.protocol = SASL_SSL").contains("sasl.jaas.config = [hidden]");
        assertNoSecretIn("the log lines", String.join("\n", logs));
        assertNoSecretIn("what sql printed", run.toString());
        assertNoSecretIn("the job's configuration and plan", jobAsRestShowsIt(flink, "secured-sql"));
    }

    @Test
    void aWrongPasswordEndsEnrichBeforeSubmissionNamingTheCauseAndTheSetting() throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "password", 1);
        Path properties = propertiesFile("wrong-password.properties",
                tls.clientSettings("not-" + tls.password(), tls.truststore()));

        long start = System.nanoTime();
        Cli.Run run = enrich(topics, properties);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("authentication failed").contains("SCRAM-SHA-512")
                .contains("sasl.jaas.config").contains("sasl.mechanism").contains("--kafka-properties-file");
        assertThat(took).as("failed on the cause, not the 30 s check timeout").isLessThan(Duration.ofSeconds(15));
        assertThat(topics.committed(topics.output())).isEmpty();
        assertNoSecretIn("what enrich printed", run.toString());
    }

    @Test
    void anUntrustedCertificateEndsEnrichBeforeSubmissionNamingTheCauseAndTheSetting() throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "untrusted", 1);
        Path properties = propertiesFile("untrusted.properties",
                tls.clientSettings(tls.password(), tls.untrustingTruststore()));

        long start = System.nanoTime();
        Cli.Run run = enrich(topics, properties);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("certificate is not trusted").contains("ssl.truststore.location")
                .contains("--kafka-properties-file");
        assertThat(took).as("failed on the cause, not the 30 s check timeout").isLessThan(Duration.ofSeconds(15));
        assertNoSecretIn("what enrich printed", run.toString());
    }

    private static Cli.Run enrich(EnrichTopics topics, Path properties, String... extra) {
        List<String> args = topics.enrichArgs("--kafka-properties-file", properties.toString(), "--bounded");
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static Path propertiesFile(String name, Map<String, String> settings) throws IOException {
        Properties properties = new Properties();
        properties.putAll(settings);
        Path file = dir.resolve(name);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, null);
        }
        return file;
    }

    /** The finished job's configuration and details (its plan, with every operator's description) from REST. */
    private static String jobAsRestShowsIt(ClusterClient<?> flink, String name) throws Exception {
        JobID job = flink.listJobs().get().stream().filter(j -> j.getJobName().equals(name))
                .map(JobStatusMessage::getJobId).findFirst()
                .orElseThrow(() -> new AssertionError("no job named '" + name + "' on the mini cluster"));
        HttpClient http = HttpClient.newHttpClient();
        StringBuilder shown = new StringBuilder();
        for (String path : List.of("/jobs/" + job + "/config", "/jobs/" + job)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(flink.getWebInterfaceURL()
                    + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
            shown.append(response.body()).append('\n');
        }
        assertThat(shown.toString()).contains(job.toString());
        return shown.toString();
    }

    private static void assertNoSecretIn(String where, String text) {
        for (String secret : tls.secrets()) {
            assertThat(text).as("a secret in %s", where).doesNotContain(secret);
        }
    }

    private static String id(String key) {
        return key.substring(key.indexOf('-') + 1);
    }

    private static Map<String, JsonNode> byId(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        Map<String, JsonNode> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            JsonNode row = JSON.readTree(record.value());
            assertThat(byId.put(row.get("id").asText(), row)).as("duplicate %s", row.get("id")).isNull();
        }
        return byId;
    }
}
