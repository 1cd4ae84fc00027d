package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.operators.userjob.ReadmeExampleJob;
import io.streamrt.operators.userjob.ReadmeSqlExampleJob;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's job run as a user's project runs it: its own JVM, started with {@code java -cp <every jar of the Maven
 * dependency classpath>} and the JVM's defaults (1 MB thread stacks). Tests in this build run in Surefire's JVMs,
 * whose command line names one manifest jar; a user's JVM names every jar, a command line of several KB, which once
 * crashed ONNX Runtime's initialisation with SIGSEGV in the operator's {@code open()}.
 */
class UserProjectJvmTest {

    /** What a project depending on streamrt-operators, flink-streaming-java and flink-clients has: ~60 jars. */
    private static final int LEAST_COMMAND_LINE_CHARS = 5_000;

    @Test
    void theReadmeExampleRunsInAJvmStartedWithTheFullMavenClasspath(@TempDir Path tmp) throws Exception {
        assertLabelsEveryText(runJob(ReadmeExampleJob.class, tmp));
    }

    @Test
    void theReadmeSqlExampleRunsInAJvmStartedWithTheFullMavenClasspath(@TempDir Path tmp) throws Exception {
        assertLabelsEveryText(runJob(ReadmeSqlExampleJob.class, tmp));
    }

    private static void assertLabelsEveryText(String output) {
        assertThat(output.lines().filter(l -> l.contains("\t")).toList()).containsExactlyInAnyOrder(
                "sports\t" + ReadmeExampleJob.TEXTS.get(0),
                "politics\t" + ReadmeExampleJob.TEXTS.get(1),
                "technology\t" + ReadmeExampleJob.TEXTS.get(2));
    }

    /** Runs {@code job}'s main in a JVM of its own with the whole Maven classpath; its output, once it exited 0. */
    private static String runJob(Class<?> job, Path tmp) throws Exception {
        String classpath = System.getProperty("java.class.path");
        assertThat(classpath.split(File.pathSeparator)).as("the Maven test classpath, jar by jar").hasSizeGreaterThan(50);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Djava.io.tmpdir=" + tmp,
                "-cp", classpath,
                job.getName()));
        assertThat(String.join(" ", command).length()).as("the child's command line").isGreaterThan(LEAST_COMMAND_LINE_CHARS);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DJL_CACHE_DIR", tmp.resolve("djl").toString());
        Process process = builder.start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the job finished").isTrue();
        Files.writeString(tmp.resolve("job.out"), output);
        assertThat(process.exitValue())
                .as("exit status (139 is SIGSEGV, a native crash); output:%n%s", output)
                .isZero();
        return output;
    }
}
