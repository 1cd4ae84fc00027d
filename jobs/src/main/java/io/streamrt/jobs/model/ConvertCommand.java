package io.streamrt.jobs.model;

import io.streamrt.engine.onnx.Fp16Converter;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.PoolingLayer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model convert}: {@code --pooling mean} appends mean pooling (and L2 normalization) as graph nodes, so the
 * model outputs {@code sentence_embedding [batch, hidden]}; {@code --fp16} converts a float32 encoder to float16,
 * for TensorRT, whose strongly typed networks keep the model's types (an FP32 export runs in FP32/TF32 there), the
 * reductions where float16 is unsafe (a LayerNorm's mean and variance, Softmax) left in float32. Check the cost
 * with {@code model evaluate}.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model convert --fp16 builtin:all-minilm-l6-v2 minilm-fp16.onnx
 * java -jar jobs/target/streamrt-jobs.jar model convert --pooling mean --fp16 builtin:all-minilm-l6-v2 pooled.onnx
 * }</pre>
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rewrites an ONNX encoder for a GPU: --pooling mean appends the sentence embedding's pooling "
                + "(and L2 normalization) as graph nodes; --fp16 converts a float32 model to float16: weights, "
                + "constants and activations in float16, except ReduceMean, Pow, Sqrt (LayerNorm's statistics), "
                + "Softmax and LayerNormalization, which stay in float32; inputs and outputs keep their types. For "
                + "TensorRT, which runs a model in the types it has. Compare with 'model evaluate'.")
public final class ConvertCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN",
            description = "The float32 .onnx model, a Hugging Face export directory, or builtin:all-minilm-l6-v2.")
    String in;

    @Parameters(index = "1", paramLabel = "OUT",
            description = "Where the float16 .onnx model goes " + WrittenModel.OUT_HELP)
    Path out;

    @Option(names = "--fp16", description = "Convert to float16.")
    boolean fp16;

    @Option(names = "--pooling", paramLabel = "mean",
            description = "Append mean pooling over the attention mask as the output sentence_embedding [batch, "
                    + "hidden], replacing the hidden state: an engine then returns one vector per record (on a GPU, "
                    + "far less to copy back), and enrich reads it as an embedding pooled by the model. Before "
                    + "--fp16 when both are given.")
    String pooling;

    @Option(names = "--normalize", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --pooling: L2-normalize each embedding, as the builtins do (--no-normalize: not). "
                    + "Default: ${DEFAULT-VALUE}.")
    boolean normalize;

    @Override
    public Integer call() {
        if (!fp16 && pooling == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to convert: give --fp16, --pooling mean, or both");
        }
        if (pooling != null && !pooling.equals("mean")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--pooling must be mean (the one pooling appended as graph nodes so far), found '" + pooling + "'");
        }
        long started = System.nanoTime();
        ModelSource source = ModelSource.of(in);
        PrintWriter printer = spec.commandLine().getOut();
        OnnxModel model = source.read();
        if (pooling != null) {
            model = PoolingLayer.appendMean(model, normalize);
            printer.printf("Appended mean pooling%s: output %s [batch, hidden]%n", normalize ? " and L2 normalization"
                    : "", PoolingLayer.OUTPUT);
        }
        if (fp16) {
            Fp16Converter.Result result = Fp16Converter.convert(model);
            model = result.model();
            printer.printf(Locale.ROOT, "Converted %d float32 weights to float16; %d nodes kept in float32 "
                    + "(ReduceMean, Pow, Sqrt, Softmax, LayerNormalization), %d casts added%n", result.initializers(),
                    result.keptInFloat32(), result.casts());
        }
        WrittenModel.write(model, source, out).print(printer, null, started);
        return 0;
    }
}
