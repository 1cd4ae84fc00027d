package io.streamrt.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus server, Debian's {@code prometheus} binary from the PATH, on 127.0.0.1 with a configuration of
 * its own that scrapes the given targets every second; its data and log live in one folder. Queries go through
 * Prometheus' HTTP API, as Grafana's do.
 *
 * <pre>{@code
 * try (PrometheusServer prometheus = PrometheusServer.start(binary, dir, List.of("127.0.0.1:9250"))) {
 *     JsonNode series = prometheus.query("up");
 * }
 * }</pre>
 */
final class PrometheusServer implements AutoCloseable {

    static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final String url;
    private final Path log;

    private PrometheusServer(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** The {@code prometheus} executable on the PATH, if there is one. */
    static Optional<Path> binary() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "prometheus"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Starts Prometheus scraping {@code targets} ({@code host:port}, path /metrics); returns once it is ready. */
    static PrometheusServer start(Path binary, Path dir, List<String> targets) throws IOException,
            InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "global:\n"
                + "  scrape_interval: " + SCRAPE_INTERVAL.toSeconds() + "s\n"
                + "  evaluation_interval: " + SCRAPE_INTERVAL.toSeconds() + "s\n"
                + "scrape_configs:\n"
                + "  - job_name: streamrt\n"
                + "    static_configs:\n"
                + "      - targets: [" + targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))
                + "]\n", StandardCharsets.UTF_8);
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PrometheusServer server = new PrometheusServer(process, "http://127.0.0.1:" + port, log);
        try {
            server.awaitReady(Duration.ofSeconds(30));
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // until it binds its port
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("prometheus was not ready within " + limit + ": " + Files.readString(log));
            }
            Thread.sleep(200); // a separate process: its start cannot be driven from here
        }
    }

    /** The {@code data.result} of an instant query, evaluated now. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + encode(promql));
    }

    /** The {@code data.result} of a range query: one value per {@code step} from {@code start} to {@code end}. */
    JsonNode queryRange(String promql, Instant start, Instant end, Duration step) throws IOException,
            InterruptedException {
        return api("/api/v1/query_range?query=" + encode(promql) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=" + step.toSeconds() + "s");
    }

    /** The values of a label over the series {@code match} selects, as Grafana's {@code label_values} lists them. */
    JsonNode labelValues(String label, String match) throws IOException, InterruptedException {
        return api("/api/v1/label/" + label + "/values?match[]=" + encode(match));
    }

    /** The server's version, e.g. {@code 2.42.0+ds}. */
    String version() throws IOException, InterruptedException {
        return api("/api/v1/status/buildinfo").path("version").asText();
    }

    private JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException("Prometheus refused " + path + ": " + response.body());
        }
        return body.path("data").has("result") ? body.path("data").path("result") : body.path("data");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
