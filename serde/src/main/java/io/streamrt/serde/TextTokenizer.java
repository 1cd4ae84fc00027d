package io.streamrt.serde;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text to token ids with a model's own {@code tokenizer.json}, offline (DJL's binding of the HuggingFace Rust
 * tokenizers). Texts longer than {@code maxSequenceLength} tokens are truncated (and flagged), never rejected.
 * A BERT WordPiece tokenizer's single all-ASCII texts are tokenized in Java ({@link WordPieceFastPath}), to the same
 * ids at a fraction of the library's CPU. Thread-safe; close it to free the native tokenizer.
 *
 * <pre>{@code
 * try (TextTokenizer tokenizer = TextTokenizer.open(Path.of("tokenizer.json"), 128)) {
 *     TokenizedText t = tokenizer.encode("Flink meets TensorRT.");
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TextTokenizer.class);

    /**
     * Texts both paths tokenize when a tokenizer is opened, to check the fast path against the library as it is
     * configured: case, punctuation runs, control chars, a word past the per-word limit, a word of unknown pieces;
     * then a text of more tokens than the sequence length.
     */
    private static final List<String> PROBES = List.of(
            "Hello, World! It's 3:45pm -- (really?) [ok] {x}; a_b/c\\d \"e\" #1 $2 %3 ^4 &5 *6 +7 =8 |9 ~0 `@<>",
            "\tTabs\nand\rcontrols\u000B\f\u0000\u001F\u007F end  ",
            "x".repeat(120) + " unbelievably zxqvj zzzzzzzzz antidisestablishmentarianism");

    private final HuggingFaceTokenizer tokenizer;
    private final int maxSequenceLength;
    private final boolean wordPiece;
    /** Null: every text goes to the library. */
    private final WordPieceFastPath fastPath;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxSequenceLength, boolean wordPiece,
            WordPieceFastPath fastPath) {
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
        this.wordPiece = wordPiece;
        this.fastPath = fastPath;
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
            try {
                JsonNode json = new ObjectMapper().readTree(tokenizerJson.toFile());
                WordPieceFastPath fastPath = WordPieceFastPath.of(json, maxSequenceLength)
                        .filter(fast -> agreesWithLibrary(fast, tokenizer, maxSequenceLength, tokenizerJson))
                        .orElse(null);
                return new TextTokenizer(tokenizer, maxSequenceLength, isWordPiece(json), fastPath);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tokenizer " + tokenizerJson
                    + " is not a HuggingFace tokenizer.json the tokenizers library can load: " + e.getMessage(), e);
        }
    }

    /** Whether tokenizer.json's model is WordPiece: {@code "model": {"type": "WordPiece", ...}}. */
    private static boolean isWordPiece(JsonNode tokenizerJson) {
        return "WordPiece".equals(tokenizerJson.path("model").path("type").asText(""));
    }

    /**
     * Whether the library is set up as the fast path assumes (truncation longest-first without stride, no padding)
     * and gives the fast path's ids for {@link #PROBES}: a tokenizer.json that reads as BERT's but tokenizes
     * otherwise keeps every text on the library.
     */
    private static boolean agreesWithLibrary(WordPieceFastPath fast, HuggingFaceTokenizer tokenizer,
            int maxSequenceLength, Path json) {
        long handle = tokenizer.getHandle();
        boolean agrees = "longest_first".equals(TokenizersLibrary.LIB.getTruncationStrategy(handle))
                && TokenizersLibrary.LIB.getStride(handle) == 0
                && "DO_NOT_PAD".equals(TokenizersLibrary.LIB.getPaddingStrategy(handle));
        for (int i = 0; agrees && i <= PROBES.size(); i++) {
            String probe = i < PROBES.size() ? PROBES.get(i) : "Word, ".repeat(maxSequenceLength / 2 + 1);
            TokenizedText ours = fast.encode("", probe);
            TokenizedText library = encodeWithLibrary(handle, "", probe, null);
            agrees = ours == null
                    || Arrays.equals(ours.ids(), library.ids()) && ours.truncated() == library.truncated();
        }
        if (!agrees) {
            LOG.warn("Tokenizer {} reads as BERT's WordPiece but the tokenizers library tokenizes it otherwise: every "
                    + "text goes to the library (correct, at the library's CPU cost)", json);
        }
        return agrees;
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
        long handle = tokenizer.getHandle(); // fails once closed, as HuggingFaceTokenizer.encode does
        if (pair == null && fastPath != null) {
            TokenizedText fast = fastPath.encode(prefix, text);
            if (fast != null) {
                return fast;
            }
        }
        return encodeWithLibrary(handle, prefix, text, pair);
    }

    /** {@link #encode(String, String, String)} by the tokenizers library alone, whatever the text. */
    TokenizedText encodeWithLibrary(String prefix, String text, String pair) {
        return encodeWithLibrary(tokenizer.getHandle(), prefix, text, pair);
    }

    /** {@link #encode(String, String, String)} by the fast path, or null where it leaves the text to the library. */
    TokenizedText encodeFast(String prefix, String text) {
        tokenizer.getHandle();
        return fastPath == null ? null : fastPath.encode(prefix, text);
    }

    private static TokenizedText encodeWithLibrary(long handle, String prefix, String text, String pair) {
        // Straight to the binding: HuggingFaceTokenizer.encode would also fetch every token's string, span, word id
        // and masks over JNI (a quarter of the tokenizing CPU in bench --stages-only), which nothing here reads.
        // Equivalent for the options open() sets (no lower-casing or prefix space on the Java side).
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
