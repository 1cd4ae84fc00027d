package io.streamrt.jobs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamrt.jobs.testing.EmbeddedKafkaExtension;
import io.streamrt.operators.InferenceMetrics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard that docker/grafana ships, against what Flink's Prometheus reporter really exports: a real
 * Prometheus server (Debian's {@code prometheus} package) scrapes {@code enrich --metrics-port} running under load on
 * its local mini cluster with a real Kafka broker, and the query behind every panel, read from the dashboard's JSON
 * with its variables filled in as Grafana fills them, must return series with plausible values. A panel added to the
 * dashboard needs its expectation here, so the test and the dashboard cannot drift apart.
 *
 * <p>The series it fetched are drawn into target/dashboard.png; with {@code -Dstreamrt.docs.update=true} also into
 * docs/images/dashboard.png, the picture in docs/metrics.md:
 * {@code mvn -pl jobs -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=GrafanaDashboardTest
 * -Dstreamrt.docs.update=true}.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("..", "docker", "grafana", "streamrt-dashboard.json");
    private static final Path DOCS_PICTURE = Path.of("..", "docs", "images", "dashboard.png");
    private static final boolean UPDATE_DOCS = Boolean.getBoolean("streamrt.docs.update");

    /** Grafana's {@code $__rate_interval} for the 1 s scrapes here: well over its minimum, 4 scrape intervals. */
    private static final Duration RATE_INTERVAL = Duration.ofSeconds(10);
    private static final int RECORDS_PER_SECOND = 100;
    private static final double LATENCY_TARGET_MS = 100; // the operator's default
    private static final int MAX_BATCH_SIZE = 64; // the operator's default
    private static final int CAPACITY = 256; // the operator's default, per subtask
    private static final int PARALLELISM = 2;

    private static final Set<String> GPU_PANELS = Set.of("GPU memory", "GPU utilization");

    /** What each panel's queries (by refId) must give while enrich runs records on the CPU engine. */
    private static final Map<String, Expectation> EXPECTED = Map.of(
            "Records per second: in, out, dead-lettered", values -> {
                // One in 20 input records is malformed, so each of the three rates moves.
                positive(values, "A");
                positive(values, "B");
                positive(values, "C");
            },
            "End-to-end latency p99", values -> {
                positive(values, "A");
                between(values, "B", LATENCY_TARGET_MS, LATENCY_TARGET_MS);
            },
            "Queue time and run time", values -> {
                between(values, "A", 0, Double.MAX_VALUE);
                positive(values, "B");
            },
            "Batch size and limit against the latency target", values -> {
                between(values, "A", 1, MAX_BATCH_SIZE);
                between(values, "B", 1, MAX_BATCH_SIZE);
                between(values, "C", LATENCY_TARGET_MS, LATENCY_TARGET_MS);
            },
            "Padding ratio", values -> between(values, "A", 0, 1),
            "Engine busy fraction", values -> {
                between(values, "A", 0, 1);
                positive(values, "A");
            },
            "GPU memory", GrafanaDashboardTest::noSeriesWithoutAGpu,
            "GPU utilization", GrafanaDashboardTest::noSeriesWithoutAGpu,
            "In-flight records", values -> {
                between(values, "A", 0, CAPACITY * PARALLELISM);
                between(values, "B", 0, CAPACITY * PARALLELISM);
            },
            "Restarts", values -> between(values, "A", 0, 0));

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension("grafana-dashboard-kafka");

    @TempDir
    Path dir;

    @Test
    void theDashboardIsAGrafanaDashboardWithAPrometheusDatasourceVariableAndNamesOnlyExportedMetrics()
            throws Exception {
        GrafanaDashboard dashboard = GrafanaDashboard.read(DASHBOARD);
        JsonNode json = dashboard.json();
        assertThat(json.path("schemaVersion").asInt()).as("Grafana 10's schema").isGreaterThanOrEqualTo(36);
        assertThat(json.path("templating").path("list").findValuesAsText("name")).contains("datasource",
                GrafanaDashboard.JOB_VARIABLE);
        JsonNode datasource = json.path("templating").path("list").get(0);
        assertThat(datasource.path("type").asText()).isEqualTo("datasource");
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
        for (JsonNode panel : json.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText())
                    .isEqualTo("${datasource}");
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).as(panel.path("title").asText())
                        .isEqualTo("${datasource}");
            }
        }
        assertThat(dashboard.panels().stream().map(GrafanaDashboard.Panel::title))
                .as("every panel has its expectation in this test, and every expectation its panel")
                .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());

        // Every StreamRT metric a query names is one the operator registers (InferenceMetrics) or the decode step's.
        Set<String> exported = new TreeSet<>(List.of("recordsDeadLettered"));
        for (Field field : InferenceMetrics.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
                    && !field.getName().equals("GROUP")) {
                exported.add((String) field.get(null));
            }
        }
        Set<String> named = new TreeSet<>();
        // A name or a regex of names with one group of alternatives: records(DeadLettered|Failed).
        Matcher m = Pattern.compile("_" + InferenceMetrics.GROUP + "_(\\w+)(?:\\(([\\w|]+)\\))?")
                .matcher(json.toString());
        while (m.find()) {
            for (String alternative : (m.group(2) == null ? "" : m.group(2)).split("\\|")) {
                named.add(m.group(1) + alternative);
            }
        }
        assertThat(named).isNotEmpty();
        assertThat(exported).as("metrics StreamRT exports").containsAll(named);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyPanelsQueryReturnsPlausibleSeriesFromARealPrometheusScrapingEnrich() throws Exception {
        Path binary = PrometheusServer.binary().orElse(null);
        Assumptions.assumeTrue(binary != null, "no prometheus binary on the PATH: install Debian's package with "
                + "`apt-get install prometheus` (.ci/run does) to run this test");
        GrafanaDashboard dashboard = GrafanaDashboard.read(DASHBOARD);
        int metricsPort = PrometheusServer.freePort();
        Instant started = Instant.now();
        try (PrometheusServer prometheus = PrometheusServer.start(binary, dir.resolve("prometheus"),
                        List.of("127.0.0.1:" + metricsPort));
                EnrichUnderLoad run = EnrichUnderLoad.start(KAFKA.kafka(), "dashboard", RECORDS_PER_SECOND,
                        "--metrics-port", String.valueOf(metricsPort))) {
            String jobName = awaitJobName(prometheus, dashboard, run);

            // Until every panel shows what it must: the first rates need a full rate interval of scrapes.
            Map<String, AssertionError> failing = new LinkedHashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(100).toNanos();
            do {
                assertThat(run.exitStatus()).as("enrich ended while it was scraped").isNull();
                Thread.sleep(2_000); // Prometheus scrapes a separate server: its time cannot be driven from here
                failing.clear();
                for (GrafanaDashboard.Panel panel : dashboard.panels()) {
                    try {
                        EXPECTED.get(panel.title()).check(latest(prometheus, panel, jobName));
                    } catch (AssertionError e) {
                        failing.put(panel.title(), e);
                    }
                }
            } while (!failing.isEmpty() && System.nanoTime() < deadline);
            assertThat(failing).as("panels without plausible series after %s s of scrapes (%s records written)",
                    Duration.between(started, Instant.now()).toSeconds(), run.produced()).isEmpty();
            System.out.println("GPU panels " + GPU_PANELS + " skipped: no GPU here, and the CPU engine registers "
                    + "no device gauges (they stay empty, as checked)");

            if (UPDATE_DOCS) {
                Thread.sleep(30_000); // a longer picture for the docs than the check needs
            }
            List<DashboardPicture.Chart> charts = new ArrayList<>();
            for (GrafanaDashboard.Panel panel : dashboard.panels()) {
                charts.add(new DashboardPicture.Chart(panel, series(prometheus, panel, jobName, started)));
            }
            String caption = "StreamRT dashboard, " + LocalDate.now() + ": Prometheus " + prometheus.version()
                    + " scraping enrich --metrics-port under java -jar (CPU engine, builtin int8 MiniLM, parallelism "
                    + PARALLELISM + ", " + RECORDS_PER_SECOND + " records/s, 1 in 20 malformed)";
            DashboardPicture.write(charts, caption, Path.of("target", "dashboard.png"));
            if (UPDATE_DOCS) {
                DashboardPicture.write(charts, caption, DOCS_PICTURE);
            }
        }
    }

    /** The job variable's value: the one job name {@code label_values(METRIC, job_name)} lists, once scraped. */
    private static String awaitJobName(PrometheusServer prometheus, GrafanaDashboard dashboard, EnrichUnderLoad run)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode names = prometheus.labelValues(GrafanaDashboard.JOB_VARIABLE, dashboard.jobVariableMetric());
            if (names.size() > 0) {
                assertThat(names).as("job names Prometheus sees").hasSize(1);
                // Flink's reporter keeps [a-zA-Z0-9:_] of label values and writes '_' for the rest.
                assertThat(names.get(0).asText()).isEqualTo("StreamRT_enrich:_in_dashboard____out_dashboard");
                return names.get(0).asText();
            }
            assertThat(run.exitStatus()).as("enrich ended before Prometheus saw its job").isNull();
            assertThat(System.nanoTime()).as("the job's metrics scraped within 60 s").isLessThan(deadline);
            Thread.sleep(1_000); // a separate server: its scrapes cannot be driven from here
        }
    }

    /** The latest value of every series of each of the panel's queries, by refId. */
    private static Map<String, List<Double>> latest(PrometheusServer prometheus, GrafanaDashboard.Panel panel,
            String jobName) throws Exception {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (GrafanaDashboard.Target target : panel.targets()) {
            List<Double> series = new ArrayList<>();
            for (JsonNode result : prometheus.query(target.expr(RATE_INTERVAL, jobName))) {
                series.add(Double.parseDouble(result.path("value").get(1).asText()));
            }
            values.put(target.refId(), series);
        }
        return values;
    }

    /** Every series of the panel's queries from {@code since} to now, one point a second, named by its legend. */
    private static List<DashboardPicture.Series> series(PrometheusServer prometheus, GrafanaDashboard.Panel panel,
            String jobName, Instant since) throws Exception {
        List<DashboardPicture.Series> series = new ArrayList<>();
        for (GrafanaDashboard.Target target : panel.targets()) {
            for (JsonNode result : prometheus.queryRange(target.expr(RATE_INTERVAL, jobName), since, Instant.now(),
                    Duration.ofSeconds(1))) {
                List<double[]> points = new ArrayList<>();
                for (JsonNode value : result.path("values")) {
                    points.add(new double[] {value.get(0).asDouble() - since.getEpochSecond(),
                        Double.parseDouble(value.get(1).asText())});
                }
                series.add(new DashboardPicture.Series(target.refId(), target.legend(result.path("metric")),
                        points));
            }
        }
        return series;
    }

    /** The checks of one panel, given the latest value of each series of each query (by refId). */
    private interface Expectation {
        void check(Map<String, List<Double>> values);
    }

    private static void positive(Map<String, List<Double>> values, String refId) {
        assertThat(values.get(refId)).as("query %s: series", refId).isNotEmpty()
                .as("query %s: some series above 0", refId).anyMatch(v -> v > 0);
        between(values, refId, 0, Double.MAX_VALUE);
    }

    private static void between(Map<String, List<Double>> values, String refId, double min, double max) {
        assertThat(values.get(refId)).as("query %s: series", refId).isNotEmpty()
                .as("query %s: values in [%s, %s]", refId, min, max).allMatch(v -> v >= min && v <= max);
    }

    private static void noSeriesWithoutAGpu(Map<String, List<Double>> values) {
        assertThat(values.values().stream().flatMap(List::stream).collect(Collectors.toList()))
                .as("GPU gauges on the CPU engine").isEmpty();
    }
}
