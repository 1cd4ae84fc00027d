package io.streamrt.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each command loads what it uses: the job jar's main on a classpath without Flink's Table API jars (a slimmed
 * image's {@code lib/}) runs {@code enrich} up to its Kafka check, and {@code sql} says which jars it needs.
 */
class WithoutTableJarsTest {

    @TempDir
    Path dir;

    @Test
    void enrichRunsWithoutTheTableApiJars() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed: no broker answers there
        }
        Run help = run("enrich", "--help");
        assertThat(help.exit).as(help.output).isZero();
        assertThat(help.output).contains("--max-batch-size").doesNotContain("NoClassDefFoundError");

        Run enrich = run("enrich", "--bootstrap-servers", "127.0.0.1:" + port, "--input-topic", "in",
                "--output-topic", "out", "--dead-letter-topic", "dlq", "--kafka-check-timeout-ms", "2000");
        assertThat(enrich.output).doesNotContain("NoClassDefFoundError").contains("no Kafka broker at").contains("answered within");
        assertThat(enrich.exit).as(enrich.output).isEqualTo(2);
    }

    @Test
    void sqlSaysWhichJarsItNeeds() throws Exception {
        Path script = Files.writeString(dir.resolve("s.sql"), "SELECT 1;", StandardCharsets.UTF_8);
        Run sql = run("sql", "-f", script.toString());
        assertThat(sql.exit).as(sql.output).isEqualTo(1);
        assertThat(sql.output).contains("streamrt sql: cannot run here", "flink-table-api-java-bridge",
                "flink-table-planner-loader", "flink-table-runtime");
    }

    private record Run(int exit, String output) {}

    private Run run(String... args) throws IOException, InterruptedException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("flink-table"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(System.getProperty("java.class.path")).contains("flink-table");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", classpath, "--add-opens", "java.base/java.util=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + dir, StreamRtCli.class.getName()));
        command.addAll(List.of(args));
        Path log = dir.resolve("out-" + System.nanoTime() + ".txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("streamrt " + String.join(" ", args) + " did not end within 3 minutes: "
                    + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
