package io.streamrt.engine.onnx;

/**
 * The range of values an activation tensor is quantized over, from calibration.
 *
 * <pre>{@code
 * ActivationRange range = ActivationRange.symmetric(6.5f);   // [-6.5, 6.5]
 * }</pre>
 *
 * @param min the smallest value kept (values below saturate)
 * @param max the largest value kept (values above saturate)
 */
public record ActivationRange(float min, float max) {

    public ActivationRange {
        if (!(min <= max) || !Float.isFinite(min) || !Float.isFinite(max)) {
            throw new IllegalArgumentException("expected finite min <= max, found [" + min + ", " + max + "]");
        }
    }

    /** The range {@code [-absMax, absMax]}. */
    public static ActivationRange symmetric(float absMax) {
        return new ActivationRange(-Math.abs(absMax), Math.abs(absMax));
    }

    /** The larger magnitude of the two ends: what a symmetric quantizer maps to 127. */
    public float absMax() {
        return Math.max(Math.abs(min), Math.abs(max));
    }
}
