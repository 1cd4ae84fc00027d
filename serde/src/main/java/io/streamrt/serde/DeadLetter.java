package io.streamrt.serde;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A record that could not be enriched, with the reason. Written to the dead-letter topic as the original value
 * bytes, unchanged, with the original key and headers, plus headers in the Kafka Connect convention that say why
 * and where it came from:
 *
 * <ul>
 *   <li>{@code __connect.errors.topic}, {@code __connect.errors.partition}, {@code __connect.errors.offset}: the
 *       source coordinates, as decimal text;</li>
 *   <li>{@code __connect.errors.stage}: {@code decode} or {@code inference};</li>
 *   <li>{@code __connect.errors.exception.message}: a readable message (never the payload);</li>
 *   <li>{@value #REASON_HEADER}: the stable {@link DeadLetterReason#code()}.</li>
 * </ul>
 *
 * <pre>{@code
 * DeadLetter dl = DeadLetter.of(record, DeadLetterReason.NOT_JSON, "value is not JSON: ...");
 * for (Map.Entry<String, byte[]> h : dl.headers()) producerRecord.headers().add(h.getKey(), h.getValue());
 * }</pre>
 */
public final class DeadLetter {

    public static final String TOPIC_HEADER = "__connect.errors.topic";
    public static final String PARTITION_HEADER = "__connect.errors.partition";
    public static final String OFFSET_HEADER = "__connect.errors.offset";
    public static final String STAGE_HEADER = "__connect.errors.stage";
    public static final String MESSAGE_HEADER = "__connect.errors.exception.message";
    public static final String REASON_HEADER = "__streamrt.errors.reason";

    private KafkaRecord source;
    private DeadLetterReason reason;
    private String message;

    /** For Flink's POJO serializer. */
    public DeadLetter() {}

    public static DeadLetter of(KafkaRecord source, DeadLetterReason reason, String message) {
        DeadLetter deadLetter = new DeadLetter();
        deadLetter.source = source;
        deadLetter.reason = reason;
        deadLetter.message = message;
        return deadLetter;
    }

    /** The input's headers followed by the error headers listed above. */
    public List<Map.Entry<String, byte[]>> headers() {
        List<Map.Entry<String, byte[]>> headers = new ArrayList<>(source.headers());
        add(headers, TOPIC_HEADER, source.getTopic());
        add(headers, PARTITION_HEADER, Integer.toString(source.getPartition()));
        add(headers, OFFSET_HEADER, Long.toString(source.getOffset()));
        add(headers, STAGE_HEADER, reason.stage());
        add(headers, MESSAGE_HEADER, message);
        add(headers, REASON_HEADER, reason.code());
        return headers;
    }

    private static void add(List<Map.Entry<String, byte[]>> headers, String name, String value) {
        byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(name, bytes));
    }

    public KafkaRecord getSource() {
        return source;
    }

    public void setSource(KafkaRecord source) {
        this.source = source;
    }

    public DeadLetterReason getReason() {
        return reason;
    }

    public void setReason(DeadLetterReason reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + (source == null ? "?" : source.coordinates()) + ", " + reason + ": " + message + "}";
    }
}
