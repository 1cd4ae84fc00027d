package io.streamrt.jobs.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.jobs.InferenceFlags;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model evaluate}: embeds the same texts with two models on ONNX Runtime (CPU) and reports how far apart
 * the sentence embeddings are (mean and minimum cosine), whether each text's nearest neighbour stays the same, and
 * each model's speed on this machine. Made for a float model against its sparse or quantized copy.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model evaluate model.onnx model-int8.onnx --texts texts.txt --json
 * }</pre>
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Embeds every text of --texts with model A and model B on ONNX Runtime (CPU; mean-pooled, "
                + "L2-normalised) and prints the mean and minimum cosine between the two models' embeddings, the "
                + "top-1 nearest-neighbour agreement (share of texts whose nearest other text is the same under A "
                + "and B), and each model's speed in texts/s over the whole file after one warm-up batch.")
public final class EvaluateCommand implements Callable<Integer> {

    /** Timed runs shorter than this are dominated by noise (a JIT pause, another process): the output says so. */
    private static final double STEADY_SECONDS = 1.0;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A", description = "The reference .onnx model (e.g. the FP32 one), or a "
            + "builtin model.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "The .onnx model compared with A (e.g. its INT8 copy), "
            + "or a builtin model.")
    String b;

    @Option(names = "--texts", paramLabel = "FILE", required = true,
            description = "UTF-8 text file, one text per line (blank lines skipped), at least 2 texts.")
    Path texts;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "The models' tokenizer.json (both use the same). Default: a builtin A's own, else "
                    + "tokenizer.json beside A, else the builtin all-MiniLM-L6-v2 tokenizer.")
    String tokenizer;

    @Option(names = "--max-sequence-length", paramLabel = "TOKENS", defaultValue = "128",
            description = "Texts are truncated to this many tokens. Default: ${DEFAULT-VALUE}.")
    int maxSequenceLength;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Texts per batch (padded to the longest in it). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--json", description = "Print JSON instead of text: texts, mean_cosine, min_cosine, "
            + "min_cosine_line, top1_agreement, a and b (model, texts_per_s), b_speedup and the settings.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        InferenceFlags.atLeast(spec.commandLine(), "--max-sequence-length", maxSequenceLength, 3);
        InferenceFlags.atLeast(spec.commandLine(), "--batch-size", batchSize, 1);
        ModelSource sourceA = ModelSource.of(a);
        ModelSource sourceB = ModelSource.of(b);
        // Read first: a missing, cut or non-ONNX file is named here, before ONNX Runtime sees it.
        sourceA.read();
        sourceB.read();
        List<TextFile.Line> lines = TextFile.read(texts, "--texts", 2);
        TokenizerChoice chosen = TokenizerChoice.choose(tokenizer, sourceA);
        List<EncoderBatch> batches = chosen.batches(lines, batchSize, maxSequenceLength);

        Embedder.Result resultA = Embedder.embed(sourceA, chosen, batches, batchSize, maxSequenceLength);
        Embedder.Result resultB = Embedder.embed(sourceB, chosen, batches, batchSize, maxSequenceLength);
        EmbeddingAgreement agreement = EmbeddingAgreement.of(resultA.embeddings(), resultB.embeddings());
        int minLine = lines.get(agreement.minIndex()).number();
        double speedup = resultB.textsPerSecond() / resultA.textsPerSecond();

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("texts", agreement.texts());
            root.put("mean_cosine", agreement.meanCosine());
            root.put("min_cosine", agreement.minCosine());
            root.put("min_cosine_line", minLine);
            root.put("top1_agreement", agreement.top1Agreement());
            modelJson(root.putObject("a"), sourceA, resultA);
            modelJson(root.putObject("b"), sourceB, resultB);
            root.put("b_speedup", speedup);
            root.put("parallel_batches", resultA.parallelBatches());
            root.put("batch_size", batchSize);
            root.put("max_sequence_length", maxSequenceLength);
            root.put("tokenizer", chosen.path().toString());
            out.println(mapper.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            out.println("A: " + a);
            out.println("B: " + b);
            out.printf(Locale.ROOT, "Texts: %d from %s, batches of %d, at most %d tokens; tokenizer %s%n",
                    agreement.texts(), texts, batchSize, maxSequenceLength, chosen.describe());
            out.printf(Locale.ROOT, "Mean cosine A vs B:         %.4f%n", agreement.meanCosine());
            out.printf(Locale.ROOT, "Min cosine A vs B:          %.4f (line %d of %s)%n", agreement.minCosine(),
                    minLine, texts.getFileName());
            out.printf(Locale.ROOT, "Top-1 neighbour agreement:  %.4f (%d of %d texts have the same nearest other "
                    + "text under A and B)%n", agreement.top1Agreement(), agreement.top1Agreeing(), agreement.texts());
            out.printf(Locale.ROOT, "Speed A:                    %.1f texts/s (%.2f s)%n", resultA.textsPerSecond(),
                    resultA.seconds());
            out.printf(Locale.ROOT, "Speed B:                    %.1f texts/s (%.2f s; %.2fx A)%n",
                    resultB.textsPerSecond(), resultB.seconds(), speedup);
            out.printf(Locale.ROOT, "(ONNX Runtime CPU, %d batch(es) at a time on %d cores, after one warm-up "
                    + "batch; other work on the machine lowers both)%n", resultA.parallelBatches(),
                    Runtime.getRuntime().availableProcessors());
            if (Math.min(resultA.seconds(), resultB.seconds()) < STEADY_SECONDS) {
                out.printf(Locale.ROOT, "Note: a run under %.0f s gives a rough speed; for a steadier figure use a "
                        + "--texts file with more texts%n", STEADY_SECONDS);
            }
        }
        out.flush();
        return 0;
    }

    private static void modelJson(ObjectNode node, ModelSource source, Embedder.Result result) {
        node.put("model", source.reference());
        node.put("texts_per_s", result.textsPerSecond());
        node.put("seconds", result.seconds());
    }
}
