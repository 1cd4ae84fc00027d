package io.streamrt.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An enum constant with the id that flags, config files and printed reports name it by: the constant's name in lower
 * case with {@code -} for {@code _} ({@code TOKEN_CLASSIFICATION} is {@code token-classification}), so an id cannot
 * drift from its constant.
 *
 * <pre>{@code
 * enum Pooling implements HasId { CLS, MEAN_SQRT_LEN }
 * Pooling pooling = HasId.parse(Pooling.class, "mean-sqrt-len", "pooling");
 * }</pre>
 */
public interface HasId {

    /** Implemented by every enum. */
    String name();

    /** The id: {@code mean-sqrt-len} for {@code MEAN_SQRT_LEN}. */
    default String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} whose id is {@code id}, ignoring case and surrounding blanks.
     *
     * @param what the kind of thing, for the message: {@code "unknown task 'x': expected one of ..."}
     * @throws IllegalArgumentException naming the unknown id and the accepted ones, in declaration order
     */
    static <E extends Enum<E> & HasId> E parse(Class<E> type, String id, String what) {
        String normalized = id.trim().toLowerCase(Locale.ROOT);
        for (E value : type.getEnumConstants()) {
            if (value.id().equals(normalized)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + id + "': expected one of " + ids(type));
    }

    /** The ids of {@code type}'s constants, in declaration order, comma-separated: {@code cls, mean, max}. */
    static <E extends Enum<E> & HasId> String ids(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(HasId::id).collect(Collectors.joining(", "));
    }
}
