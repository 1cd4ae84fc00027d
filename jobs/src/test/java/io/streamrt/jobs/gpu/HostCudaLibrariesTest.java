package io.streamrt.jobs.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU acceptance run finds the CUDA libraries that TensorRT's presets load where a GPU image keeps them (a CUDA
 * toolkit's lib64, a Python wheel's folder) and puts their folders after the kit's on each step's library path.
 */
class HostCudaLibrariesTest {

    @TempDir
    Path dir;

    @Test
    void findsEachLibraryInTheFirstRootThatHasItAndSaysWhichAreMissing() throws IOException {
        Path toolkit = dir.resolve("usr/local/cuda/lib64");
        Path wheels = dir.resolve("usr/local/lib/python3.12/dist-packages/nvidia/cudnn/lib");
        Path pyCache = dir.resolve("usr/local/lib/python3.12/dist-packages/nvidia/__pycache__");
        for (Path folder : List.of(toolkit, wheels, pyCache)) {
            Files.createDirectories(folder);
        }
        for (String name : List.of("libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13")) {
            Files.writeString(toolkit.resolve(name), "");
        }
        for (String name : List.of("libcudnn_cnn.so.9", "libcudnn_ops.so.9", "libcudnn_graph.so.9")) {
            Files.writeString(wheels.resolve(name), "");
        }
        Files.writeString(pyCache.resolve("libcudnn_adv.so.9"), "");
        Files.writeString(dir.resolve("libcublas.so.13"), "");

        HostCudaLibraries host = HostCudaLibraries.search(List.of(dir.resolve("usr/local/cuda"),
                dir.resolve("usr/local/lib"), dir.resolve("nowhere"), dir));

        assertThat(host.found().get("libcublas.so.13")).isEqualTo(toolkit.resolve("libcublas.so.13"));
        assertThat(host.found().get("libcudnn_cnn.so.9")).isEqualTo(wheels.resolve("libcudnn_cnn.so.9"));
        assertThat(host.missing()).as("a __pycache__ folder is not searched").containsExactly("libcudnn_adv.so.9");
        assertThat(host.libraryPath("/kit/trt")).isEqualTo("/kit/trt:" + toolkit + ":" + wheels);
        assertThat(host.describe()).contains("libnvrtc.so.13: " + toolkit.resolve("libnvrtc.so.13"))
                .contains("libcudnn_adv.so.9: not found");
    }
}
