package io.streamrt.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The JSON files of the bench's extra measurements (encodings, latency-bounded, stages): each starts with when,
 * where and on what model it ran, and is written indented.
 *
 * <pre>{@code
 * ObjectNode root = BenchJson.root(date, machine, model);
 * root.put("records", 2000);
 * BenchJson.write(file, root);
 * }</pre>
 */
final class BenchJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchJson() {}

    /** A new document with {@code date}, {@code machine} and {@code model}, in that order. */
    static ObjectNode root(String date, String machine, String model) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("date", date);
        root.put("machine", machine);
        root.put("model", model);
        return root;
    }

    static void write(Path file, ObjectNode root) throws IOException {
        MAPPER.writeValue(file.toFile(), root);
    }
}
