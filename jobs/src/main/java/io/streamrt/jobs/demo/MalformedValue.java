package io.streamrt.jobs.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.RecordDecoder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static io.streamrt.jobs.demo.DemoTexts.MAPPER;

/**
 * A Kafka value the enrichment job cannot embed, with the reason it is bad. Made by
 * {@link DemoTexts#malformedValues}; the demo mixes them into its input to show the dead-letter route
 * and its counter.
 *
 * <pre>{@code
 * MalformedValue bad = DemoTexts.malformedValues(1, "text", "id").get(0);
 * assert bad.kind() == MalformedValue.Kind.NOT_UTF8;
 * }</pre>
 *
 * <p>{@link #value()} returns a copy; {@link #toString()} leaves the payload out, as logs should.
 *
 * @param id    the Kafka record key to send it with, e.g. {@code bad-text-number-0}; also the value's id
 *              field wherever the value is a JSON object with a valid id
 * @param kind  what is wrong with it
 * @param value the raw Kafka value bytes
 */
public record MalformedValue(String id, Kind kind, byte[] value) {

    /**
     * What is wrong with a value, from the outermost layer (bytes) inwards (the text field), and the
     * dead-letter reason {@link RecordDecoder} gives it.
     */
    public enum Kind {
        /** No bytes at all. */
        EMPTY_VALUE(DeadLetterReason.EMPTY_VALUE),
        /** Bytes that are not valid UTF-8, inside an otherwise well-formed JSON object. */
        NOT_UTF8(DeadLetterReason.NOT_UTF8),
        /** UTF-8, but not JSON: plain text, an unterminated string, single quotes, a trailing comma, XML. */
        NOT_JSON(DeadLetterReason.NOT_JSON),
        /** A JSON array, even one holding a good object. */
        JSON_ARRAY(DeadLetterReason.NOT_OBJECT),
        /** A bare JSON number. */
        JSON_NUMBER(DeadLetterReason.NOT_OBJECT),
        /** A bare JSON string. */
        JSON_STRING(DeadLetterReason.NOT_OBJECT),
        /** The JSON literal {@code null}. */
        JSON_NULL(DeadLetterReason.NOT_OBJECT),
        /** An object without the text field: only the id, or the name in another case, or with an extra 's'. */
        TEXT_MISSING(DeadLetterReason.TEXT_MISSING),
        /** The text field holds a number. */
        TEXT_NUMBER(DeadLetterReason.TEXT_NOT_STRING),
        /** The text field holds an object. */
        TEXT_OBJECT(DeadLetterReason.TEXT_NOT_STRING),
        /** The text field holds an array of strings. */
        TEXT_ARRAY(DeadLetterReason.TEXT_NOT_STRING),
        /** The text field is JSON {@code null}. */
        TEXT_NULL(DeadLetterReason.TEXT_NOT_STRING),
        /** The text field is the empty string. */
        TEXT_EMPTY(DeadLetterReason.TEXT_EMPTY),
        /** The text field holds only whitespace. */
        TEXT_BLANK(DeadLetterReason.TEXT_EMPTY),
        /** A good text, but the id field is an object or a boolean (the only kind whose id field is not {@link #id()}). */
        ID_INVALID(DeadLetterReason.ID_INVALID);

        private final DeadLetterReason expectedReason;

        Kind(DeadLetterReason expectedReason) {
            this.expectedReason = expectedReason;
        }

        /** The reason the enrichment job's decoder must give, so the demo can check its dead-letter counts. */
        public DeadLetterReason expectedReason() {
            return expectedReason;
        }
    }

