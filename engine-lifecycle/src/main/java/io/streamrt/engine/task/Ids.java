package io.streamrt.engine.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds an enum constant by the id flags and config files name it ({@code token-classification},
 * {@code mean-sqrt-len}), case-insensitively, or says which ids there are.
 *
 * <pre>{@code
 * Task task = Ids.byId(Task.values(), Task::id, "task", "classification");
 * }</pre>
 */
final class Ids {

    private Ids() {}

    /** @throws IllegalArgumentException naming the unknown id and the accepted ones, in declaration order */
    static <E extends Enum<E>> E byId(E[] values, Function<E, String> id, String kind, String wanted) {
        String normalized = wanted.trim().toLowerCase(Locale.ROOT);
        for (E value : values) {
            if (id.apply(value).equals(normalized)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown " + kind + " '" + wanted + "': expected one of "
                + Arrays.stream(values).map(id).collect(Collectors.joining(", ")));
    }
}
