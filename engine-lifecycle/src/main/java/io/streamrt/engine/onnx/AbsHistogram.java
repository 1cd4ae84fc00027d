package io.streamrt.engine.onnx;

/**
 * A histogram of |x| over a range that grows with the data: when a value lands past the last bin, neighbouring
 * bins merge in pairs and the bin width doubles, so one pass over the calibration data suffices and counts stay
 * exact at the current resolution.
 */
final class AbsHistogram {

    private final long[] counts;
    private double width;
    private long total;
    private float max;

    AbsHistogram(int bins) {
        this.counts = new long[bins];
    }

    /** Adds the magnitudes of {@code values[from, to)}. */
    void add(float[] values, int from, int to) {
        float batchMax = 0;
        for (int i = from; i < to; i++) {
            float magnitude = Math.abs(values[i]);
            if (!Float.isFinite(magnitude)) {
                // Checked per value: NaN compares false with everything and would slip past a running maximum.
                throw new OnnxModelException("calibration saw a non-finite activation (" + values[i]
                        + "); the model produces NaN or infinity on the calibration texts, so no range can be taken");
            }
            if (magnitude > batchMax) {
                batchMax = magnitude;
            }
        }
        grow(batchMax);
        max = Math.max(max, batchMax);
        int last = counts.length - 1;
        for (int i = from; i < to; i++) {
            counts[Math.min(last, (int) (Math.abs(values[i]) / width))]++;
        }
        total += to - from;
    }

    private void grow(float batchMax) {
        if (width == 0) {
            // Room for twice the first maximum before the first merge.
            width = Math.max(batchMax, 1e-6f) * 2.0 / counts.length;
            return;
        }
        while (batchMax >= width * counts.length) {
            int half = counts.length / 2;
            for (int i = 0; i < half; i++) {
                counts[i] = counts[2 * i] + counts[2 * i + 1];
            }
            java.util.Arrays.fill(counts, half, counts.length, 0);
            width *= 2;
        }
    }

    long total() {
        return total;
    }

    float max() {
        return max;
    }

    /** The smallest bin edge at or below which {@code percent}% of the values lie, at most the maximum seen. */
    float percentile(double percent) {
        double target = total * percent / 100.0;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i];
            if (cumulative >= target) {
                return (float) Math.min(max, (i + 1) * width);
            }
        }
        return max;
    }
}
