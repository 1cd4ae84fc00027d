package io.streamrt.jobs.model;

import io.streamrt.engine.onnx.OnnxModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The model that {@code model sparsify}, {@code quantize} and {@code convert} write to OUT: the file OUT, or for an
 * export directory IN, the model file in a copy of that directory ({@link ExportDirectory}).
 *
 * <pre>{@code
 * WrittenModel written = WrittenModel.write(result.model(), source, out);
 * written.print(printer, null, started);   // Wrote out.onnx (86.2 MiB) in 1.4 s
 * }</pre>
 *
 * @param path the model file written
 * @param directory the export directory it was written into, or null where OUT is the file itself
 */
record WrittenModel(Path path, ExportDirectory directory) {

    /** What {@link #write} does with OUT, for the help of each command's OUT after "Where the ... model goes". */
    static final String OUT_HELP = "(replaced if there); for an export directory IN, a directory: the model in IN's "
            + "layout, its other files copied.";

    /** Writes {@code model} where OUT says for {@code source}. */
    static WrittenModel write(OnnxModel model, ModelSource source, Path out) {
        ExportDirectory directory = source.directory() ? ExportDirectory.prepare(source, out) : null;
        Path written = directory == null ? out : directory.model();
        model.write(written);
        return new WrittenModel(written, directory);
    }

    /**
     * Prints {@code Wrote PATH (SIZE[, from SIZE]) in S s}, the size of {@code from} where it is given, and for an
     * export directory the files copied beside the model.
     */
    void print(PrintWriter printer, ModelSource from, long startedNanos) {
        printer.printf(Locale.ROOT, "Wrote %s (%s%s) in %.1f s%n", path, size(path),
                from == null ? "" : ", from " + size(from.onnx()), (System.nanoTime() - startedNanos) / 1e9);
        if (directory != null) {
            printer.println(directory.describe());
        }
        printer.flush();
    }

    static String size(Path file) {
        try {
            return InspectCommand.bytes(Files.size(file));
        } catch (IOException e) {
            return "size unknown";
        }
    }
}
