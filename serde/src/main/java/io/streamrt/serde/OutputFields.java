package io.streamrt.serde;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which fields of the {@code inference} object are written, and how its embedding is encoded. By default every
 * field the task gives, the embedding as JSON numbers.
 *
 * <pre>{@code
 * OutputFields fields = OutputFields.parse("label,score", EmbeddingEncoding.JSON);   // no embedding, no timings
 * }</pre>
 *
 * @param fields the field names to write, in {@link #NAMES}; empty for all of them
 * @param embeddingEncoding how {@code embedding} is written
 */
public record OutputFields(Set<String> fields, EmbeddingEncoding embeddingEncoding) implements Serializable {

    /** Every field an {@code inference} object can have, in the order they are written. */
    public static final List<String> NAMES = List.of("model", "engine", "embedding", "label", "score", "scores",
            "entities", "batch_size", "queue_ms", "infer_ms");

    public OutputFields {
        for (String field : fields) {
            if (!NAMES.contains(field)) {
                throw new IllegalArgumentException("unknown output field '" + field + "': expected some of "
                        + String.join(", ", NAMES));
            }
        }
        fields = Set.copyOf(fields);
        if (embeddingEncoding == null) {
            throw new IllegalArgumentException("embedding encoding must not be null");
        }
    }

    /** Every field, the embedding as JSON numbers: the format before either could be chosen. */
    public static OutputFields all() {
        return new OutputFields(Set.of(), EmbeddingEncoding.JSON);
    }

    /**
     * @param csv comma-separated field names, e.g. {@code "label,score"}; null or blank for all
     * @throws IllegalArgumentException naming an unknown or repeated field and the accepted names
     */
    public static OutputFields parse(String csv, EmbeddingEncoding encoding) {
        if (csv == null || csv.isBlank()) {
            return new OutputFields(Set.of(), encoding);
        }
        Set<String> fields = new LinkedHashSet<>();
        for (String part : csv.split(",", -1)) {
            String field = part.trim();
            if (field.isEmpty()) {
                throw new IllegalArgumentException("empty name in output fields '" + csv + "': expected some of "
                        + String.join(", ", NAMES) + ", comma-separated");
            }
            if (!fields.add(field)) {
                throw new IllegalArgumentException("output field '" + field + "' is named twice in '" + csv + "'");
            }
        }
        return new OutputFields(fields, encoding);
    }

    /** Whether {@code field} is written. */
    public boolean has(String field) {
        return fields.isEmpty() || fields.contains(field);
    }

    /** The chosen fields in the order they are written; every name when all are written. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (String name : NAMES) {
            if (has(name)) {
                names.add(name);
            }
        }
        return names;
    }
}
