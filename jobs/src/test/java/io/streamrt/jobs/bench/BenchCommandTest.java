package io.streamrt.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.testing.Cli;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A small real benchmark run (engine, Kafka, Flink; about a minute on two cores): the command succeeds, the JSON
 * has the exact shape other scripts read with sane figures, and the chart is a readable PNG.
 */
class BenchCommandTest {

    private static final List<String> TOP_LEVEL =
            List.of("date", "machine", "model", "engine", "engine_alone", "scenarios", "latency_target_ms");
    private static final List<String> OPEN_LOOP_FIELDS = List.of("load", "offered_per_s", "achieved_per_s", "p50_ms",
            "p95_ms", "p99_ms", "mean_batch_size", "padding_ratio");

    @Test
    void smallRunWritesTheIssueShapeAndAChart() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bench-test");
        Path json = dir.resolve("results.json");
        Path png = dir.resolve("results.png");
        Path encodings = dir.resolve("encodings.json");

        String out = benchOutput("--records", "150", "--duration-s", "2", "--loads", "0.5", "--parallelism", "1",
                "--warm-up-records", "20", "--warm-up-s", "1", "--max-batch-size", "16", "--output", json.toString(),
                "--chart", png.toString(), "--encodings", "json,base64-f16,no-embedding", "--encodings-output",
                encodings.toString(), "--latency-bound-ms", "0");
        assertThat(out).contains("| scenario | load |").contains("engine alone, batch 16")
                .contains("adaptive max >= 1.3 x per-record max")
                .contains("after 20 warm-up records and 1 s paced at the window's rate");

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(fieldNames(root)).containsExactlyElementsOf(TOP_LEVEL);
        assertThat(root.get("date").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
        assertThat(root.get("machine").asText()).contains("cores");
        assertThat(root.get("model").asText()).isEqualTo("all-minilm-l6-v2-int8");
        assertThat(root.get("engine").asText()).isEqualTo("onnxruntime");
        assertThat(root.get("latency_target_ms").asDouble()).isEqualTo(100.0);

        List<Integer> batchSizes = new ArrayList<>();
        for (JsonNode point : root.get("engine_alone")) {
            assertThat(fieldNames(point)).containsExactly("batch_size", "records_per_s");
            batchSizes.add(point.get("batch_size").asInt());
            assertThat(point.get("records_per_s").asDouble()).isPositive();
        }
        assertThat(batchSizes).containsExactly(1, 2, 4, 8, 16);

        List<String> names = new ArrayList<>();
        for (JsonNode scenario : root.get("scenarios")) {
            assertThat(fieldNames(scenario)).containsExactly("name", "max_records_per_s", "open_loop");
            String name = scenario.get("name").asText();
            names.add(name);
            assertThat(scenario.get("max_records_per_s").asDouble()).as(name).isPositive();
            assertThat(scenario.get("open_loop")).as(name).hasSize(1);
            JsonNode point = scenario.get("open_loop").get(0);
            assertThat(fieldNames(point)).containsExactlyElementsOf(OPEN_LOOP_FIELDS);
            assertThat(point.get("load").asDouble()).isEqualTo(0.5);
            assertThat(point.get("offered_per_s").asDouble()).as(name).isPositive();
            assertThat(point.get("achieved_per_s").asDouble()).as(name).isPositive();
            double p50 = point.get("p50_ms").asDouble();
            double p95 = point.get("p95_ms").asDouble();
            double p99 = point.get("p99_ms").asDouble();
            assertThat(p50).as(name).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(p95);
            assertThat(p95).as(name).isLessThanOrEqualTo(p99);
            assertThat(point.get("padding_ratio").asDouble()).as(name).isGreaterThanOrEqualTo(0).isLessThan(1);
            assertThat(point.get("mean_batch_size").asDouble()).as(name).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(16);
            if (name.equals("per-record")) {
                assertThat(point.get("mean_batch_size").asDouble()).isEqualTo(1.0);
                assertThat(point.get("padding_ratio").asDouble()).isEqualTo(0.0);
            }
        }
        assertThat(names).containsExactly("per-record", "static", "adaptive");

        // The output encodings, same input: float16 base64 is a fraction of the JSON numbers, none smaller still.
        assertThat(out).contains("| embedding | bytes per output record | x input | records/s | vs json |");
        JsonNode sizes = new ObjectMapper().readTree(encodings.toFile());
        assertThat(sizes.get("input_bytes_per_record").asDouble()).isPositive();
        List<String> variants = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        for (JsonNode point : sizes.get("encodings")) {
            assertThat(fieldNames(point)).containsExactly("embedding", "bytes_per_record", "records_per_s");
            assertThat(point.get("records_per_s").asDouble()).isPositive();
            variants.add(point.get("embedding").asText());
            bytes.add(point.get("bytes_per_record").asDouble());
        }
        assertThat(variants).containsExactly("json", "base64-f16", "no-embedding");
        // 384 floats: ~12 bytes each as JSON numbers, 2.67 as base64 float16.
        assertThat(bytes.get(0) - bytes.get(1)).as("json minus base64-f16").isBetween(3000.0, 4500.0);
        assertThat(bytes.get(1) - bytes.get(2)).as("base64-f16 minus no embedding").isBetween(1024.0, 1100.0);

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("chart %s is a readable image", png).isNotNull();
        assertThat(image.getWidth()).isGreaterThan(image.getHeight());
    }

