package io.streamrt.jobs.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The CUDA libraries that JavaCPP's TensorRT presets load besides TensorRT's own, found on a GPU host that has them
 * somewhere other than the linker's path. Loading the ONNX parser's presets loads those of cuBLAS, cuDNN and NVRTC
 * too, and each of their JNI libraries needs the real library (seen here with stand-ins: libcublas.so.13,
 * libcublasLt.so.13, four libcudnn_*.so.9, libnvrtc.so.13). The kit ships TensorRT, its plugins and the CUDA runtime;
 * the rest comes from the host, where a CUDA toolkit keeps cuBLAS and NVRTC under /usr/local/cuda and Python's
 * nvidia-* wheels keep cuDNN in site-packages.
 *
 * <pre>{@code
 * HostCudaLibraries host = HostCudaLibraries.search(HostCudaLibraries.defaultRoots());
 * environment.put("LD_LIBRARY_PATH", host.libraryPath(System.getenv("LD_LIBRARY_PATH")));
 * }</pre>
 *
 * @param found each library found, by file name, and where
 * @param missing the libraries not found
 */
record HostCudaLibraries(Map<String, Path> found, List<String> missing) {

    static final List<String> NEEDED = List.of("libcublas.so.13", "libcublasLt.so.13", "libcudnn_cnn.so.9",
            "libcudnn_adv.so.9", "libcudnn_ops.so.9", "libcudnn_graph.so.9", "libnvrtc.so.13");
    /** Deep enough for {@code /usr/local/lib/python3.12/dist-packages/nvidia/cudnn/lib}. */
    private static final int MAX_DEPTH = 7;
    /** Folders that hold no libraries, skipped to keep the search short on a full image. */
    private static final Set<String> SKIPPED = Set.of("__pycache__", "include", "share", "doc", "docs", "man",
            "examples", "samples", "test", "tests", "src", "bin");

    /** Where a GPU image keeps them: the CUDA toolkit, the system's library folders, Python's packages, /opt. */
    static List<Path> defaultRoots() {
        List<Path> roots = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            Stream.of(ld.split(":")).filter(p -> !p.isBlank()).map(Path::of).forEach(roots::add);
        }
        for (String root : List.of("/usr/local/cuda", "/usr/local/nvidia", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
                "/usr/local/lib", "/usr/lib/python3", "/opt", "/root/.local/lib")) {
            roots.add(Path.of(root));
        }
        return roots;
    }

    /** Looks under {@code roots}, in order; the first place a library is found wins. */
    static HostCudaLibraries search(List<Path> roots) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (Path root : roots) {
            if (found.size() == NEEDED.size()) {
                break;
            }
            if (Files.isDirectory(root)) {
                walk(root, found);
            }
        }
        Map<String, Path> ordered = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : NEEDED) {
            if (found.containsKey(name)) {
                ordered.put(name, found.get(name));
            } else {
                missing.add(name);
            }
        }
        return new HostCudaLibraries(ordered, missing);
    }

    private static void walk(Path root, Map<String, Path> found) {
        try {
            Files.walkFileTree(root, Set.of(), MAX_DEPTH, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    Path name = dir.getFileName();
                    return name != null && SKIPPED.contains(name.toString()) ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String name = file.getFileName().toString();
                    if (NEEDED.contains(name)) {
                        found.putIfAbsent(name, file);
                    }
                    return found.size() == NEEDED.size() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code current} (the kit's folders first), then each folder a library was found in. */
    String libraryPath(String current) {
        Set<String> folders = new LinkedHashSet<>();
        if (current != null) {
            Stream.of(current.split(":")).filter(p -> !p.isBlank()).forEach(folders::add);
        }
        found.values().forEach(p -> folders.add(p.getParent().toString()));
        return String.join(":", folders);
    }

    /** One line per library: where it is, or that it is missing. */
    String describe() {
        List<String> lines = new ArrayList<>();
        found.forEach((name, path) -> lines.add(name + ": " + path));
        missing.forEach(name -> lines.add(name + ": not found (TensorRT's presets will not load without it)"));
        return String.join("\n", lines);
    }
}
