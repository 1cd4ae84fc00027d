package io.streamrt.serde;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads the input format: a UTF-8 JSON object with a text field and an optional id field. Every record comes out
 * as either a {@link TextRecord} or a {@link DeadLetter} with its reason; nothing is dropped and nothing throws.
 * Messages carry positions and field names, never the payload.
 *
 * <pre>{@code
 * RecordDecoder decoder = new RecordDecoder("text", "id");
 * DecodeResult r = decoder.decode(kafkaRecord);
 * }</pre>
 */
public final class RecordDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String textField;
    private final String idField;
    private final String pairField;
    private transient ObjectMapper mapper;

    public RecordDecoder(String textField, String idField) {
        this(textField, idField, null);
    }

    /**
     * @param pairField the field holding the second text of a pair (cross-encoders); null for single texts
     */
    public RecordDecoder(String textField, String idField, String pairField) {
        this.textField = requireName(textField, "textField");
        this.idField = requireName(idField, "idField");
        this.pairField = pairField == null ? null : requireName(pairField, "pairField");
    }

    private static String requireName(String name, String what) {
        Objects.requireNonNull(name, what);
        if (name.isBlank()) {
            throw new IllegalArgumentException(what + " must name a JSON field, found a blank name");
        }
        return name;
    }

    public String textField() {
        return textField;
    }

    public String idField() {
        return idField;
    }

    /** Decodes and validates one record. */
    public DecodeResult decode(KafkaRecord record) {
        byte[] value = record.getValue();
        if (value == null || value.length == 0) {
            return dead(record, DeadLetterReason.EMPTY_VALUE, "value is " + (value == null ? "null" : "empty")
                    + ": expected a JSON object with a string field '" + textField + "'");
        }
        String json;
        try {
            json = strictUtf8().decode(ByteBuffer.wrap(value)).toString();
        } catch (MalformedInputException e) {
            return dead(record, DeadLetterReason.NOT_UTF8, "value is not valid UTF-8 (" + e.getInputLength()
                    + " malformed byte(s) in " + value.length + " bytes): producers must send UTF-8 JSON");
        } catch (CharacterCodingException e) {
            return dead(record, DeadLetterReason.NOT_UTF8, "value is not valid UTF-8: " + e.getClass().getSimpleName());
        }
        JsonNode root;
        try {
            root = mapper().readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return dead(record, DeadLetterReason.NOT_JSON, "value is not JSON: parse error" + where
                    + "; expected a JSON object with a string field '" + textField + "'");
        }
        if (root == null || !root.isObject()) {
            String found = root == null ? "nothing" : root.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            return dead(record, DeadLetterReason.NOT_OBJECT, "value is JSON " + found
                    + ", expected a JSON object with a string field '" + textField + "'");
        }
        JsonNode text = root.get(textField);
        DecodeResult bad = checkText(record, text, textField, "--text-field");
        if (bad != null) {
            return bad;
        }
        JsonNode pair = pairField == null ? null : root.get(pairField);
        if (pairField != null) {
            bad = checkText(record, pair, pairField, "--text-pair-field");
            if (bad != null) {
                return bad;
            }
        }
        JsonNode id = root.get(idField);
        String idText = null;
        if (id != null && !id.isNull()) {
            if (!id.isTextual() && !id.isNumber()) {
                return dead(record, DeadLetterReason.ID_INVALID, "field '" + idField + "' is "
                        + id.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                        + ", expected a string or a number");
            }
            idText = id.asText();
        }
        TextRecord decoded = new TextRecord(record, text.textValue(), idText);
        if (pair != null) {
            decoded.setPair(pair.textValue());
        }
        return DecodeResult.valid(decoded);
    }

    /** A dead letter if {@code node}, the value of {@code field}, is not a non-blank string; null if it is. */
    private static DecodeResult checkText(KafkaRecord record, JsonNode node, String field, String flag) {
        if (node == null) {
            return dead(record, DeadLetterReason.TEXT_MISSING, "object has no field '" + field + "'; set " + flag
                    + " to the field that holds the text");
        }
        if (!node.isTextual()) {
            return dead(record, DeadLetterReason.TEXT_NOT_STRING, "field '" + field + "' is "
                    + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", expected a string");
        }
        if (node.textValue().isBlank()) {
            return dead(record, DeadLetterReason.TEXT_EMPTY, "field '" + field
                    + "' is empty or only white space: there is nothing to run the model on");
        }
        return null;
    }

    private static DecodeResult dead(KafkaRecord record, DeadLetterReason reason, String message) {
        return DecodeResult.invalid(DeadLetter.of(record, reason, message));
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        }
        return mapper;
    }
}
