package io.streamrt.jobs.model;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.onnx.ActivationCalibrator;
import io.streamrt.engine.onnx.ActivationRange;
import io.streamrt.engine.onnx.ModelReport;
import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.OnnxModelException;
import io.streamrt.engine.onnx.QdqQuantizer;
import io.streamrt.jobs.InferenceFlags;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model quantize}: static INT8 in Q/DQ form (what TensorRT builds INT8 engines from; ONNX Runtime runs it
 * on CPU). Activation ranges come from running the float model in ONNX Runtime on calibration texts, one per line.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model quantize model.onnx model-int8.onnx --calibration texts.txt
 * }</pre>
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Quantizes a float ONNX encoder to static INT8 (Q/DQ): MatMul/Gemm weights per output channel, "
                + "their input activations per tensor from ranges calibrated on the texts of --calibration. Writes "
                + "OUT and prints the weights quantized, the activations calibrated and the tensors kept in float.")
public final class QuantizeCommand implements Callable<Integer> {

    /** Texts per calibration batch: enough to keep ONNX Runtime busy, little padding on short texts. */
    static final int CALIBRATION_BATCH_SIZE = 16;

    static final String PERCENTILE = "percentile";
    static final String MAX = "max";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FloatModelArgument in;

    @Parameters(index = "1", paramLabel = "OUT",
            description = "Where the INT8 Q/DQ .onnx model goes " + WrittenModel.OUT_HELP)
    Path out;

    @Option(names = "--calibration", paramLabel = "FILE", required = true,
            description = "UTF-8 text file, one calibration text per line (blank lines skipped): a few dozen to a "
                    + "few hundred varied texts like those the model will see.")
    Path calibration;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = PERCENTILE,
            description = "How a range is taken from the observed magnitudes: percentile (clips rare outliers) or "
                    + "max (keeps the largest seen). Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "" + ActivationCalibrator.DEFAULT_PERCENTILE,
            description = "With --method percentile: the percentile of magnitudes kept, in (0, 100]. "
                    + "Default: ${DEFAULT-VALUE}.")
    double percentile;

    @Option(names = "--max-sequence-length", paramLabel = "TOKENS", defaultValue = "128",
            description = "Calibration texts are truncated to this many tokens. Default: ${DEFAULT-VALUE}.")
    int maxSequenceLength;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "The model's tokenizer.json. Default: tokenizer.json beside IN, else the builtin "
                    + "all-MiniLM-L6-v2 tokenizer (the output says which was used).")
    String tokenizer;

    @Override
    public Integer call() {
        validate();
        long started = System.nanoTime();
        PrintWriter printer = spec.commandLine().getOut();
        ModelSource source = in.source();
        OnnxModel model = source.read();
        ModelReport.Quantization existing = model.inspect().quantization();
        if (existing != ModelReport.Quantization.NONE) {
            // Checked before calibrating, which takes seconds.
            throw new OnnxModelException("model " + source.onnx() + " is already quantized (" + existing.label()
                    + "): quantize the float (FP32) model instead");
        }
        List<TextFile.Line> texts = TextFile.read(calibration, "--calibration", 1);
        TokenizerChoice chosen = TokenizerChoice.choose(tokenizer, source);
        printer.println("Tokenizer: " + chosen.describe());
        List<EncoderBatch> batches = chosen.batches(texts, CALIBRATION_BATCH_SIZE, maxSequenceLength);

        QdqQuantizer.Builder settings = QdqQuantizer.builder();
        TaskReport.keptHead(source, model).forEach(settings::keepWeight);
        QdqQuantizer quantizer = settings.build();
        List<String> activations = quantizer.activationsToCalibrate(model);
        ActivationCalibrator.Method calibrationMethod = MAX.equals(method)
                ? ActivationCalibrator.Method.MAX : ActivationCalibrator.Method.PERCENTILE;
        Map<String, ActivationRange> ranges = ActivationCalibrator.calibrate(model, activations, batches,
                calibrationMethod, percentile);
        QdqQuantizer.Result result = quantizer.quantize(model, ranges);
        WrittenModel written = WrittenModel.write(result.model(), source, out);

        String how = calibrationMethod == ActivationCalibrator.Method.MAX ? "max"
                : String.format(Locale.ROOT, "percentile %s", percentile);
        printer.printf(Locale.ROOT, "Calibrated %d activations on %d texts (%d batches, at most %d tokens), ranges "
                + "by %s%n", activations.size(), texts.size(), batches.size(), maxSequenceLength, how);
        printer.printf(Locale.ROOT, "Quantized %d weights to int8 (per output channel) and %d activations (per "
                + "tensor); opset %d -> %d%n", result.weights().size(), result.activations().size(), model.opset(),
                result.model().opset());
        printer.printf("Kept in float: %d tensors%s%n", result.skipped().size(), result.skipped().isEmpty() ? "" : ":");
        result.skipped().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> printer.println("  " + e.getKey() + ": " + e.getValue()));
        written.print(printer, source, started);
        return 0;
    }

    private void validate() {
        CommandLine commandLine = spec.commandLine();
        if (!PERCENTILE.equals(method) && !MAX.equals(method)) {
            throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--method': expected one "
                    + "of [" + PERCENTILE + ", " + MAX + "] but was '" + method + "'");
        }
        if (!(percentile > 0 && percentile <= 100)) {
            throw new CommandLine.ParameterException(commandLine,
                    "--percentile must be in (0, 100], found " + percentile + "; 99.99 clips the rarest outliers");
        }
        InferenceFlags.atLeast(commandLine, "--max-sequence-length", maxSequenceLength, 3);
    }
}
