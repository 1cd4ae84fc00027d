package io.streamrt.serde;

/**
 * One text (or text pair) as the model's tokenizer cut it, special tokens included, unpadded: the ids the engine
 * runs and, per token, what a token-classification task needs to map tags back onto the text.
 *
 * <pre>{@code
 * TokenizedText t = tokenizer.encode("A short sentence.");
 * int tokens = t.length();
 * }</pre>
 *
 * @param ids token ids, {@code [CLS] ... [SEP]} for BERT-family tokenizers
 * @param truncated true if the text was longer than the model's maximum sequence length and was cut
 * @param typeIds token type ids: the second text of a pair has 1s; null for a single text (all 0)
 * @param tokens the tokens as strings, e.g. {@code [CLS], new, york, ##ing, [SEP]}; null unless asked for
 *     ({@link TextTokenizer#encodeWithSpans})
 * @param starts where each token starts in the text, in characters (Unicode code points, as Hugging Face counts
 *     them); -1 for tokens not from the text (special tokens, a prefix, the second text of a pair); null unless
 *     asked for
 * @param ends where each token ends in the text, exclusive; -1 as for {@code starts}; null unless asked for
 */
public record TokenizedText(long[] ids, boolean truncated, long[] typeIds, String[] tokens, int[] starts,
        int[] ends) {

    /** Number of tokens, special tokens included. */
    public int length() {
        return ids.length;
    }

    /**
     * Whether token {@code i} comes from the text itself (not a special token, a prefix, or a pair's second text);
     * for a text encoded with its spans.
     */
    public boolean inText(int i) {
        return starts[i] >= 0;
    }
}
