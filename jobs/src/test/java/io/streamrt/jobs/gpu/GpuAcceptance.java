package io.streamrt.jobs.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
 * The one call on a GPU host (issue 12): the GPU tests, {@code model build-engine} twice (a build, then a plan
 * already there), and a short backlog bench of the same model on TensorRT, ONNX Runtime and the simulated GPU; one
 * report, {@code gpu-acceptance.json} and {@code gpu-acceptance.md}, in the folder given. Each step runs in its own
 * JVM (this one's Java and classpath) with a deadline, so a hung step is reported and the rest still run; sized to
 * finish within 8 minutes on the GPU host. Where there is no GPU every step says why it could not run.
 *
 * <pre>{@code
 * /root/kit/run.sh /root/out          # the kit made by jobs/gpu/pack-acceptance.sh starts this class
 * }</pre>
 */
public final class GpuAcceptance {

    /** Where the plans of every step go: build-engine's, then the bench's TensorRT job finds them there. */
    static final String PLAN_CACHE = "plans";

    record Step(String name, String status, double seconds, String detail) {}

    private final Path out;
    private final List<String> benchEngines;
    private final long benchTimeoutS;
    private final List<Step> steps = new ArrayList<>();

    GpuAcceptance(Path out, List<String> benchEngines, long benchTimeoutS) {
        this.out = out;
        this.benchEngines = benchEngines;
        this.benchTimeoutS = benchTimeoutS;
    }

    /** {@code OUT_DIR [ENGINES]}: ENGINES a comma list for the bench, default tensorrt,onnxruntime,simulated-gpu. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: GpuAcceptance OUT_DIR [tensorrt,onnxruntime,simulated-gpu]");
            System.exit(2);
        }
        List<String> engines = List.of((args.length > 1 ? args[1] : "tensorrt,onnxruntime,simulated-gpu").split(","));
        GpuAcceptance run = new GpuAcceptance(Path.of(args[0]), engines.stream().filter(e -> !e.isBlank()).toList(),
                100);
        run.runAll();
        System.out.println(Files.readString(run.out.resolve("gpu-acceptance.md")));
    }

    void runAll() throws IOException {
        Files.createDirectories(out.resolve(PLAN_CACHE));
        gpuTests();
        String model = "builtin:all-minilm-l6-v2";
        cli("build-engine (a build)", 240, "model", "build-engine", model, "--plan-cache-dir", planCache());
        cli("build-engine again (the plan is there)", 60, "model", "build-engine", model, "--plan-cache-dir",
                planCache());
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

    /** The engine module's GPU tests (tag gpu), in this JVM: each test's outcome, a skip with its reason. */
    private void gpuTests() {
        long start = System.nanoTime();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("io.streamrt.engine"))
                .filters(TagFilter.includeTags("gpu"))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "false")
                .build();
        List<String> lines = new ArrayList<>();
        int[] counts = new int[3]; // passed, failed, skipped
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    counts[2]++;
                    lines.add("skipped " + test.getDisplayName() + ": " + reason);
                }
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) {
                    return;
                }
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        counts[0]++;
                        lines.add("passed " + test.getDisplayName());
                    }
                    case ABORTED -> {
                        counts[2]++;
                        lines.add("skipped " + test.getDisplayName() + ": " + message(result));
                    }
                    case FAILED -> {
                        counts[1]++;
                        lines.add("FAILED " + test.getDisplayName() + ": " + message(result));
                    }
                }
            }
        });
        int total = counts[0] + counts[1] + counts[2];
        String status = total == 0 ? "absent" : counts[1] > 0 ? "failed" : counts[0] == 0 ? "skipped" : "passed";
        steps.add(new Step(String.format(Locale.ROOT, "GPU tests (%d passed, %d failed, %d skipped)", counts[0],
                counts[1], counts[2]), status, seconds(start),
                total == 0 ? "no GPU tests on the classpath (pack the engine module's test classes)"
                        : String.join("\n", lines)));
    }

    private static String message(TestExecutionResult result) {
        return result.getThrowable().map(t -> String.valueOf(t.getMessage()).lines().findFirst().orElse(""))
                .orElse("");
    }

    /** A streamrt command in a JVM of its own, killed at its deadline. */
    private void cli(String name, long timeoutS, String... args) {
        long start = System.nanoTime();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-D" + "streamrt.tensorrt.plan-cache-dir=" + planCache(), "-cp",
                System.getProperty("java.class.path"), "io.streamrt.jobs.StreamRtCli"));
        // The kit's JavaCPP settings (libraries from the kit first, its cache folder) hold for every step.
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.bytedeco.")).sorted()
                .forEach(k -> command.add(4, "-D" + k + "=" + System.getProperty(k)));
        command.addAll(List.of(args));
        Path log = out.resolve(name.replaceAll("[^A-Za-z0-9]+", "-") + ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                steps.add(new Step(name, "timed out", seconds(start), "killed after " + timeoutS + " s; log "
                        + log.getFileName() + ":\n" + tail(log)));
                return;
            }
            int exit = process.exitValue();
            steps.add(new Step(name, exit == 0 ? "passed" : "failed (exit " + exit + ")", seconds(start), tail(log)));
        } catch (IOException e) {
            steps.add(new Step(name, "failed", seconds(start), "could not start: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            steps.add(new Step(name, "interrupted", seconds(start), ""));
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

    List<Step> steps() {
        return steps;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
