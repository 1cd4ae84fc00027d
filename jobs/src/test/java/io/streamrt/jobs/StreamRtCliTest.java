package io.streamrt.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The command line as scripts use it: exit codes and messages that name the flag and the accepted values. */
class StreamRtCliTest {

    private static final String[] REQUIRED = {"--bootstrap-servers", "127.0.0.1:9", "--input-topic", "in",
            "--output-topic", "out", "--dead-letter-topic", "dlq"};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream stdout;
    private PrintStream stderr;

    @BeforeEach
    void capture() {
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(stdout);
        System.setErr(stderr);
    }

    private static String[] enrich(String... extra) {
        String[] args = new String[1 + REQUIRED.length + extra.length];
        args[0] = "enrich";
        System.arraycopy(REQUIRED, 0, args, 1, REQUIRED.length);
        System.arraycopy(extra, 0, args, 1 + REQUIRED.length, extra.length);
        return args;
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpDocumentsEveryFlagOfTheContract() {
        assertThat(StreamRtCli.execute("enrich", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--bootstrap-servers", "--input-topic",
                "--output-topic", "--dead-letter-topic", "--group-id", "--model", "--tokenizer", "--engine",
                "--text-field", "--id-field", "--labels", "--max-batch-size", "--max-sequence-length",
                "--latency-target-ms", "--capacity", "--ordered", "--parallelism", "--checkpoint-interval-ms",
                "--delivery", "--starting-offsets", "--bounded", "--kafka-property", "--task", "--pooling",
                "--aggregation", "--prefix", "--top-k", "--text-pair-field", "--output-fields", "--embedding-encoding",
                "--batching", "--max-delay-ms", "--metrics-port");
    }

    @Test
    void metricsPortTakesWhatFlinksPrometheusReporterTakesAndNamesTheFlagOtherwise() {
        assertThat(StreamRtCli.execute(enrich("--metrics-port", "9260-9250"))).isEqualTo(2);
        assertThat(err()).contains("--metrics-port must be a port (0-65535), a range FROM-TO or a comma-separated "
                + "list, e.g. 9250 or 9250-9260; found '9260-9250'");
        assertThat(StreamRtCli.execute(enrich("--metrics-port", "70000"))).isEqualTo(2);
        assertThat(err()).contains("found '70000'");
    }

    @Test
    void whereFlinkRunsTheJobMetricsPortWarnsThatTheClustersReportersDecide() {
        FlinkContext.install();
        try {
            // The Kafka check, which comes after, is what stops this one: the warning is printed before it.
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--metrics-port", "9250-9260",
                    "--kafka-check-timeout-ms", "2000")))
                    .isInstanceOf(CommandFailedException.class).hasMessageContaining("no Kafka broker");
            assertThat(err()).contains("streamrt enrich: WARN --metrics-port 9250-9260 has no effect where Flink runs "
                    + "the job: its reporters are the cluster's. Set metrics.reporter.prom.factory.class: "
                    + "org.apache.flink.metrics.prometheus.PrometheusReporterFactory and metrics.reporter.prom.port "
                    + "in the cluster's configuration");
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("metrics for Prometheus");
        } finally {
            FlinkContext.uninstall();
        }
    }

    @Test
    void everyCommandsHelpPrintsWithoutAFormattingWarning() {
        // picocli formats descriptions with String.format: a bare '%' prints "[picocli WARN] Could not format".
        for (String command : List.of("enrich", "demo", "bench", "sql", "model",
                "model inspect", "model sparsify", "model quantize", "model convert", "model evaluate",
                "model build-engine")) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.add("--help");
            assertThat(StreamRtCli.execute(args.toArray(new String[0]))).as(command).isZero();
        }
        assertThat(err()).doesNotContain("picocli WARN");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--long-texts-only", "at 60% of it");
    }

    @Test
    void anUnknownFlagIsRejectedByName() {
        assertThat(StreamRtCli.execute(enrich("--batch", "3"))).isEqualTo(2);
        assertThat(err()).contains("Unknown options: '--batch'");
    }

    @Test
    void aMissingRequiredFlagIsNamed() {
        assertThat(StreamRtCli.execute("enrich", "--bootstrap-servers", "x:1")).isEqualTo(2);
        assertThat(err()).contains("Missing required options").contains("--input-topic");
    }

    @Test
    void wrongValuesNameTheFlagAndTheAcceptedValues() {
        assertThat(StreamRtCli.execute(enrich("--engine", "cuda"))).isEqualTo(2);
        assertThat(err()).contains("'--engine': expected one of [auto, onnxruntime, tensorrt, simulated-gpu] but was "
                + "'cuda'");

        assertThat(StreamRtCli.execute(enrich("--engine", "simulated-gpu", "--simulated-time-scale", "0")))
                .isEqualTo(2);
        assertThat(err()).contains("--simulated-time-scale must be a positive number, found 0.0");

        assertThat(StreamRtCli.execute(enrich("--delivery", "exactly_once"))).isEqualTo(2);
        assertThat(err()).contains("'--delivery': expected one of [exactly-once, at-least-once] but was 'exactly_once'");

        assertThat(StreamRtCli.execute(enrich("--starting-offsets", "newest"))).isEqualTo(2);
        assertThat(err()).contains("'--starting-offsets': expected one of [earliest, latest, committed]");

        assertThat(StreamRtCli.execute(enrich("--max-batch-size", "0"))).isEqualTo(2);
        assertThat(err()).contains("--max-batch-size must be at least 1, found 0");

        assertThat(StreamRtCli.execute(enrich("--max-batch-size", "many"))).isEqualTo(2);
        assertThat(err()).contains("--max-batch-size").contains("'many' is not an int");
    }

    @Test
    void tensorrtWithoutAGpuFailsFastSayingWhatIsMissing() {
        assertThat(StreamRtCli.execute(enrich("--engine", "tensorrt"))).isEqualTo(2);
        assertThat(err()).contains("tensorrt").contains("--engine onnxruntime");
    }

    @Test
    void aMissingModelFileIsNamedBeforeAnyJobStarts() {
        assertThat(StreamRtCli.execute(enrich("--model", "/nowhere/model.onnx"))).isEqualTo(2);
        assertThat(err()).contains("/nowhere/model.onnx");
    }

    @Test
    void whereFlinkRunsTheMainAUsageErrorIsThrownWithTheFlagAndTheJvmLivesOn() {
        assertThat(StreamRtCli.ownsJvm()).as("a JVM without a Flink context environment (java -jar)").isTrue();
        FlinkContext.install();
        try {
            assertThat(StreamRtCli.ownsJvm()).as("under flink run, the REST API or application mode").isFalse();
            // main would end this test's JVM if it exited: it must throw instead.
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--batch", "3")))
                    .isInstanceOf(CommandFailedException.class)
                    // picocli adds the nearest flag: "Possible solutions: --batching".
                    .hasMessageStartingWith("streamrt exit status 2: Unknown options: '--batch', '3'")
                    .satisfies(e -> assertThat(((CommandFailedException) e).exitCode()).isEqualTo(2));
            assertThat(err()).as("still printed for the client's console").contains("Unknown options: '--batch'");
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--model", "/nowhere/model.onnx")))
                    .isInstanceOf(CommandFailedException.class).hasMessageContaining("/nowhere/model.onnx");
            StreamRtCli.main(new String[] {"enrich", "--help"});
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("--bootstrap-servers");
        } finally {
            FlinkContext.uninstall();
        }
    }

    @Test
    void submittedToAClusterTheEngineIsTheTaskManagersToRunAndOnlyTheModelIsCheckedHere() {
        // main() runs in a client or the JobManager, which have no GPU: --engine tensorrt used to stop there.
        FlinkContext.install();
        try {
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--engine", "tensorrt", "--model",
                    "builtin:all-minilm-l6-v2", "--kafka-check-timeout-ms", "2000")))
                    .as("the model passed; the next check, Kafka's, is what stops this one")
                    .isInstanceOf(CommandFailedException.class).hasMessageContaining("no Kafka broker at '127.0.0.1:9'");
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("engine tensorrt, on the TaskManagers (checked from the model's files");
            // What the model's files tell is still checked here, before anything is submitted.
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--engine", "tensorrt")))
                    .isInstanceOf(CommandFailedException.class)
                    .hasMessageContaining("model 'all-minilm-l6-v2-int8' uses dynamic quantization");
            assertThatThrownBy(() -> StreamRtCli.main(enrich("--kafka-check-timeout-ms", "2000")))
                    .isInstanceOf(CommandFailedException.class).hasMessageContaining("no Kafka broker");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("engine auto, decided on each TaskManager");
        } finally {
            FlinkContext.uninstall();
        }
        // Under java -jar the engine runs in this JVM: it must run here.
        assertThat(StreamRtCli.execute(enrich("--engine", "tensorrt", "--model", "builtin:all-minilm-l6-v2")))
                .isEqualTo(2);
        assertThat(err()).contains("engine 'tensorrt' is not available here");
    }

    /** Installs a context environment the way Flink's client and JobManager do before they call a job's main. */
    private static final class FlinkContext extends StreamExecutionEnvironment {
        static void install() {
            initializeContextEnvironment(StreamExecutionEnvironment::new);
        }

        static void uninstall() {
            resetContextEnvironment();
        }
    }

    @Test
    void aCommandIsRequired() {
        assertThat(StreamRtCli.execute()).isEqualTo(2);
        assertThat(err()).contains("a command is required: enrich or demo");
    }
}
