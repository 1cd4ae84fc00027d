package io.streamrt.serde;

import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How {@code inference.embedding} is written: a JSON array of numbers, or a base64 string of the vector's
 * little-endian IEEE floats, 32 or 16 bits each (NumPy: {@code np.frombuffer(base64.b64decode(s), "<f4")} or
 * {@code "<f2"}).
 *
 * <pre>{@code
 * EmbeddingEncoding.parse("base64-f16").encode(embedding);   // "AAA8..." : 2 bytes a float before base64
 * }</pre>
 */
public enum EmbeddingEncoding {
    /** A JSON array of numbers, each the shortest decimal that reads back as the same float (~12 bytes a float). */
    JSON("json"),
    /** Base64 of the float32 values, little-endian: exact, 5.33 bytes a float. */
    BASE64_F32("base64-f32"),
    /** Base64 of the values rounded to float16 (round half to even), little-endian: 2.67 bytes a float. */
    BASE64_F16("base64-f16");

    private final String id;

    EmbeddingEncoding(String id) {
        this.id = id;
    }

    /** The name used in flags and options. */
    public String id() {
        return id;
    }

    /** The encoding named {@code id}; the message lists the accepted names. */
    public static EmbeddingEncoding parse(String id) {
        for (EmbeddingEncoding e : values()) {
            if (e.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown embedding encoding '" + id + "': expected one of " + ids());
    }

    /** The accepted names, comma-separated. */
    public static String ids() {
        return Arrays.stream(values()).map(EmbeddingEncoding::id).collect(Collectors.joining(", "));
    }

    /** The base64 text of {@code vector}; not for {@link #JSON}, which the JSON writer writes as numbers. */
    public String encode(float[] vector) {
        byte[] bytes;
        switch (this) {
            case BASE64_F32 -> {
                bytes = new byte[vector.length * 4];
                for (int i = 0; i < vector.length; i++) {
                    int bits = Float.floatToRawIntBits(vector[i]);
                    bytes[4 * i] = (byte) bits;
                    bytes[4 * i + 1] = (byte) (bits >>> 8);
                    bytes[4 * i + 2] = (byte) (bits >>> 16);
                    bytes[4 * i + 3] = (byte) (bits >>> 24);
                }
            }
            case BASE64_F16 -> {
                bytes = new byte[vector.length * 2];
                for (int i = 0; i < vector.length; i++) {
                    short half = toHalf(vector[i]);
                    bytes[2 * i] = (byte) half;
                    bytes[2 * i + 1] = (byte) (half >>> 8);
                }
            }
            default -> throw new IllegalStateException("JSON embeddings are written as numbers, not encoded");
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The IEEE 754 binary16 value nearest to {@code value}, ties to even (what NumPy's {@code astype(float16)}
     * gives): overflow goes to infinity, tiny values to subnormals or zero, NaN stays NaN.
     */
    static short toHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7f_ffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa == 0 ? 0 : 0x200 | (mantissa >>> 13)));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign;
            }
            // A subnormal half: the significand with its implicit 1, shifted to units of 2^-24.
            int significand = mantissa | 0x80_0000;
            int shift = 14 - halfExponent;
            return (short) (sign | roundShift(significand, shift));
        }
        // Rounding may carry into the exponent, which is right (up to infinity).
        return (short) (sign | ((halfExponent << 10) + roundShift(mantissa, 13)));
    }

    /** {@code value >> shift}, rounded to nearest, ties to even. */
    private static int roundShift(int value, int shift) {
        int result = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (result & 1) != 0)) {
            result++;
        }
        return result;
    }
}
