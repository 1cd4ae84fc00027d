package io.streamrt.jobs.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.jobs.demo.DemoTexts;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The one call on a GPU host (issue 12): FP16, Q/DQ INT8 and sparse Q/DQ INT8 copies of the FP32 builtin made with
 * the {@code model} tools, the GPU tests (given those models), {@code model build-engine} twice (a build, then a plan
 * already there), and a short backlog bench of the same model on TensorRT, ONNX Runtime and the simulated GPU; one
 * report, {@code gpu-acceptance.json} and {@code gpu-acceptance.md}, in the folder given. Each step runs in its own
 * JVM (this one's Java and classpath) with a deadline, so a hung or crashed step is reported and the rest still run;
 * the whole run stops starting steps after 7.5 minutes, so it finishes within 8 on the GPU host. Where there is no GPU every step says why it could not run.
 *
 * <pre>{@code
 * /root/kit/run.sh /root/out          # the kit made by jobs/gpu/pack-acceptance.sh starts this class
 * }</pre>
 */
public final class GpuAcceptance {

    private static final String GPU_TESTS_FLAG = "--gpu-tests";
    /**
     * Eight plan builds (MiniLM in FP32, FP16, two INT8 forms, pooled, a classifier, two outputs, a fresh cache); a
     * run killed at this deadline still reports the tests it finished.
     */
    private static final long GPU_TESTS_TIMEOUT_S = 270;
    /** The whole run, so that it fits the GPU host's 8 minutes with its start-up. */
    private static final long BUDGET_S = 450;
    /** A step with less time than this left is not started. */
    private static final long MIN_STEP_S = 20;

    private final long startNanos = System.nanoTime();

    /** Where the plans of every step go: build-engine's, then the bench's TensorRT job finds them there. */
    static final String PLAN_CACHE = "plans";

    record Step(String name, String status, double seconds, String detail) {}

    private final Path out;
    private final List<String> benchEngines;
    private final long benchTimeoutS;
    private final List<Step> steps = new ArrayList<>();
    /** The host's CUDA libraries that TensorRT's presets load, put on each step's library path. */
    private HostCudaLibraries host = new HostCudaLibraries(Map.of(), List.of());

    GpuAcceptance(Path out, List<String> benchEngines, long benchTimeoutS) {
        this.out = out;
        this.benchEngines = benchEngines;
        this.benchTimeoutS = benchTimeoutS;
    }

    /**
     * {@code OUT_DIR [ENGINES]}: ENGINES a comma list for the bench, default tensorrt,onnxruntime,simulated-gpu.
     * {@code --gpu-tests FILE}: only the GPU tests, in this JVM, their outcomes written to FILE (the step runs so).
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals(GPU_TESTS_FLAG)) {
            // Each outcome is written as it comes: a run killed at its deadline still reports the tests it finished.
            boolean failed;
            try (BufferedWriter results = Files.newBufferedWriter(Path.of(args[1]), StandardCharsets.UTF_8)) {
                failed = runGpuTests(line -> {
                    try {
                        results.write(line);
                        results.newLine();
                        results.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            System.exit(failed ? 1 : 0);
        }
        GpuAcceptance run = fromArguments(args);
        if (run == null) {
            System.err.println("usage: GpuAcceptance OUT_DIR [tensorrt,onnxruntime,simulated-gpu]");
            System.exit(2);
        }
        run.runAll();
        System.out.println(Files.readString(run.out.resolve("gpu-acceptance.md")));
    }

    /**
     * The run that {@code OUT_DIR [ENGINES]} asks for, or null when OUT_DIR is missing. Empty arguments are not
     * arguments: the kit's {@code run.sh} passes one ({@code ''}) before the host's when it was packed with none.
     */
    static GpuAcceptance fromArguments(String... args) {
        List<String> given = Arrays.stream(args).filter(a -> !a.isBlank()).toList();
        if (given.isEmpty()) {
            return null;
        }
        String engines = given.size() > 1 ? given.get(1) : "tensorrt,onnxruntime,simulated-gpu";
        return new GpuAcceptance(Path.of(given.get(0)).toAbsolutePath(),
                Arrays.stream(engines.split(",")).filter(e -> !e.isBlank()).toList(), 90);
    }

    Path out() {
        return out;
    }

    List<String> benchEngines() {
        return benchEngines;
    }

    void runAll() throws IOException {
        Files.createDirectories(out.resolve(PLAN_CACHE));
        long searched = System.nanoTime();
        host = HostCudaLibraries.search(HostCudaLibraries.defaultRoots());
        steps.add(new Step("host CUDA libraries", host.missing().isEmpty() ? "passed"
                : "incomplete (" + host.missing().size() + " missing)", seconds(searched), host.describe()));
        // The Q/DQ INT8 and sparse Q/DQ INT8 models the GPU tests compare with ONNX Runtime, made by the project's
        // own tools from the FP32 builtin, calibrated on generated demo texts.
        Path calibration = out.resolve("calibration.txt");
        Files.write(calibration, DemoTexts.generate(120, 7).stream().map(DemoTexts.DemoText::text).toList(),
                StandardCharsets.UTF_8);
        Path fp16 = out.resolve("minilm-fp16.onnx");
        cli("model convert --fp16", 60, "model", "convert", "--fp16", "builtin:all-minilm-l6-v2", fp16.toString());
        Path qdq = out.resolve("minilm-qdq.onnx");
        Path sparse = out.resolve("minilm-sparse.onnx");
        Path sparseQdq = out.resolve("minilm-sparse-qdq.onnx");
        cli("model quantize (Q/DQ INT8)", 120, "model", "quantize", "builtin:all-minilm-l6-v2", qdq.toString(),
                "--calibration", calibration.toString());
        cli("model sparsify (2:4)", 60, "model", "sparsify", "builtin:all-minilm-l6-v2", sparse.toString());
        cli("model quantize (sparse Q/DQ INT8)", 120, "model", "quantize", sparse.toString(), sparseQdq.toString(),
                "--calibration", calibration.toString());
        gpuTests(fp16, qdq, sparseQdq);
        String model = "builtin:all-minilm-l6-v2";
        cli("build-engine (a build)", 240, "model", "build-engine", model, "--plan-cache-dir", planCache());
        cli("build-engine again (the plan is there)", 60, "model", "build-engine", model, "--plan-cache-dir",
                planCache());
        // Flink SQL on the same plan: ML_PREDICT on a streamrt model with engine tensorrt; the table in its log shows
        // each row's engine and batch.
        Path script = out.resolve("ml-predict-tensorrt.sql");
        Files.writeString(script, "CREATE TEMPORARY VIEW texts(id, body) AS VALUES "
                + String.join(", ", DemoTexts.generate(8, 11).stream().map(t -> "('" + t.id() + "', '"
                        + t.text().replace("'", "''") + "')").toList()) + ";\n"
                + "CREATE MODEL m INPUT (body STRING) OUTPUT (engine STRING, batch_size INT, infer_ms DOUBLE) WITH ("
                + "'provider' = 'streamrt', 'engine' = 'tensorrt', 'model' = '" + model + "');\n"
                + "SELECT id, engine, batch_size, infer_ms FROM ML_PREDICT(TABLE texts, MODEL m, DESCRIPTOR(body));\n",
                StandardCharsets.UTF_8);
        cli("sql: ML_PREDICT on tensorrt", 90, "sql", "-f", script.toString());
        for (String engine : benchEngines) {
            cli("bench --engine " + engine, benchTimeoutS, "bench", "--quick", "--engine", engine, "--model", model,
                    "--latency-bound-ms", "0", "--loads", "0.6",
                    "--output", out.resolve("bench-" + engine + ".json").toString(),
                    "--chart", out.resolve("bench-" + engine + ".png").toString());
        }
        write();
    }

    private String planCache() {
        return out.resolve(PLAN_CACHE).toAbsolutePath().toString();
    }

    /**
     * The engine module's GPU tests (tag gpu) in a JVM of their own (native code that crashes takes only that JVM,
     * and its exit status and log say so): each test's outcome, a skip with its reason.
     */
    private void gpuTests(Path fp16, Path qdq, Path sparseQdq) {
        long start = System.nanoTime();
        long timeoutS = budgetFor("GPU tests", GPU_TESTS_TIMEOUT_S);
        if (timeoutS == 0) {
            return;
        }
        Path results = out.resolve("gpu-tests.txt");
        Path log = out.resolve("gpu-tests.log");
        List<String> command = javaCommand();
        if (Files.isRegularFile(fp16)) {
            command.add(1, "-Dstreamrt.test.fp16-model=" + fp16.toAbsolutePath());
        }
        if (Files.isRegularFile(qdq)) {
            command.add(1, "-Dstreamrt.test.qdq-model=" + qdq.toAbsolutePath());
        }
        if (Files.isRegularFile(sparseQdq)) {
            command.add(1, "-Dstreamrt.test.sparse-qdq-model=" + sparseQdq.toAbsolutePath());
        }
        command.add(GpuAcceptance.class.getName());
        command.add(GPU_TESTS_FLAG);
        command.add(results.toString());
        Outcome outcome = runJvm(command, log, timeoutS);
        if (outcome.noOutput()) {
            steps.add(new Step("GPU tests", outcome.status(), seconds(start), outcome.detail()));
            return;
        }
        List<String> lines;
        try {
            lines = Files.exists(results) ? Files.readAllLines(results, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            lines = List.of();
        }
        long passed = lines.stream().filter(l -> l.startsWith("passed ")).count();
        long failed = lines.stream().filter(l -> l.startsWith("FAILED ")).count();
        long skipped = lines.stream().filter(l -> l.startsWith("skipped ")).count();
        String status = outcome.status() != null ? outcome.status()
                : lines.isEmpty() ? "absent" : failed > 0 ? "failed" : passed == 0 ? "skipped" : "passed";
        String detail = lines.isEmpty()
                ? (status.equals("absent") ? "no GPU tests on the classpath (pack the engine module's test classes)"
                        : "no results; log " + log.getFileName() + ":\n" + tail(log))
                : String.join("\n", lines);
        steps.add(new Step(String.format(Locale.ROOT, "GPU tests (%d passed, %d failed, %d skipped)", passed, failed,
                skipped), status, seconds(start), detail));
    }

    /** Runs the GPU tests here, handing each outcome to {@code results} as it comes; true if any failed. */
    static boolean runGpuTests(Consumer<String> results) {
        AtomicBoolean failed = new AtomicBoolean();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("io.streamrt.engine"))
                .filters(TagFilter.includeTags("gpu"))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "false")
                .build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    results.accept("skipped " + test.getDisplayName() + ": " + reason);
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) {
                    return;
                }
                failed.compareAndSet(false, result.getStatus() == TestExecutionResult.Status.FAILED);
                results.accept(switch (result.getStatus()) {
                    case SUCCESSFUL -> "passed " + test.getDisplayName();
                    case ABORTED -> "skipped " + test.getDisplayName() + ": " + message(result);
                    case FAILED -> "FAILED " + test.getDisplayName() + ": " + message(result);
                });
            }
        });
        return failed.get();
    }

    private static String message(TestExecutionResult result) {
        return result.getThrowable().map(t -> String.valueOf(t.getMessage()).lines().findFirst().orElse(""))
                .orElse("");
    }

    /** This JVM's java, its JavaCPP settings (the kit's libraries first, its cache folder), the plan cache, classpath. */
    private List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.bytedeco.")).sorted()
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.add("-Dstreamrt.tensorrt.plan-cache-dir=" + planCache());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    /** A streamrt command in a JVM of its own, killed at its deadline. */
    private void cli(String name, long stepTimeoutS, String... args) {
        long start = System.nanoTime();
        long timeoutS = budgetFor(name, stepTimeoutS);
        if (timeoutS == 0) {
            return;
        }
        List<String> command = javaCommand();
        command.add("io.streamrt.jobs.StreamRtCli");
        command.addAll(List.of(args));
        Path log = out.resolve(name.replaceAll("[^A-Za-z0-9]+", "-") + ".log");
        Outcome outcome = runJvm(command, log, timeoutS);
        String detail = outcome.detail() != null ? outcome.detail()
                : outcome.timedOut() ? "killed after " + timeoutS + " s; log " + log.getFileName() + ":\n" + tail(log)
                : tail(log);
        steps.add(new Step(name, outcome.status() == null ? "passed" : outcome.status(), seconds(start), detail));
    }

    /**
     * The step's deadline within what is left of the whole run's budget; 0, with the step reported as not run,
     * where too little is left to start it.
     */
    private long budgetFor(String name, long stepTimeoutS) {
        long timeoutS = Math.min(stepTimeoutS, secondsLeft());
        if (timeoutS < MIN_STEP_S) {
            steps.add(new Step(name, "not run: the 8-minute budget is spent", 0, ""));
            return 0;
        }
        return timeoutS;
    }

    /**
     * How a step's JVM ended.
     *
     * @param status null where it exited 0; else {@code timed out}, {@code failed (exit N)}, {@code failed} (not
     *     started) or {@code interrupted}
     * @param detail what to report where the JVM's own output says nothing (not started, interrupted); else null
     */
    private record Outcome(String status, String detail) {
        boolean timedOut() {
            return "timed out".equals(status);
        }

        /** Not started, or interrupted: nothing of its own output to report. */
        boolean noOutput() {
            return detail != null;
        }
    }

    /** Runs {@code command} with its output in {@code log}, killed after {@code timeoutS}. */
    private Outcome runJvm(List<String> command, Path log, long timeoutS) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("LD_LIBRARY_PATH", host.libraryPath(System.getenv("LD_LIBRARY_PATH")));
            Process process = builder.start();
            if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Outcome("timed out", null);
            }
            int exit = process.exitValue();
            return new Outcome(exit == 0 ? null : "failed (exit " + exit + ")", null);
        } catch (IOException e) {
            return new Outcome("failed", "could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome("interrupted", "");
        }
    }

    /** The last lines of a step's log that say something (progress lines and Flink's INFO chatter left out). */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.contains(" INFO ") && !l.contains(" DEBUG ")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void write() throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("date", Instant.now().toString());
        root.put("java", System.getProperty("java.version"));
        ArrayNode array = root.putArray("steps");
        StringWriter md = new StringWriter();
        PrintWriter text = new PrintWriter(md);
        text.printf("# GPU acceptance, %s%n%n| step | status | seconds |%n|---|---|---:|%n", root.get("date").asText());
        for (Step step : steps) {
            ObjectNode node = array.addObject();
            node.put("name", step.name());
            node.put("status", step.status());
            node.put("seconds", Math.round(step.seconds() * 10) / 10.0);
            node.put("detail", step.detail());
            text.printf(Locale.ROOT, "| %s | %s | %.1f |%n", step.name(), step.status(), step.seconds());
        }
        for (Step step : steps) {
            text.printf("%n## %s: %s%n%n```%n%s%n```%n", step.name(), step.status(), step.detail());
        }
        text.flush();
        mapper.writeValue(out.resolve("gpu-acceptance.json").toFile(), root);
        Files.writeString(out.resolve("gpu-acceptance.md"), md.toString());
    }

    private long secondsLeft() {
        return BUDGET_S - (System.nanoTime() - startNanos) / 1_000_000_000L;
    }

    List<Step> steps() {
        return steps;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
