package io.streamrt.jobs.model;

import io.streamrt.engine.onnx.Fp16Converter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model convert --fp16}: a float32 encoder as float16, for TensorRT, whose strongly typed networks keep the
 * model's types (an FP32 export runs in FP32/TF32 there). The reductions where float16 is unsafe (a LayerNorm's mean
 * and variance, Softmax) stay in float32; outputs stay float32. Check the cost with {@code model evaluate}.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model convert --fp16 builtin:all-minilm-l6-v2 minilm-fp16.onnx
 * }</pre>
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Converts a float32 ONNX encoder to float16 (--fp16): weights, constants and activations in "
                + "float16, except ReduceMean, Pow, Sqrt (LayerNorm's statistics), Softmax and LayerNormalization, "
                + "which stay in float32; inputs and outputs keep their types. For TensorRT, which runs a model in "
                + "the types it has. Compare it with the float32 model with 'model evaluate'.")
public final class ConvertCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN",
            description = "The float32 .onnx model, a Hugging Face export directory, or builtin:all-minilm-l6-v2.")
    String in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Where the float16 .onnx model goes (replaced if "
            + "there); for an export directory IN, a directory: the model in IN's layout, its other files copied.")
    Path out;

    @Option(names = "--fp16", required = true, description = "Convert to float16 (the one conversion there is).")
    boolean fp16;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        ModelSource source = ModelSource.of(in);
        Fp16Converter.Result result = Fp16Converter.convert(source.read());
        ExportDirectory directory = source.directory() ? ExportDirectory.prepare(source, out) : null;
        Path written = directory == null ? out : directory.model();
        result.model().write(written);
        PrintWriter printer = spec.commandLine().getOut();
        printer.printf(Locale.ROOT, "Converted %d float32 weights to float16; %d nodes kept in float32 (ReduceMean, "
                + "Pow, Sqrt, Softmax, LayerNormalization), %d casts added%n", result.initializers(),
                result.keptInFloat32(), result.casts());
        printer.printf(Locale.ROOT, "Wrote %s (%s) in %.1f s%n", written, SparsifyCommand.size(written),
                (System.nanoTime() - started) / 1e9);
        if (directory != null) {
            printer.println(directory.describe());
        }
        printer.flush();
        return 0;
    }
}
