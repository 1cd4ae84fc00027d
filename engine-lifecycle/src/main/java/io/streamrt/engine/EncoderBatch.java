package io.streamrt.engine;

/**
 * One batch of token sequences, padded to a common length, row-major {@code [size, sequenceLength]}.
 *
 * <p>The attention mask is 1 for the first {@code lengths[i]} positions of row {@code i} and 0 after: it is
 * derived, not stored. Token type ids are all 0 (single-segment input), as sentence encoders expect.
 *
 * <pre>{@code
 * EncoderBatch batch = EncoderBatch.pad(List.of(idsA, idsB));   // padded to the longer of the two
 * }</pre>
 *
 * @param size number of rows
 * @param sequenceLength padded length of every row
 * @param inputIds token ids, {@code size * sequenceLength} values, 0 after each row's length
 * @param lengths real (unpadded) token count of each row, at least 1
 */
public record EncoderBatch(int size, int sequenceLength, long[] inputIds, int[] lengths) {

    public EncoderBatch {
        if (size < 1 || sequenceLength < 1) {
            throw new IllegalArgumentException("batch must have at least one row and one token, found size " + size
                    + ", sequence length " + sequenceLength);
        }
        if (inputIds.length != size * sequenceLength || lengths.length != size) {
            throw new IllegalArgumentException("expected " + size * sequenceLength + " ids and " + size
                    + " lengths, found " + inputIds.length + " and " + lengths.length);
        }
        for (int length : lengths) {
            if (length < 1 || length > sequenceLength) {
                throw new IllegalArgumentException(
                        "row length must be in 1.." + sequenceLength + ", found " + length);
            }
        }
    }

    /** Pads rows of token ids to the longest one. */
    public static EncoderBatch pad(java.util.List<long[]> rows) {
        int longest = 0;
        for (long[] row : rows) {
            longest = Math.max(longest, row.length);
        }
        return pad(rows, longest);
    }

    /** Pads rows of token ids to {@code sequenceLength}; every row must fit. */
    public static EncoderBatch pad(java.util.List<long[]> rows, int sequenceLength) {
        long[] ids = new long[rows.size() * sequenceLength];
        int[] lengths = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            long[] row = rows.get(i);
            if (row.length > sequenceLength) {
                throw new IllegalArgumentException(
                        "row " + i + " has " + row.length + " tokens, more than the padded length " + sequenceLength);
            }
            System.arraycopy(row, 0, ids, i * sequenceLength, row.length);
            lengths[i] = row.length;
        }
        return new EncoderBatch(rows.size(), sequenceLength, ids, lengths);
    }

    /** Real tokens over padded positions, in (0, 1]. */
    /** 1 over each row's real tokens, 0 over its padding, row-major {@code [size, sequenceLength]}. */
    public long[] attentionMask() {
        long[] mask = new long[size * sequenceLength];
        for (int row = 0; row < size; row++) {
            java.util.Arrays.fill(mask, row * sequenceLength, row * sequenceLength + lengths[row], 1L);
        }
        return mask;
    }

    public double fillRatio() {
        long real = 0;
        for (int length : lengths) {
            real += length;
        }
        return (double) real / ((long) size * sequenceLength);
    }
}
