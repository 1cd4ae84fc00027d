package io.streamrt.serde;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private final boolean wordPiece;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxSequenceLength, boolean wordPiece) {
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
        this.wordPiece = wordPiece;
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
                    // DJL caps maxLength at modelMaxLength, 512 unless set: a longer context was cut there.
                    "modelMaxLength", Integer.toString(maxSequenceLength),
                    "addSpecialTokens", "true"));
            return new TextTokenizer(tokenizer, maxSequenceLength, isWordPiece(tokenizerJson));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tokenizer " + tokenizerJson
                    + " is not a HuggingFace tokenizer.json the tokenizers library can load: " + e.getMessage(), e);
        }
    }

    /** Whether tokenizer.json's model is WordPiece: {@code "model": {"type": "WordPiece", ...}}. */
    private static boolean isWordPiece(Path tokenizerJson) throws IOException {
        return "WordPiece".equals(new ObjectMapper().readTree(tokenizerJson.toFile()).path("model").path("type")
                .asText(""));
    }

    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Token ids for one text, truncated to {@link #maxSequenceLength()}. */
    public TokenizedText encode(String text) {
        return encode("", text, null);
    }

    /**
     * Token ids (and type ids) for one text or a text pair, truncated to {@link #maxSequenceLength()}; without the
     * tokens' strings and spans, which only token classification needs ({@link #encodeWithSpans}).
     *
     * @param prefix prepended to the text before tokenizing (e5's {@code "query: "}); empty for none
     * @param pair the second text of a pair (a cross-encoder's passage), encoded as the tokenizer's pair encoding
     *     with real token type ids; null for a single text
     */
    public TokenizedText encode(String prefix, String text, String pair) {
        // Straight to the binding: HuggingFaceTokenizer.encode would also fetch every token's string, span, word id
        // and masks over JNI (a quarter of the tokenizing CPU in bench --stages-only), which nothing here reads.
        // Equivalent for the options open() sets (no lower-casing or prefix space on the Java side).
        long handle = tokenizer.getHandle(); // fails once closed, as HuggingFaceTokenizer.encode does
        long encoding = pair == null ? TokenizersLibrary.LIB.encode(handle, prefix + text, true)
                : TokenizersLibrary.LIB.encodeDual(handle, prefix + text, pair, true);
        try {
            return new TokenizedText(TokenizersLibrary.LIB.getTokenIds(encoding),
                    TokenizersLibrary.LIB.getOverflowCount(encoding) > 0,
                    pair == null ? null : TokenizersLibrary.LIB.getTypeIds(encoding), null, null, null);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /**
     * As {@link #encode(String, String, String)}, with each token's string and its span in the text, for token
     * classification: the prefix's tokens are not the text's ({@link TokenizedText#starts()} counts from the text's
     * own start), nor are special tokens or a pair's second text.
     */
    public TokenizedText encodeWithSpans(String prefix, String text, String pair) {
        Encoding encoding = encoding(prefix, text, pair);
        long[] ids = encoding.getIds();
        long[] sequence = encoding.getSequenceIds();
        long[] special = encoding.getSpecialTokenMask();
        CharSpan[] spans = encoding.getCharTokenSpans();
        int prefixChars = prefix.codePointCount(0, prefix.length());
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            CharSpan span = spans[i];
            boolean fromText = span != null && special[i] == 0 && (sequence.length == 0 || sequence[i] == 0)
                    && span.getStart() >= prefixChars;
            starts[i] = fromText ? span.getStart() - prefixChars : -1;
            ends[i] = fromText ? span.getEnd() - prefixChars : -1;
        }
        return new TokenizedText(ids, encoding.exceedMaxLength(), pair == null ? null : encoding.getTypeIds(),
                encoding.getTokens(), starts, ends);
    }

    private Encoding encoding(String prefix, String text, String pair) {
        String input = prefix + text;
        return pair == null ? tokenizer.encode(input) : tokenizer.encode(input, pair);
    }

    /**
     * Whether this is a WordPiece tokenizer (BERT's: word continuations start with {@code ##}), as opposed to a
     * byte-level BPE or SentencePiece one (RoBERTa's, XLM-R's): entity words are joined differently.
     */
    public boolean wordPiece() {
        return wordPiece;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
