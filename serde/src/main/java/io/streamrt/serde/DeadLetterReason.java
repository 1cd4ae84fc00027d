package io.streamrt.serde;

/**
 * Why a record went to the dead-letter topic. {@link #code()} is written in the
 * {@value DeadLetter#REASON_HEADER} header and is stable: scripts match on it.
 *
 * <pre>{@code
 * if (reason == DeadLetterReason.NOT_JSON) { ... }
 * }</pre>
 */
public enum DeadLetterReason {
    /** The value is null (a tombstone) or has no bytes. */
    EMPTY_VALUE("empty-value", "decode"),
    /** The value is not valid UTF-8. */
    NOT_UTF8("not-utf8", "decode"),
    /** The value is not JSON. */
    NOT_JSON("not-json", "decode"),
    /** The value is JSON but not an object. */
    NOT_OBJECT("not-object", "decode"),
    /** The object has no text field. */
    TEXT_MISSING("text-missing", "decode"),
    /** The text field is not a string. */
    TEXT_NOT_STRING("text-not-string", "decode"),
    /** The text field is empty or only white space. */
    TEXT_EMPTY("text-empty", "decode"),
    /** The id field is present but neither a string nor a number. */
    ID_INVALID("id-invalid", "decode"),
    /** The engine failed on the batch that held this record. */
    INFERENCE_FAILED("inference-failed", "inference"),
    /** No result within the configured timeout. */
    INFERENCE_TIMEOUT("inference-timeout", "inference");

    private final String code;
    private final String stage;

    DeadLetterReason(String code, String stage) {
        this.code = code;
        this.stage = stage;
    }

    /** The stable code, e.g. {@code not-json}. */
    public String code() {
        return code;
    }

    /** Where it was found: {@code decode} or {@code inference}. */
    public String stage() {
        return stage;
    }
}
