package io.streamrt.jobs.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where {@code model quantize} and {@code model sparsify} write when given an export directory: a new directory in
 * the same layout, its model file where the input's was ({@code model.onnx} or {@code onnx/model.onnx}) and every
 * other file copied ({@code tokenizer.json}, {@code config.json} with its labels, {@code modules.json},
 * {@code 1_Pooling/}, ...), so that the result is used exactly as the original was.
 *
 * <pre>{@code
 * ExportDirectory target = ExportDirectory.prepare(source, Path.of("model-int8"));
 * quantized.write(target.model());
 * }</pre>
 *
 * @param model where the new model file goes
 * @param copied the files copied beside it, relative to the directory
 */
record ExportDirectory(Path model, List<String> copied) {

    /**
     * Creates {@code out} (or reuses it) and copies every file of the source's directory but its ONNX files.
     *
     * @throws IllegalArgumentException if {@code out} is the source directory or inside it, or is a file
     */
    static ExportDirectory prepare(ModelSource source, Path out) {
        Path root = source.files().root().toAbsolutePath().normalize();
        Path target = out.toAbsolutePath().normalize();
        if (target.startsWith(root)) {
            throw new IllegalArgumentException("OUT " + out + " is inside the model directory " + root
                    + ": write the new model to a directory of its own");
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException("OUT " + out + " is a file, but IN is an export directory: name a "
                    + "directory for the new model and its config files");
        }
        List<String> copied = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".onnx") || name.endsWith(".onnx_data") || name.endsWith(".onnx.data")) {
                    continue;
                }
                Path relative = root.relativize(file);
                Path copy = target.resolve(relative);
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                copied.add(relative.toString());
            }
            Path model = target.resolve(root.relativize(source.onnx().toAbsolutePath().normalize()));
            Files.createDirectories(model.getParent());
            return new ExportDirectory(model, List.copyOf(copied));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + root + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /** "Copied N files: a, b, c" for the command's output. */
    String describe() {
        return "Copied " + copied.size() + " files beside it" + (copied.isEmpty() ? "" : ": "
                + String.join(", ", copied));
    }
}
