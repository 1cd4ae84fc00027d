package io.streamrt.jobs.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deployment files in docker/ as far as they can be checked without a Docker engine, a GPU or Kubernetes:
 * docker/validate.sh (schemas, linters, the Compose client's own check, and that the images copy what the build
 * just packaged). Runs after `package`, so it sees this build's jars.
 */
class DockerFilesIT {

    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void composeKubernetesAndDockerfilesPassValidation() throws Exception {
        Process process = new ProcessBuilder("bash", REPOSITORY.resolve("docker/validate.sh").toString())
                .directory(REPOSITORY.toFile())
                .redirectErrorStream(true)
                .start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        process.waitFor();
        System.out.println(output);

        assertThat(process.exitValue()).as("docker/validate.sh:%n%s", output).isZero();
        assertThat(output).contains("all checks passed").doesNotContain("FAIL");
    }
}
