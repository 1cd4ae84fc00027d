package io.streamrt.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the output format: the input JSON object unchanged plus one field {@value #FIELD}.
 *
 * <p>The input's bytes are kept as they were (field order, number formatting, escapes): the new field is spliced
 * in before the closing brace. Only when the input already has a field of that name is the object re-written,
 * replacing it.
 *
 * <pre>{@code
 * byte[] value = new OutputEncoder().encode(record.getSource().getValue(), inferenceOutput);
 * }</pre>
 */
public final class OutputEncoder implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The field added to each output object. */
    public static final String FIELD = "inference";

    private static final byte[] FIELD_BYTES = ("\"" + FIELD + "\"").getBytes(StandardCharsets.UTF_8);

    private transient ObjectMapper mapper;

    /**
     * @param input a UTF-8 JSON object, as {@link RecordDecoder} accepted it
     * @param output what to add
     */
    public byte[] encode(byte[] input, InferenceOutput output) {
        byte[] inference = writeInference(output);
        if (contains(input, FIELD_BYTES)) {
            return rewrite(input, inference);
        }
        int close = input.length - 1;
        while (close >= 0 && Character.isWhitespace(input[close])) {
            close--;
        }
        if (close < 1 || input[close] != '}') {
            throw new IllegalArgumentException("input is not a JSON object: it does not end with '}'");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(close + inference.length + 16);
        out.write(input, 0, close);
        out.writeBytes((",\"" + FIELD + "\":").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(inference);
        out.write('}');
        return out.toByteArray();
    }

    private byte[] rewrite(byte[] input, byte[] inference) {
        try {
            ObjectNode object = (ObjectNode) mapper().readTree(input);
            JsonNode node = mapper().readTree(inference);
            object.set(FIELD, node);
            return mapper().writeValueAsBytes(object);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot re-write an input object that the decoder accepted", e);
        }
    }

    private byte[] writeInference(InferenceOutput output) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + output.getEmbedding().length * 12);
        try (JsonGenerator json = mapper().getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("model", output.getModel());
            json.writeStringField("engine", output.getEngine());
            json.writeFieldName("embedding");
            json.writeStartArray();
            for (float v : output.getEmbedding()) {
                json.writeNumber(v);
            }
            json.writeEndArray();
            if (output.getLabel() != null) {
                json.writeStringField("label", output.getLabel());
                json.writeNumberField("score", output.getScore());
            }
            json.writeNumberField("batch_size", output.getBatchSize());
            json.writeNumberField("queue_ms", round3(output.getQueueMs()));
            json.writeNumberField("infer_ms", round3(output.getInferMs()));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static double round3(double ms) {
        return Math.round(ms * 1000.0) / 1000.0;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            // 384 floats per record: the Schubfach writer formats them several times faster than Float.toString,
            // with the same shortest round-trip digits.
            mapper = new ObjectMapper(JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build());
        }
        return mapper;
    }
}
