package io.streamrt.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real standalone Flink session cluster started by {@code jobs/cluster/flink-cluster.sh} (separate JVMs on
 * 127.0.0.1, StreamRT's library in their lib/), driven through its REST API as a team's scripts and the Kubernetes
 * operator drive one: upload the cluster jar, run it, stop a job with a savepoint, start one from a savepoint.
 *
 * <pre>{@code
 * StandaloneCluster cluster = StandaloneCluster.start(work, 2);   // two TaskManagers, two slots each
 * String jar = cluster.uploadJar();
 * String job = cluster.run(jar, List.of("enrich", ...), null);
 * String savepoint = cluster.stopWithSavepoint(job);
 * cluster.run(jar, List.of("enrich", "--parallelism", "2", ...), savepoint);
 * cluster.close();
 * }</pre>
 */
public final class StandaloneCluster implements AutoCloseable {

    /** Where the jobs module's tests run: its directory. */
    private static final Path JOBS = Path.of("").toAbsolutePath();
    public static final Path SCRIPT = JOBS.resolve("cluster/flink-cluster.sh");
    public static final Path CLUSTER_JAR = JOBS.resolve("target/streamrt-jobs-cluster.jar");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Path home;
    private final String rest;

    private StandaloneCluster(Path home, String rest) {
        this.home = home;
        this.rest = rest;
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers (two slots each) under {@code work/flink}; each JVM's
     * Prometheus reporter takes the first free port of a range of its own ({@code metrics-urls} lists them).
     */
    public static StandaloneCluster start(Path work, int taskManagers) throws Exception {
        int restPort = freePort();
        StandaloneCluster cluster = new StandaloneCluster(work.resolve("flink"), "http://127.0.0.1:" + restPort);
        int metricsPorts = freePort();
        cluster.script("start", String.valueOf(restPort), String.valueOf(freePort()),
                "metrics.reporter.prom.port=" + metricsPorts + "-" + (metricsPorts + 9));
        for (int i = 1; i <= taskManagers; i++) {
            cluster.script("start-taskmanager", "tm" + i);
        }
        cluster.await(taskManagers + " TaskManagers registered", Duration.ofSeconds(120),
                () -> cluster.get("/overview").path("slots-total").asInt() == 2 * taskManagers);
        return cluster;
    }

    /** The cluster's directory: its configuration, logs and pid files. */
    public Path home() {
        return home;
    }

    /** {@code POST /jars/upload}: the cluster jar as a multipart form; returns the jar id for {@link #run}. */
    public String uploadJar() throws Exception {
        String boundary = "streamrt-" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + CLUSTER_JAR.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/jars/upload"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(CLUSTER_JAR), HttpRequest.BodyPublishers.ofByteArray(tail)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("upload: %s", response.body()).isEqualTo(200);
        String file = JSON.readTree(response.body()).path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /**
     * {@code POST /jars/:jar/run}: runs the jar's main in the JobManager with these arguments, from {@code savepoint}
     * if not null; returns the job id.
     */
    public String run(String jar, List<String> args, String savepoint) throws Exception {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("programArgsList", args);
        if (savepoint != null) {
            request.put("savepointPath", savepoint);
        }
        HttpResponse<String> response = post("/jars/" + jar + "/run", JSON.writeValueAsString(request));
        assertThat(response.statusCode()).as("run %s: %s", args, response.body()).isEqualTo(200);
        String job = JSON.readTree(response.body()).path("jobid").asText();
        assertThat(job).matches("[0-9a-f]{32}");
        return job;
    }

    /**
     * {@code POST /jobs/:id/stop} without draining, as {@code flink stop} does: a savepoint in {@code home/savepoints},
     * then the job ends. Returns the savepoint's path once the job is finished.
     */
    public String stopWithSavepoint(String job) throws Exception {
        String target = home.resolve("savepoints").toUri().toString();
        HttpResponse<String> response = post("/jobs/" + job + "/stop",
                JSON.writeValueAsString(Map.of("targetDirectory", target, "drain", false)));
        assertThat(response.statusCode()).as("stop %s: %s", job, response.body()).isEqualTo(202);
        String trigger = JSON.readTree(response.body()).path("request-id").asText();
        String[] location = new String[1];
        await("the savepoint of " + job, Duration.ofMinutes(3), () -> {
            JsonNode status = get("/jobs/" + job + "/savepoints/" + trigger);
            if (!status.path("status").path("id").asText().equals("COMPLETED")) {
                return false;
            }
            JsonNode operation = status.path("operation");
            assertThat(operation.has("failure-cause")).as("savepoint failed: %s", operation).isFalse();
            location[0] = operation.path("location").asText();
            return true;
        });
        await(job + " finished after its savepoint", Duration.ofMinutes(2),
                () -> state(job).equals("FINISHED"));
        return location[0];
    }

    /** {@code PATCH /jobs/:id?mode=cancel}. */
    public void cancel(String job) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/jobs/" + job + "?mode=cancel"))
                .timeout(Duration.ofSeconds(30)).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The job's state: RUNNING, FINISHED, FAILED, ... */
    public String state(String job) {
        return get("/jobs/" + job).path("state").asText();
    }

    /** The exceptions the job met, as "name on TaskManager". */
    public List<String> exceptions(String job) {
        List<String> messages = new ArrayList<>();
        get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries")
                .forEach(e -> messages.add(e.path("exceptionName").asText() + " on "
                        + e.path("taskManagerId").asText()));
        return messages;
    }

    /** The parallelism of each of the job's vertices, by name. */
    public Map<String, Integer> parallelism(String job) {
        Map<String, Integer> byVertex = new LinkedHashMap<>();
        get("/jobs/" + job).path("vertices").forEach(v -> byVertex.put(v.path("name").asText(),
                v.path("parallelism").asInt()));
        return byVertex;
    }

    public JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(rest + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls every second; the condition's own assertion failures end the wait at once. */
    public void await(String what, Duration limit, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("waiting for %s (%s at most)", what, limit).isLessThan(deadline);
            Thread.sleep(1_000); // polling a separate cluster: its time cannot be driven from here
        }
    }

    @Override
    public void close() throws Exception {
        script("stop");
    }

    /**
     * Runs a command of the cluster script on this cluster ({@code start-taskmanager tm3}, {@code submit JAR ...});
     * returns its last line of output.
     */
    public String script(String command, String... args) throws Exception {
        return scriptOutput(command, args).lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
    }

    /** As {@link #script}, its whole output. */
    public String scriptOutput(String command, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(SCRIPT.toString(), command, home.toString()));
        line.addAll(List.of(args));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s finished", line).isTrue();
        assertThat(process.exitValue()).as("%s exited with: %s", line, output).isZero();
        return output;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
