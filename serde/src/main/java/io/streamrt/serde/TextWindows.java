package io.streamrt.serde;

import java.util.List;

/**
 * A text cut into overlapping windows of tokens ({@link TextChunker}), in order.
 *
 * @param windows at least one
 * @param truncated true if the text went on past the last window (the record's window limit, or the tokenizer's
 *     bound on what it reads of one text)
 */
public record TextWindows(List<Window> windows, boolean truncated) {

    public TextWindows {
        windows = List.copyOf(windows);
    }

    /**
     * One window: tokens the model reads as a text alone (wrapped in the special tokens a text alone gets), and
     * where they lie in the whole text.
     *
     * @param index its place among the text's windows, from 0
     * @param tokens its tokens, with their strings and their spans in the whole text (-1 for special and prefix
     *     tokens)
     * @param start where its first token begins in the whole text, in code points
     * @param end where its last token ends, exclusive
     */
    public record Window(int index, TokenizedText tokens, int start, int end) {}
}
