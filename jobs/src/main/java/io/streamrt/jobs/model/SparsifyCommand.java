package io.streamrt.jobs.model;

import io.streamrt.engine.onnx.OnnxModel;
import io.streamrt.engine.onnx.Sparsifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model sparsify}: 2:4 magnitude pruning of the MatMul/Gemm weights (in every group of 4 along the
 * reduction axis the 2 smallest magnitudes become zero), written to a new file. Without fine-tuning this costs
 * accuracy: measure it with {@code model evaluate}.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model sparsify model.onnx model-sparse.onnx
 * }</pre>
 */
@Command(name = "sparsify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prunes MatMul/Gemm weights to 2:4 sparsity (2 of every 4 consecutive weights along the "
                + "reduction axis set to zero, the smallest magnitudes), writes OUT, and prints what was pruned, "
                + "what was skipped and why, and the share of magnitude removed. Prune the float model, then "
                + "quantize.")
public final class SparsifyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FloatModelArgument in;

    @Parameters(index = "1", paramLabel = "OUT",
            description = "Where the pruned .onnx model goes " + WrittenModel.OUT_HELP)
    Path out;

    @Option(names = "--min-dimension", paramLabel = "N", defaultValue = "" + Sparsifier.DEFAULT_MIN_DIMENSION,
            description = "Weights with a dimension below N stay dense: small matrices save little and lose more. "
                    + "At least 4. Default: ${DEFAULT-VALUE}.")
    int minDimension;

    @Override
    public Integer call() {
        if (minDimension < 4) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--min-dimension must be at least 4 (one group of 4), found " + minDimension);
        }
        long started = System.nanoTime();
        ModelSource source = in.source();
        OnnxModel model = source.read();
        Sparsifier.Builder settings = Sparsifier.builder().minDimension(minDimension);
        TaskReport.keptHead(source, model).forEach(settings::keep);
        Sparsifier.Result result = settings.build().sparsify(model);
        WrittenModel written = WrittenModel.write(result.model(), source, out);

        PrintWriter printer = spec.commandLine().getOut();
        int total = result.pruned().size() + result.skipped().size();
        printer.printf(Locale.ROOT, "Pruned %d of %d MatMul/Gemm weights to 2:4 sparsity%s%n", result.pruned().size(),
                total, result.pruned().isEmpty() ? "" : String.format(Locale.ROOT,
                        "; removed %.1f%% of their squared magnitude (L2 norm squared)",
                        100 * result.removedMagnitude()));
        printer.printf("Skipped %d%s%n", result.skipped().size(), result.skipped().isEmpty() ? "" : ":");
        result.skipped().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> printer.println("  " + e.getKey() + ": " + e.getValue()));
        if (result.pruned().isEmpty()) {
            printer.println("Nothing was pruned: OUT is a copy of IN; lower --min-dimension to prune smaller weights");
        }
        written.print(printer, null, started);
        return 0;
    }
}
