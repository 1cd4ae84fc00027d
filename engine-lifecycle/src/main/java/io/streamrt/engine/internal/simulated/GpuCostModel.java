package io.streamrt.engine.internal.simulated;

/**
 * How long a GPU takes for one batch, from NVIDIA's published TensorRT results for BERT-Base INT8 on an A100 (the
 * demo/BERT README of the TensorRT repository; GPU compute only, average milliseconds), interpolated over batch size
 * and padded length.
 *
 * <ul>
 *   <li>Between the published batch sizes (1 to 128): linear; above 128, the slope from 64 to 128.</li>
 *   <li>Between lengths 128 and 384: linear; above 384, the same slope.</li>
 *   <li>Below length 128 a batch does the work of fewer full-length sequences: {@code b} sequences of length
 *       {@code L} cost what {@code b * L / 128} sequences of 128 do, and never less than one.</li>
 * </ul>
 *
 * <pre>{@code
 * double ms = GpuCostModel.BERT_BASE_INT8_A100.millis(32, 64);   // what a batch of 32 padded to 64 costs
 * }</pre>
 */
public final class GpuCostModel {

    /** The published table. */
    public static final GpuCostModel BERT_BASE_INT8_A100 = new GpuCostModel(
            new int[] {1, 2, 4, 8, 16, 32, 64, 128},
            new double[] {0.54, 0.60, 0.73, 0.95, 1.34, 2.23, 4.12, 8.02},
            new double[] {1.14, 1.32, 1.66, 2.20, 4.00, 7.64, 14.74, 28.74});

    private static final int SHORT = 128;
    private static final int LONG = 384;

    private final int[] batchSizes;
    private final double[] at128;
    private final double[] at384;

    private GpuCostModel(int[] batchSizes, double[] at128, double[] at384) {
        this.batchSizes = batchSizes;
        this.at128 = at128;
        this.at384 = at384;
    }

    /** Milliseconds for {@code rows} sequences padded to {@code length} tokens. */
    public double millis(int rows, int length) {
        if (rows < 1 || length < 1) {
            throw new IllegalArgumentException("a batch has at least one row and one token, found " + rows + " x "
                    + length);
        }
        if (length <= SHORT) {
            return overBatch(at128, Math.max(1.0, rows * (double) length / SHORT));
        }
        double short128 = overBatch(at128, rows);
        double long384 = overBatch(at384, rows);
        return short128 + (long384 - short128) * (length - SHORT) / (LONG - SHORT);
    }

    /** The row's time at a (fractional) batch size: linear between the published sizes, extrapolated above. */
    private double overBatch(double[] times, double rows) {
        int last = batchSizes.length - 1;
        if (rows >= batchSizes[last]) {
            double slope = (times[last] - times[last - 1]) / (batchSizes[last] - batchSizes[last - 1]);
            return times[last] + slope * (rows - batchSizes[last]);
        }
        for (int i = 1; i <= last; i++) {
            if (rows <= batchSizes[i]) {
                double share = (rows - batchSizes[i - 1]) / (batchSizes[i] - batchSizes[i - 1]);
                return times[i - 1] + share * (times[i] - times[i - 1]);
            }
        }
        throw new IllegalStateException("unreachable: " + rows);
    }
}
