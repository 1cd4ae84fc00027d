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
 * Writes the output format: the input JSON object unchanged plus one field {@value #FIELD}, with the
 * {@link OutputFields} chosen (all by default) and the embedding as JSON numbers or base64.
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

    private final OutputFields fields;

    private transient ObjectMapper mapper;

    /** Writes every field the output has, the embedding as JSON numbers. */
    public OutputEncoder() {
        this(OutputFields.all());
    }

    /** Writes only the chosen fields (of those the output has), the embedding encoded as chosen. */
    public OutputEncoder(OutputFields fields) {
        this.fields = fields;
    }

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
        int last = close - 1;
        while (last >= 0 && Character.isWhitespace(input[last])) {
            last--;
        }
        boolean empty = last >= 0 && input[last] == '{';
        out.write(input, 0, close);
        out.writeBytes(((empty ? "" : ",") + "\"" + FIELD + "\":").getBytes(StandardCharsets.UTF_8));
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
        float[] embedding = fields.has("embedding") ? output.getEmbedding() : null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (embedding == null ? 64 : embedding.length * 12));
        try (JsonGenerator json = mapper().getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            if (fields.has("model")) {
                json.writeStringField("model", output.getModel());
            }
            if (fields.has("engine")) {
                json.writeStringField("engine", output.getEngine());
            }
            if (embedding != null) {
                writeEmbedding(json, embedding);
            }
            if (output.getLabel() != null) {
                if (fields.has("label")) {
                    json.writeStringField("label", output.getLabel());
                }
                if (fields.has("score")) {
                    json.writeNumberField("score", output.getScore());
                }
            }
            String[] scoreLabels = output.getScoreLabels();
            if (scoreLabels != null && scoreLabels.length > 0 && fields.has("scores")) {
                writeScores(json, scoreLabels, output.getScoreValues());
            }
            if (output.getEntities() != null && fields.has("entities")) {
                writeEntities(json, output.getEntities());
            }
            if (output.isTruncated()) {
                json.writeBooleanField("truncated", true);
            }
            if (output.getChunks() != null) {
                writeChunks(json, output.getChunks());
            }
            if (output.getChunk() != null) {
                InferenceOutput.Chunk chunk = output.getChunk();
                json.writeObjectFieldStart("chunk");
                json.writeNumberField("index", chunk.getIndex());
                json.writeNumberField("count", chunk.getCount());
                json.writeNumberField("start", chunk.getStart());
                json.writeNumberField("end", chunk.getEnd());
                json.writeEndObject();
            }
            if (fields.has("batch_size")) {
                json.writeNumberField("batch_size", output.getBatchSize());
            }
            if (fields.has("queue_ms")) {
                json.writeNumberField("queue_ms", round3(output.getQueueMs()));
            }
            if (fields.has("infer_ms")) {
                json.writeNumberField("infer_ms", round3(output.getInferMs()));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** A chunked record's windows: where each lies in the text and its own results. */
    private void writeChunks(JsonGenerator json, InferenceOutput.Chunk[] chunks) throws IOException {
        json.writeArrayFieldStart("chunks");
        for (InferenceOutput.Chunk chunk : chunks) {
            json.writeStartObject();
            json.writeNumberField("index", chunk.getIndex());
            json.writeNumberField("start", chunk.getStart());
            json.writeNumberField("end", chunk.getEnd());
            if (chunk.getEmbedding() != null && fields.has("embedding")) {
                writeEmbedding(json, chunk.getEmbedding());
            }
            if (chunk.getLabel() != null) {
                json.writeStringField("label", chunk.getLabel());
                json.writeNumberField("score", chunk.getScore());
            }
            if (chunk.getScoreLabels() != null && chunk.getScoreLabels().length > 0 && fields.has("scores")) {
                writeScores(json, chunk.getScoreLabels(), chunk.getScoreValues());
            }
            if (chunk.getEntities() != null && fields.has("entities")) {
                writeEntities(json, chunk.getEntities());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void writeScores(JsonGenerator json, String[] labels, double[] values) throws IOException {
        json.writeObjectFieldStart("scores");
        for (int i = 0; i < labels.length; i++) {
            json.writeNumberField(labels[i], values[i]);
        }
        json.writeEndObject();
    }

    private static void writeEntities(JsonGenerator json, InferenceOutput.Entity[] entities) throws IOException {
        json.writeArrayFieldStart("entities");
        for (InferenceOutput.Entity entity : entities) {
            json.writeStartObject();
            json.writeStringField("entity_group", entity.getEntityGroup());
            json.writeNumberField("score", entity.getScore());
            json.writeStringField("word", entity.getWord());
            json.writeNumberField("start", entity.getStart());
            json.writeNumberField("end", entity.getEnd());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private void writeEmbedding(JsonGenerator json, float[] embedding) throws IOException {
        if (fields.embeddingEncoding() != EmbeddingEncoding.JSON) {
            json.writeStringField("embedding", fields.embeddingEncoding().encode(embedding));
            return;
        }
        json.writeFieldName("embedding");
        json.writeStartArray();
        for (float v : embedding) {
            json.writeNumber(v);
        }
        json.writeEndArray();
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
