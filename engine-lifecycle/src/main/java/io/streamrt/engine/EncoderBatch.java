package io.streamrt.engine;

/**
 * One batch of token sequences, padded to a common length, row-major {@code [size, sequenceLength]}.
 *
 * <p>The attention mask is 1 for the first {@code lengths[i]} positions of row {@code i} and 0 after: it is
 * derived, not stored. Token type ids are 0 for single texts; a text pair's second segment has 1s, as the
 * tokenizer's pair encoding says.
 *
 * <pre>{@code
 * EncoderBatch batch = EncoderBatch.pad(List.of(idsA, idsB));   // padded to the longer of the two
 * }</pre>
 *
 * @param size number of rows
 * @param sequenceLength padded length of every row
 * @param inputIds token ids, {@code size * sequenceLength} values, 0 after each row's length
 * @param lengths real (unpadded) token count of each row, at least 1
 * @param tokenTypeIds segment ids, {@code size * sequenceLength} values, 0 after each row's length
 */
public record EncoderBatch(int size, int sequenceLength, long[] inputIds, int[] lengths, long[] tokenTypeIds) {

    public EncoderBatch {
        if (size < 1 || sequenceLength < 1) {
            throw new IllegalArgumentException("batch must have at least one row and one token, found size " + size
                    + ", sequence length " + sequenceLength);
        }
        if (inputIds.length != size * sequenceLength || lengths.length != size
                || tokenTypeIds.length != inputIds.length) {
            throw new IllegalArgumentException("expected " + size * sequenceLength + " ids and token types and "
                    + size + " lengths, found " + inputIds.length + ", " + tokenTypeIds.length + " and "
                    + lengths.length);
        }
        for (int length : lengths) {
            if (length < 1 || length > sequenceLength) {
                throw new IllegalArgumentException(
                        "row length must be in 1.." + sequenceLength + ", found " + length);
            }
        }
    }

    /** Pads rows of token ids (single texts: token types 0) to the longest one. */
    public static EncoderBatch pad(java.util.List<long[]> rows) {
        return pad(rows, longest(rows));
    }

    /** Pads rows of token ids (single texts: token types 0) to {@code sequenceLength}; every row must fit. */
    public static EncoderBatch pad(java.util.List<long[]> rows, int sequenceLength) {
        return pad(rows, null, sequenceLength);
    }

    /**
     * Pads rows of token ids and their token type ids to the longest row.
     *
     * @param types each row's token type ids, as long as its ids; null for all 0 (single texts)
     */
    public static EncoderBatch pad(java.util.List<long[]> rows, java.util.List<long[]> types) {
        return pad(rows, types, longest(rows));
    }

    private static int longest(java.util.List<long[]> rows) {
        int longest = 0;
        for (long[] row : rows) {
            longest = Math.max(longest, row.length);
        }
        return longest;
    }

    private static EncoderBatch pad(java.util.List<long[]> rows, java.util.List<long[]> types, int sequenceLength) {
        long[] ids = new long[rows.size() * sequenceLength];
        long[] typeIds = new long[ids.length];
        int[] lengths = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            long[] row = rows.get(i);
            if (row.length > sequenceLength) {
                throw new IllegalArgumentException(
                        "row " + i + " has " + row.length + " tokens, more than the padded length " + sequenceLength);
            }
            System.arraycopy(row, 0, ids, i * sequenceLength, row.length);
            if (types != null && types.get(i) != null) {
                if (types.get(i).length != row.length) {
                    throw new IllegalArgumentException("row " + i + " has " + row.length + " tokens but "
                            + types.get(i).length + " token types");
                }
                System.arraycopy(types.get(i), 0, typeIds, i * sequenceLength, row.length);
            }
            lengths[i] = row.length;
        }
        return new EncoderBatch(rows.size(), sequenceLength, ids, lengths, typeIds);
    }

    /** 1 over each row's real tokens, 0 over its padding, row-major {@code [size, sequenceLength]}. */
    public long[] attentionMask() {
        long[] mask = new long[size * sequenceLength];
        for (int row = 0; row < size; row++) {
            java.util.Arrays.fill(mask, row * sequenceLength, row * sequenceLength + lengths[row], 1L);
        }
        return mask;
    }

    /** Real tokens over padded positions, in (0, 1]. */
    public double fillRatio() {
        long real = 0;
        for (int length : lengths) {
            real += length;
        }
        return (double) real / ((long) size * sequenceLength);
    }
}
