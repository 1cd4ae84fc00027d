package io.streamrt.serde;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Cuts a text longer than a model's input into overlapping windows of tokens, each of which the model reads as a text
 * alone. A text's tokens (special tokens aside) are cut into windows of the sequence length minus the special tokens a
 * single text gets (and minus a prefix's tokens, which every window repeats); a window starts every that many tokens
 * minus the overlap; the last window is the first that reaches the text's last token. This is what a Hugging Face
 * fast tokenizer's overflow with a stride is meant to produce ({@code truncation=True, max_length=L, stride=S,
 * return_overflowing_tokens=True}), written out here rather than taken from a library's overflow. Thread-safe; close
 * it to free its native tokenizer.
 *
 * <pre>{@code
 * try (TextChunker chunker = TextChunker.open(Path.of("tokenizer.json"), 128, 32, 64)) {
 *     TextWindows windows = chunker.windows("", longText);   // windows of 126 tokens, one every 94
 * }
 * }</pre>
 */
public final class TextChunker implements AutoCloseable {

    /** Reads at most this many tokens of one text, and says when there were more; adds no special tokens. */
    private final HuggingFaceTokenizer tokenizer;
    private final int maxSequenceLength;
    private final int overlapTokens;
    private final int maxChunks;
    /** The special tokens before and after a text alone, e.g. {@code [CLS]} and {@code [SEP]}. */
    private final Encoding lead;
    private final int leadCount;
    private final int trailCount;

    private TextChunker(HuggingFaceTokenizer tokenizer, int maxSequenceLength, int overlapTokens, int maxChunks) {
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
        this.overlapTokens = overlapTokens;
        this.maxChunks = maxChunks;
        this.lead = tokenizer.encode("a", true, false);
        long[] special = lead.getSpecialTokenMask();
        int first = 0;
        while (first < special.length && special[first] == 1) {
            first++;
        }
        int last = special.length - 1;
        while (last >= 0 && special[last] == 1) {
            last--;
        }
        this.leadCount = first;
        this.trailCount = special.length - 1 - last;
    }

    /**
     * A chunker for a model's tokenizer.
     *
     * @param maxSequenceLength a window's length, special tokens included
     * @param overlapTokens tokens each window shares with the one before
     * @param maxChunks most windows of one text; the rest of a longer text is cut (and said so)
     */
    public static TextChunker open(Path tokenizerJson, int maxSequenceLength, int overlapTokens, int maxChunks) {
        if (overlapTokens < 0 || maxChunks < 1) {
            throw new IllegalArgumentException("overlap must be 0 or more and max chunks at least 1, found "
                    + overlapTokens + " and " + maxChunks);
        }
        try {
            // Reads a bounded part of a huge text: no window reaches past maxChunks windows of maxSequenceLength.
            long bound = (long) maxChunks * maxSequenceLength + 1;
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "padding", "false",
                    "truncation", "true",
                    "maxLength", Long.toString(Math.min(bound, Integer.MAX_VALUE)),
                    "modelMaxLength", Long.toString(Math.min(bound, Integer.MAX_VALUE)),
                    "addSpecialTokens", "false"));
            return new TextChunker(tokenizer, maxSequenceLength, overlapTokens, maxChunks);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        }
    }

    /**
     * The text's windows.
     *
     * @param prefix prepended to every window's text (e5's {@code "query: "}); empty for none
     * @throws IllegalArgumentException if the special tokens, the prefix and the overlap leave a window no room to
     *     move on
     */
    public TextWindows windows(String prefix, String text) {
        Encoding encoding = tokenizer.encode(prefix + text, false, false);
        long[] ids = encoding.getIds();
        String[] tokens = encoding.getTokens();
        CharSpan[] spans = encoding.getCharTokenSpans();
        int prefixChars = prefix.codePointCount(0, prefix.length());
        int prefixTokens = 0;
        while (prefixTokens < ids.length && (spans[prefixTokens] == null
                || spans[prefixTokens].getStart() < prefixChars)) {
            prefixTokens++;
        }
        int room = maxSequenceLength - leadCount - trailCount - prefixTokens;
        int step = room - overlapTokens;
        if (step < 1) {
            throw new IllegalArgumentException("a window of " + maxSequenceLength + " tokens holds " + room
                    + " of the text (after " + (leadCount + trailCount) + " special tokens and " + prefixTokens
                    + " of the prefix): the overlap (" + overlapTokens + " tokens) must be less than that");
        }
        int textTokens = ids.length - prefixTokens;
        List<TextWindows.Window> windows = new ArrayList<>();
        int from = 0;
        while (true) {
            int to = Math.min(from + room, textTokens);
            windows.add(window(windows.size(), ids, tokens, spans, prefixTokens, prefixTokens + from,
                    prefixTokens + to, prefixChars));
            if (to >= textTokens) {
                return new TextWindows(windows, encoding.exceedMaxLength());
            }
            if (windows.size() == maxChunks) {
                return new TextWindows(windows, true);
            }
            from += step;
        }
    }

    /** Window {@code index}: the special tokens around the prefix's tokens and the text's tokens {@code [from, to)}. */
    private TextWindows.Window window(int index, long[] ids, String[] tokens, CharSpan[] spans, int prefixTokens,
            int from, int to, int prefixChars) {
        long[] leadIds = lead.getIds();
        String[] leadStrings = lead.getTokens();
        int length = leadCount + prefixTokens + (to - from) + trailCount;
        long[] windowIds = new long[length];
        String[] windowTokens = new String[length];
        int[] starts = new int[length];
        int[] ends = new int[length];
        Arrays.fill(starts, -1);
        Arrays.fill(ends, -1);
        int at = 0;
        for (int i = 0; i < leadCount; i++, at++) {
            windowIds[at] = leadIds[i];
            windowTokens[at] = leadStrings[i];
        }
        for (int i = 0; i < prefixTokens; i++, at++) {
            windowIds[at] = ids[i];
            windowTokens[at] = tokens[i];
        }
        for (int i = from; i < to; i++, at++) {
            windowIds[at] = ids[i];
            windowTokens[at] = tokens[i];
            if (spans[i] != null) {
                starts[at] = spans[i].getStart() - prefixChars;
                ends[at] = spans[i].getEnd() - prefixChars;
            }
        }
        for (int i = leadIds.length - trailCount; i < leadIds.length; i++, at++) {
            windowIds[at] = leadIds[i];
            windowTokens[at] = leadStrings[i];
        }
        int start = from < to && spans[from] != null ? spans[from].getStart() - prefixChars : 0;
        int end = from < to && spans[to - 1] != null ? spans[to - 1].getEnd() - prefixChars : start;
        return new TextWindows.Window(index, new TokenizedText(windowIds, false, null, windowTokens, starts, ends),
                start, end);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
