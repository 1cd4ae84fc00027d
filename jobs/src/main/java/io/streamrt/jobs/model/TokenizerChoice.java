package io.streamrt.jobs.model;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.ModelFiles;
import io.streamrt.serde.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer a model tool uses, and why: {@code --tokenizer} if given, else the builtin model's own, else
 * {@code tokenizer.json} beside the model, else the builtin all-MiniLM-L6-v2 tokenizer.
 *
 * <pre>{@code
 * TokenizerChoice tokenizer = TokenizerChoice.choose(null, ModelSource.of("model.onnx"));
 * out.println("Tokenizer: " + tokenizer.describe());
 * List<EncoderBatch> batches = tokenizer.batches(texts, 16, 128);
 * }</pre>
 *
 * @param path the tokenizer.json
 * @param origin where it came from, for the user
 */
record TokenizerChoice(Path path, String origin) {

    static final String BESIDE = "tokenizer.json";

    /**
     * Picks the tokenizer.
     *
     * @param explicit the {@code --tokenizer} value, or null
     * @throws IllegalArgumentException if {@code explicit} is not a file
     */
    static TokenizerChoice choose(String explicit, ModelSource model) {
        if (explicit != null) {
            Path path = Path.of(explicit);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("tokenizer file " + explicit + " (--tokenizer) does not exist "
                        + "(looked for " + path.toAbsolutePath() + "): pass the model's tokenizer.json, or leave "
                        + "--tokenizer out to use " + BESIDE + " beside the model");
            }
            return new TokenizerChoice(path, "from --tokenizer");
        }
        if (model.ownTokenizer() != null) {
            return new TokenizerChoice(model.ownTokenizer(), model.reference() + "'s own");
        }
        Path parent = model.onnx().toAbsolutePath().getParent();
        Path beside = parent == null ? null : parent.resolve(BESIDE);
        if (beside != null && Files.isRegularFile(beside)) {
            return new TokenizerChoice(beside, BESIDE + " beside " + model.reference());
        }
        Path builtin = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null).tokenizer();
        return new TokenizerChoice(builtin, "the builtin all-MiniLM-L6-v2 tokenizer: no --tokenizer given and no "
                + BESIDE + " beside " + model.reference() + "; pass --tokenizer if the model has another vocabulary");
    }

    /** The path and where it came from, for the user. */
    String describe() {
        return path + " (" + origin + ")";
    }

    /** Tokenizes the texts in file order, truncated to {@code maxSequenceLength}, in padded batches. */
    List<EncoderBatch> batches(List<TextFile.Line> texts, int batchSize, int maxSequenceLength) {
        List<EncoderBatch> batches = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.open(path, maxSequenceLength)) {
            for (int i = 0; i < texts.size(); i += batchSize) {
                List<long[]> rows = new ArrayList<>();
                for (TextFile.Line line : texts.subList(i, Math.min(texts.size(), i + batchSize))) {
                    rows.add(tokenizer.encode(line.text()).ids());
                }
                batches.add(EncoderBatch.pad(rows));
            }
        }
        return batches;
    }
}