    @Test
    void stagesOnlyChargesTheRealPipelinesCpuToItsStages() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bench-stages");
        Path json = dir.resolve("stages.json");
        String out = benchOutput("--stages-only", "--records", "120", "--parallelism", "1", "--warm-up-records",
                "20", "--max-batch-size", "16", "--stages-output", json.toString());
        assertThat(out).contains("| stage | CPU µs/record | share of pipeline |").contains("| tokenize |");

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("records").asInt()).isEqualTo(120);
        assertThat(root.get("event").asText()).isIn("cpu", "itimer");
        java.util.Map<String, Double> micros = new java.util.HashMap<>();
        root.get("stages").forEach(s -> micros.put(s.get("stage").asText(), s.get("cpu_us_per_record").asDouble()));
        assertThat(micros.keySet()).contains("source", "decode", "tokenize", "hand-off", "engine", "post-processing",
                "encode", "sink", "broker", "harness", "jit");
        // The model is most of a record's CPU on this path, and tokenizing and the broker are sampled at all.
        assertThat(micros.get("engine")).isGreaterThan(micros.get("tokenize")).isGreaterThan(0);
        assertThat(micros.get("broker")).isGreaterThan(0);
        assertThat(root.get("pipeline_cpu_us_per_record").asDouble())
                .isGreaterThan(root.get("record_path_cpu_us_per_record").asDouble());
        assertThat(Files.readString(dir.resolve("stages.stacks.txt"))).contains("OrtSession.run");
    }

    @Test
    void sqlOnlyComparesMlPredictWithTheDataStreamOperatorOnTheSameRecords() throws Exception {
        Path json = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bench-sql")
                .resolve("sql.json");
        String out = benchOutput("--sql-only", "--records", "150", "--parallelism", "1", "--warm-up-records", "20",
                "--capacity", "64", "--sql-output", json.toString());
        assertThat(out).contains("| path | rows in flight per subtask | records/s | vs DataStream | mean batch |")
                .contains("| datastream | 64 |").contains("| sql | 10 |").contains("| sql | 64 |");

        JsonNode paths = new ObjectMapper().readTree(json.toFile()).get("paths");
        assertThat(paths).hasSize(3).allSatisfy(p -> assertThat(p.get("records_per_s").asDouble()).isPositive());
        assertThat(paths.get(1).get("mean_batch_size").asDouble()).as("Flink's default caps a batch at 10 rows")
                .isBetween(1.0, 10.0);
    }

    @Test
    void longTextsOnlyComparesChunkWithTruncateOnTheSameTokens() throws Exception {
        Path json = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bench-long")
                .resolve("long.json");
        String out = benchOutput("--long-texts-only", "--quick", "--records", "12", "--parallelism", "1",
                "--warm-up-records", "20", "--long-texts-output", json.toString());
        assertThat(out).contains("| mode | records | records/s | rows/s | tokens/s | vs truncate | mean batch |")
                .contains("| chunk | 12 |");

        JsonNode modes = new ObjectMapper().readTree(json.toFile()).get("modes");
        assertThat(modes).hasSize(2).allSatisfy(m -> assertThat(m.get("tokens_per_s").asDouble()).isPositive());
        assertThat(modes.get(1).get("records").asInt()).as("truncate gets each document's windows as records")
                .isGreaterThan(12 * 3);
        assertThat(modes.get(0).get("rows_per_s").asDouble()).as("chunk's rows are its documents' windows")
                .isGreaterThan(modes.get(0).get("records_per_s").asDouble());
    }

    @Test
    void engineFreeOnlyComparesEnrichOnAFreeEngineWithAPlainFlinkJobOnTheSameRecords() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bench-engine-free");
        String out = benchOutput("--engine-free-only", "--records", "300", "--warm-up-records", "50", "--rounds", "2",
                "--parallelism", "1", "--engine-free-output", dir.resolve("free.json").toString(),
                "--engine-free-chart", dir.resolve("free.png").toString());
        assertThat(out).contains("| job | records/s by round | median | vs plain by round | median ratio | target |")
                .contains("| plain Flink job (parse JSON, add a field) |").contains("| enrich, embedding base64-f16 |")
                .contains(">= 0.33x").contains(">= 0.20x");

        JsonNode root = new ObjectMapper().readTree(dir.resolve("free.json").toFile());
        assertThat(root.get("simulated_time_scale").asDouble()).isEqualTo(0.001);
        JsonNode runs = root.get("runs");
        assertThat(runs).hasSize(6).allSatisfy(r -> assertThat(r.get("records_per_s").asDouble()).isPositive());
        assertThat(runs.get(0).get("job").asText()).isEqualTo("plain");
        assertThat(runs.get(3).get("job").asText()).as("each round starts with another job").isEqualTo("base64-f16");
        JsonNode medians = root.get("median");
        assertThat(medians.get("json").get("ratio_to_plain").asDouble()).isPositive();
        assertThat(medians.get("base64-f16").get("target").asDouble()).isEqualTo(0.33);
        // The plain job writes the input back with one more field; enrich adds the embedding.
        assertThat(runs.get(1).get("bytes_per_record").asDouble()).isGreaterThan(runs.get(0).get("bytes_per_record")
                .asDouble());
        assertThat(Files.size(dir.resolve("free.png"))).isPositive();
    }

    @Test
    void engineFreeOnlyRefusesAnotherEngine() {
        assertThat(rejection("--engine-free-only", "--engine", "onnxruntime"))
                .contains("--engine-free-only runs enrich on the simulated GPU");
    }

    @Test
    void rejectsTwoModesInOneRun() {
        assertThat(rejection("--stages-only", "--encodings-only"))
                .contains("each of --encodings-only, --stages-only runs on its own");
        assertThat(rejection("--sql-only", "--encodings-only"))
                .contains("each of --encodings-only, --sql-only runs on its own");
        assertThat(rejection("--long-texts-only", "--sql-only"))
                .contains("each of --sql-only, --long-texts-only runs on its own");
    }

    @Test
    void rejectsALoadOutsideItsRangeWithTheFlagNamed() {
        assertThat(rejection("--loads", "0.3,3")).contains("--loads must be shares of the adaptive maximum");
        assertThat(rejection("--encodings", "json,base64")).contains("--encodings takes some of json, base64-f32, "
                + "base64-f16, no-embedding, or none; found 'base64'");
    }

    @Test
    void rejectsANegativeWarmUpWithTheFlagNamed() {
        assertThat(rejection("--warm-up-s", "-1")).contains("--warm-up-s must be at least 0");
    }

    /** What {@code bench} prints on standard output for the given flags, once it has exited 0. */
    private static String benchOutput(String... flags) {
        Cli.Run run = Cli.run(bench(flags));
        assertThat(run.exit()).as(run.toString()).isZero();
        return run.out();
    }

    /** What {@code bench} prints on standard error for the given flags, once it has exited 2 (a usage error). */
    private static String rejection(String... flags) {
        Cli.Run run = Cli.run(bench(flags));
        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        return run.err();
    }

    private static String[] bench(String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "bench";
        System.arraycopy(flags, 0, args, 1, flags.length);
        return args;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
