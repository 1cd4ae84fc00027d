package io.streamrt.serde;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Text to token ids with a model's own {@code tokenizer.json}, offline (DJL's binding of the HuggingFace Rust
 * tokenizers). Texts longer than {@code maxSequenceLength} tokens are truncated (and flagged), never rejected.
 * Thread-safe; close it to free the native tokenizer.
 *
 * <pre>{@code
 * try (TextTokenizer tokenizer = TextTokenizer.open(Path.of("tokenizer.json"), 128)) {
 *     TokenizedText t = tokenizer.encode("Flink meets TensorRT.");
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int maxSequenceLength;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxSequenceLength) {
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
    }

    /**
     * Loads a tokenizer.
     *
     * @param tokenizerJson the model's {@code tokenizer.json}
     * @param maxSequenceLength longest output in tokens, special tokens included (the tokenizer's own padding and
     *     length settings are overridden: batches are padded later, by length group)
     */
    public static TextTokenizer open(Path tokenizerJson, int maxSequenceLength) {
        if (maxSequenceLength < 3) {
            throw new IllegalArgumentException("maxSequenceLength must be at least 3, found " + maxSequenceLength);
        }
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer file " + tokenizerJson
                    + " does not exist: pass the model's tokenizer.json (--tokenizer PATH)");
        }
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Integer.toString(maxSequenceLength),
                    "addSpecialTokens", "true"));
            return new TextTokenizer(tokenizer, maxSequenceLength);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tokenizer " + tokenizerJson
                    + " is not a HuggingFace tokenizer.json the tokenizers library can load: " + e.getMessage(), e);
        }
    }

    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Token ids for one text, truncated to {@link #maxSequenceLength()}. */
    public TokenizedText encode(String text) {
        Encoding encoding = tokenizer.encode(text);
        return new TokenizedText(encoding.getIds(), encoding.exceedMaxLength());
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