    /** Invalid UTF-8: a lead byte without its continuation, 0xFF, a truncated sequence, an overlong '/', a surrogate. */
    private static final byte[][] BAD_UTF8 = {
            {(byte) 0xC3, (byte) 0x28},
            {(byte) 0xFF},
            {(byte) 0xE2, (byte) 0x82},
            {(byte) 0xC0, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
    };

    public MalformedValue {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        value = Objects.requireNonNull(value, "value").clone();
    }

    /** A copy of the bytes, so a caller cannot change this value for the next one. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MalformedValue that
                && id.equals(that.id) && kind == that.kind && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * id.hashCode() + kind.hashCode()) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "MalformedValue[id=" + id + ", kind=" + kind + ", " + value.length + " bytes]";
    }

    static List<MalformedValue> generate(int perKind, String textField, String idField) {
        if (perKind < 1) {
            throw new IllegalArgumentException("perKind must be 1 or more, was " + perKind);
        }
        DemoTexts.checkFieldNames(textField, idField);
        List<MalformedValue> out = new ArrayList<>(perKind * Kind.values().length);
        for (Kind kind : Kind.values()) {
            for (int i = 0; i < perKind; i++) {
                String id = "bad-" + kind.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-" + i;
                out.add(new MalformedValue(id, kind, bytes(kind, i, id, textField, idField)));
            }
        }
        return List.copyOf(out);
    }

    private static byte[] bytes(Kind kind, int i, String id, String textField, String idField) {
        return switch (kind) {
            case EMPTY_VALUE -> new byte[0];
            case NOT_UTF8 -> notUtf8(i, id, textField, idField);
            case NOT_JSON -> utf8(pick(i,
                    "this is plain text, not JSON",
                    "{" + quote(idField) + ": " + quote(id) + ", " + quote(textField) + ": \"unterminated string",
                    "{" + idField + ": '" + id + "', " + textField + ": 'single quotes and bare names'}",
                    "{" + quote(idField) + ": " + quote(id) + ", " + quote(textField) + ": \"trailing comma\",}",
                    "<message><text>XML is not JSON</text></message>"));
            case JSON_ARRAY -> utf8(pick(i,
                    "[" + object(id, idField).put(textField, "a good object, wrapped in an array") + "]",
                    "[\"just\", \"some\", \"words\"]"));
            case JSON_NUMBER -> utf8(pick(i, "42", "-3.5e2"));
            case JSON_STRING -> utf8(pick(i, "\"a bare JSON string, not an object\"", "\"\""));
            case JSON_NULL -> utf8("null");
            case TEXT_MISSING -> utf8(pick(i,
                    object(id, idField).toString(),
                    object(id, idField).put(notThe(otherCase(textField), idField), "the name in another case").toString(),
                    object(id, idField).put(notThe(textField + "s", idField), "a near miss of the name").toString()));
            case TEXT_NUMBER -> utf8(pick(i,
                    object(id, idField).put(textField, 42).toString(),
                    object(id, idField).put(textField, 3.14).toString()));
            case TEXT_OBJECT -> {
                ObjectNode node = object(id, idField);
                node.putObject(textField).put("en", "hello").put("fr", "bonjour");
                yield utf8(node.toString());
            }
            case TEXT_ARRAY -> {
                ObjectNode node = object(id, idField);
                node.putArray(textField).add("one sentence.").add("another sentence.");
                yield utf8(node.toString());
            }
            case TEXT_NULL -> utf8(object(id, idField).putNull(textField).toString());
            case TEXT_EMPTY -> utf8(object(id, idField).put(textField, "").toString());
            case TEXT_BLANK -> utf8(object(id, idField).put(textField, pick(i, "   ", "\t \n", "\r\n")).toString());
            case ID_INVALID -> {
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                if (i % 2 == 0) {
                    node.putObject(idField).put("value", id);
                } else {
                    node.put(idField, true);
                }
                yield utf8(node.put(textField, "A perfectly good text with a broken id.").toString());
            }
        };
    }

    private static byte[] notUtf8(int i, String id, String textField, String idField) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8("{" + quote(idField) + ":" + quote(id) + "," + quote(textField) + ":\"caf"));
        out.writeBytes(BAD_UTF8[i % BAD_UTF8.length]);
        out.writeBytes(utf8(" au lait\"}"));
        return out.toByteArray();
    }

    private static ObjectNode object(String id, String idField) {
        return JsonNodeFactory.instance.objectNode().put(idField, id);
    }

    private static String otherCase(String field) {
        String upper = field.toUpperCase(Locale.ROOT);
        return upper.equals(field) ? field.toLowerCase(Locale.ROOT) + "_" : upper;
    }

    /** Keeps a made-up field name from overwriting the id field. */
    private static String notThe(String name, String idField) {
        return name.equals(idField) ? name + "_" : name;
    }

    private static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not quote a field name as JSON", e);
        }
    }

    private static String pick(int i, String... variants) {
        return variants[i % variants.length];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
