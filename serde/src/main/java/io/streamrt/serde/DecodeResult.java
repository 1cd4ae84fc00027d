package io.streamrt.serde;

import java.util.Objects;

/**
 * Either a valid {@link TextRecord} or a {@link DeadLetter}, never both.
 *
 * <pre>{@code
 * DecodeResult r = decoder.decode(kafkaRecord);
 * if (r.isValid()) out.collect(r.record()); else ctx.output(DEAD_LETTERS, r.deadLetter());
 * }</pre>
 */
public final class DecodeResult {

    private final TextRecord record;
    private final DeadLetter deadLetter;

    private DecodeResult(TextRecord record, DeadLetter deadLetter) {
        this.record = record;
        this.deadLetter = deadLetter;
    }

    static DecodeResult valid(TextRecord record) {
        return new DecodeResult(Objects.requireNonNull(record, "record"), null);
    }

    static DecodeResult invalid(DeadLetter deadLetter) {
        return new DecodeResult(null, Objects.requireNonNull(deadLetter, "deadLetter"));
    }

    public boolean isValid() {
        return record != null;
    }

    /** The valid record; throws if this result is a dead letter. */
    public TextRecord record() {
        if (record == null) {
            throw new IllegalStateException("not a valid record: " + deadLetter);
        }
        return record;
    }

    /** The dead letter; throws if this result is valid. */
    public DeadLetter deadLetter() {
        if (deadLetter == null) {
            throw new IllegalStateException("not a dead letter: " + record);
        }
        return deadLetter;
    }
}
