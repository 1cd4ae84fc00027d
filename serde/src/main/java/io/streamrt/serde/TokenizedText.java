package io.streamrt.serde;

/**
 * Token ids of one text, special tokens included, unpadded.
 *
 * <pre>{@code
 * TokenizedText t = tokenizer.encode("A short sentence.");
 * int tokens = t.length();
 * }</pre>
 *
 * @param ids token ids, {@code [CLS] ... [SEP]} for BERT-family tokenizers
 * @param truncated true if the text was longer than the model's maximum sequence length and was cut
 */
public record TokenizedText(long[] ids, boolean truncated) {

    /** Number of tokens, special tokens included. */
    public int length() {
        return ids.length;
    }
}
