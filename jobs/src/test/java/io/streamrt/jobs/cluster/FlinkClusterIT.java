package io.streamrt.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.kafka.EmbeddedKafka;
import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.jobs.testing.EnrichTopics;
import io.streamrt.jobs.testing.StandaloneCluster;
import io.streamrt.jobs.testing.StandaloneClusterExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * StreamRT on a real standalone Flink session cluster (jobs/cluster/flink-cluster.sh: one JobManager and two
 * TaskManagers with two slots each, separate JVMs on 127.0.0.1, StreamRT's library in their lib/) and a real Kafka
 * broker: {@code enrich} at parallelism 4 over 20,000 records shares one engine per TaskManager, survives a
 * TaskManager killed with SIGKILL mid-stream (a replacement is started, as a resource manager would), and a
 * {@code read_committed} consumer sees every record exactly once in output or dead-letter. A second job then runs
 * on the same TaskManagers, whose JVMs have StreamRT's native libraries loaded already. Jobs submitted through the
 * REST API run their main inside the JobManager: a bad flag must come back as the error response, not end it. A SQL
 * script submitted with {@code flink run} plans {@code ML_PREDICT} on a {@code streamrt} model found in lib/, and each
 * TaskManager's Prometheus reporter serves StreamRT's metrics.
 */
class FlinkClusterIT {

    private static final int RECORDS = 20_000;
    private static final int MALFORMED = 1_000;
    private static final Duration METRICS_WAIT = Duration.ofSeconds(90);

    private static final Path JOBS = Path.of("").toAbsolutePath();
    private static final Path CLUSTER_JAR = StandaloneCluster.CLUSTER_JAR;

    /** Loaded once per JVM from lib/: never in the job jar. */
    private static final List<String> LIB_ONLY = List.of("io/streamrt/engine/", "io/streamrt/operators/",
            "io/streamrt/serde/", "ai/djl/", "ai/onnxruntime/", "org/bytedeco/");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("flink-cluster-it-kafka");

    @RegisterExtension
    static final StandaloneClusterExtension FLINK = new StandaloneClusterExtension("flink-cluster-it", 2);

    private static EmbeddedKafka kafka;
    private static StandaloneCluster cluster;

    @BeforeAll
    static void findClusterAndKafka() {
        kafka = KAFKA.kafka();
        cluster = FLINK.cluster();
    }

    @Test
    void theClusterJarLeavesStreamRtAndItsNativeEnginesToLib() throws IOException {
        List<String> bundled = new ArrayList<>();
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(CLUSTER_JAR.toFile())) {
            jar.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(name -> LIB_ONLY.stream().anyMatch(name::startsWith))
                    .limit(5)
                    .forEach(bundled::add);
        }
        assertThat(bundled).as("classes the job jar must leave to Flink's lib/ (jobs/target/flink-lib)").isEmpty();
        try (var lib = Files.list(JOBS.resolve("target/flink-lib"))) {
            assertThat(lib.map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("streamrt-engine-lifecycle-"))
                    .anyMatch(name -> name.startsWith("onnxruntime-"))
                    .anyMatch(name -> name.startsWith("tokenizers-"));
        }
        // Flink SQL finds the streamrt model provider in lib/: the operators jar there declares it.
        try (var lib = Files.list(JOBS.resolve("target/flink-lib"))) {
            Path operators = lib.filter(p -> p.getFileName().toString().startsWith("streamrt-operators-")).findFirst()
                    .orElseThrow();
            try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(operators.toFile())) {
                var services = jar.getEntry("META-INF/services/org.apache.flink.table.factories.Factory");
                assertThat(services).as("the table factory services file in %s", operators).isNotNull();
                assertThat(new String(jar.getInputStream(services).readAllBytes(),
                        StandardCharsets.UTF_8))
                        .contains("io.streamrt.operators.sql.StreamRtModelProviderFactory");
            }
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void oneEnginePerTaskManagerExactlyOnceAcrossAKilledTaskManagerThenASecondJob() throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "cluster", 4);
        topics.produce(RECORDS, MALFORMED);
        // The second job's input too, now: a bounded job reads what is there when it starts.
        EnrichTopics second = EnrichTopics.create(kafka, "cluster-second", 4);
        second.produce(2_000, 100);

        String job = submit(topics, "cluster-it");

        // Four inference subtasks, two engines: one per TaskManager JVM, shared by its two slots.
        Map<String, String> engineIds = engineIds(job, 4);
        assertThat(new HashSet<>(engineIds.values())).as("engine ids per subtask: %s", engineIds).hasSize(2);

        cluster.await("some output committed before the kill", Duration.ofMinutes(4),
                () -> topics.committedOutputs() >= 2_000);
        cluster.script("kill-taskmanager", "tm1");
        cluster.script("start-taskmanager", "tm3");

        cluster.await("the job finished after its restart", Duration.ofMinutes(6), () -> {
            String state = cluster.get("/jobs/" + job).path("state").asText();
            assertThat(state).as("job state; exceptions: %s", cluster.exceptions(job)).isNotIn("FAILED", "CANCELED");
            return state.equals("FINISHED");
        });
        assertThat(cluster.exceptions(job)).as("the job restarted after losing a TaskManager").isNotEmpty();

        topics.assertExactlyOnce(false);

        // A second job on the same TaskManagers: StreamRT's native libraries are already loaded by lib/ (the parent
        // class loader); a job jar that bundled them would fail here with "already loaded in another classloader".
        String secondJob = submit(second, "cluster-it-second");
        cluster.await("the second job finished", Duration.ofMinutes(3), () -> {
            String state = cluster.get("/jobs/" + secondJob).path("state").asText();
            assertThat(state).as("second job state; exceptions: %s", cluster.exceptions(secondJob)).isNotIn("FAILED");
            return state.equals("FINISHED");
        });
        assertThat(cluster.exceptions(secondJob)).as("the second job ran without a failure").isEmpty();
        second.assertExactlyOnce(false);
    }

    /**
     * The REST API runs the jar's main inside the JobManager (what the web UI and the Kubernetes operator's session
     * jobs do): a bad flag comes back as the error response, naming the flag, the JobManager lives on, and a good
     * submission runs the job exactly once.
     */
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void restSubmissionReportsABadFlagAsAnErrorAndRunsTheJobWithoutEndingTheJobManager() throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "rest", 2);
        topics.produce(2_000, 100);
        String jar = cluster.uploadJar();
        long jobManager = Long.parseLong(Files.readString(cluster.home().resolve("pids/jobmanager.pid")).strip());

        HttpResponse<String> bad = cluster.post("/jars/" + jar + "/run",
                runRequest(topics, "rest-bad", "--batch", "3"));
        assertThat(bad.statusCode()).as("status of a run with a bad flag: %s", bad.body()).isBetween(400, 599);
        assertThat(bad.body()).as("the error response").contains("Unknown options: '--batch'");
        assertThat(ProcessHandle.of(jobManager).map(ProcessHandle::isAlive)).as("the JobManager process")
                .contains(true);
        assertThat(cluster.get("/overview").path("taskmanagers").asInt()).as("TaskManagers the JobManager knows")
                .isPositive();

        String job = cluster.run(jar, enrichArgs(topics, "rest-it"), null);
        cluster.await("the REST-submitted job finished", Duration.ofMinutes(4), () -> {
            String state = cluster.get("/jobs/" + job).path("state").asText();
            assertThat(state).as("job state; exceptions: %s", cluster.exceptions(job)).isNotIn("FAILED", "CANCELED");
            return state.equals("FINISHED");
        });
        topics.assertExactlyOnce(false);
        assertThat(ProcessHandle.of(jobManager).map(ProcessHandle::isAlive)).as("the JobManager process after the job")
                .contains(true);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aSqlScriptSubmittedWithFlinkRunRunsMlPredictOnTheTaskManagersEngines() throws Exception {
        EnrichTopics topics = EnrichTopics.create(kafka, "cluster-sql", 4);
        topics.produce(2_000, 0);
        String kafkaTable = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + kafka.bootstrapServers()
                + "', 'format' = 'json'";
        // Unbounded, so that the job still runs when the REST metrics are read (a bounded one can finish first).
        Path script = Files.writeString(FLINK.work().resolve("cluster.sql"), String.join(";\n",
                "SET 'parallelism.default' = '4'",
                "CREATE TABLE texts (id STRING, `text` STRING) WITH (" + kafkaTable + ", 'topic' = '" + topics.input()
                        + "', 'properties.group.id' = 'cluster-sql', 'scan.startup.mode' = 'earliest-offset')",
                "CREATE TABLE enriched (id STRING, label STRING, batch_size INT) WITH (" + kafkaTable + ", 'topic' = '"
                        + topics.output() + "')",
                "CREATE MODEL topics INPUT (`text` STRING) OUTPUT (label STRING, batch_size INT) WITH ("
                        + "'provider' = 'streamrt', 'labels' = 'sports;politics;technology')",
                "INSERT INTO enriched SELECT id, label, batch_size FROM ML_PREDICT(TABLE texts, MODEL topics, "
                        + "DESCRIPTOR(`text`), MAP['max-concurrent-operations', '64'])") + ";\n");

        String job = cluster.script("submit", CLUSTER_JAR.toString(), "sql", "-f",
                script.toString()).strip();
        assertThat(job).matches("[0-9a-f]{32}");
        try {
            // The provider comes from lib/ on every TaskManager: four ML_PREDICT subtasks, one engine per TaskManager.
            Map<String, String> engineIds = engineIds(job, 4);
            assertThat(new HashSet<>(engineIds.values())).as("engine ids per subtask: %s", engineIds).hasSize(2);
            // Flink's Prometheus reporter in every TaskManager exports StreamRT's metrics, as a Prometheus sees them.
            for (String line : cluster.scriptOutput("metrics-urls").lines()
                    .filter(l -> l.startsWith("tm")).toList()) {
                String url = line.substring(line.indexOf(' ') + 1);
                String scrape = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(scrape).as("%s", line)
                        .contains("flink_taskmanager_job_task_operator_streamrt_inFlight{")
                        .contains("flink_taskmanager_job_task_operator_streamrt_queueTimeMs{");
            }
            cluster.await("2,000 rows enriched", Duration.ofMinutes(3), () -> {
                assertThat(cluster.get("/jobs/" + job).path("state").asText()).as("job state; exceptions: %s",
                        cluster.exceptions(job)).isNotIn("FAILED", "CANCELED", "FINISHED");
                return topics.committed(topics.output()).size() >= 2_000;
            });
        } finally {
            cluster.cancel(job);
        }
        List<JsonNode> rows = new ArrayList<>();
        for (var record : topics.committed(topics.output())) {
            rows.add(JSON.readTree(record.value()));
        }
        assertThat(rows).hasSize(2_000).allSatisfy(row -> assertThat(row.path("label").asText())
                .isIn("sports", "politics", "technology"));
        assertThat(rows.stream().map(row -> row.path("id").asText()).distinct()).hasSize(2_000);
        assertThat(rows.stream().mapToInt(row -> row.path("batch_size").asInt()).max().orElseThrow())
                .as("rows batched on the cluster").isGreaterThan(1);
    }

    private static String runRequest(EnrichTopics topics, String group, String... extra) throws IOException {
        List<String> args = new ArrayList<>(enrichArgs(topics, group));
        args.addAll(List.of(extra));
        return JSON.writeValueAsString(Map.of("programArgsList", args));
    }

    private static List<String> enrichArgs(EnrichTopics topics, String group) {
        return topics.enrichArgs("--group-id", group, "--parallelism", "4", "--checkpoint-interval-ms", "2000",
                "--bounded");
    }

    private static String submit(EnrichTopics topics, String group) throws Exception {
        List<String> args = new ArrayList<>(List.of(CLUSTER_JAR.toString()));
        args.addAll(enrichArgs(topics, group));
        String job = cluster.script("submit", args.toArray(new String[0])).strip();
        assertThat(job).matches("[0-9a-f]{32}");
        return job;
    }

    /** Subtask index to engineId gauge of the inference operator, once all {@code subtasks} report one. */
    private static Map<String, String> engineIds(String job, int subtasks) throws Exception {
        Map<String, String>[] found = new Map[1];
        cluster.await(subtasks + " engineId gauges in the REST metrics", METRICS_WAIT, () -> {
            for (JsonNode vertex : cluster.get("/jobs/" + job).path("vertices")) {
                String base = "/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/metrics";
                List<String> ids = new ArrayList<>();
                cluster.get(base).forEach(metric -> {
                    String id = metric.path("id").asText();
                    if (id.endsWith(".streamrt.engineId")) {
                        ids.add(id);
                    }
                });
                if (ids.size() == subtasks) {
                    JsonNode values = cluster.get(base + "?get=" + String.join(",", ids));
                    Map<String, String> byMetric = new java.util.TreeMap<>();
                    values.forEach(v -> byMetric.put(v.path("id").asText(), v.path("value").asText()));
                    if (byMetric.size() == subtasks && byMetric.values().stream().noneMatch(String::isEmpty)) {
                        found[0] = byMetric;
                        return true;
                    }
                }
            }
            return false;
        });
        return found[0];
    }


}
