package io.streamrt.serde;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka record as it arrived: coordinates, timestamp, key, value and headers, all bytes untouched.
 *
 * <p>A Flink POJO (public no-argument constructor, getters and setters), so Flink serializes it without Kryo.
 * Headers are kept as two parallel arrays because Kafka allows repeated header names.
 *
 * <pre>{@code
 * KafkaRecord r = KafkaRecord.of("in", 0, 42L, 1700000000000L, key, value);
 * r.addHeader("trace", traceBytes);
 * }</pre>
 */
public final class KafkaRecord {

    private String topic;
    private int partition;
    private long offset;
    private long timestamp;
    private byte[] key;
    private byte[] value;
    private String[] headerKeys = new String[0];
    private byte[][] headerValues = new byte[0][];

    /** For Flink's POJO serializer. */
    public KafkaRecord() {}

    /** A record without headers. */
    public static KafkaRecord of(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        KafkaRecord record = new KafkaRecord();
        record.topic = topic;
        record.partition = partition;
        record.offset = offset;
        record.timestamp = timestamp;
        record.key = key;
        record.value = value;
        return record;
    }

    /** Appends a header; repeated names are kept in order. */
    public void addHeader(String name, byte[] headerValue) {
        int n = headerKeys.length;
        headerKeys = Arrays.copyOf(headerKeys, n + 1);
        headerValues = Arrays.copyOf(headerValues, n + 1);
        headerKeys[n] = Objects.requireNonNull(name, "name");
        headerValues[n] = headerValue;
    }

    /** Headers in arrival order, as (name, value) pairs. */
    public List<Map.Entry<String, byte[]>> headers() {
        List<Map.Entry<String, byte[]>> headers = new ArrayList<>(headerKeys.length);
        for (int i = 0; i < headerKeys.length; i++) {
            headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(headerKeys[i], headerValues[i]));
        }
        return headers;
    }

    /** Longest key shown by {@link #describe()}, in characters. */
    private static final int KEY_SHOWN = 64;

    /**
     * Which record this is, for errors and logs: {@code topic-partition@offset} and its key, e.g.
     * {@code texts-0@42 (key "order-17")}, {@code texts-0@43 (no key)}, or the key in hex where it is not printable
     * UTF-8; long keys are cut. Never the value.
     */
    public String describe() {
        if (key == null) {
            return coordinates() + " (no key)";
        }
        String text = printableUtf8(key);
        if (text != null) {
            return coordinates() + " (key \"" + (text.length() > KEY_SHOWN ? text.substring(0, KEY_SHOWN) + "..." : text)
                    + "\")";
        }
        StringBuilder hex = new StringBuilder(coordinates()).append(" (key 0x");
        for (int i = 0; i < Math.min(key.length, KEY_SHOWN / 2); i++) {
            hex.append(Character.forDigit((key[i] >> 4) & 0xF, 16)).append(Character.forDigit(key[i] & 0xF, 16));
        }
        return hex.append(key.length > KEY_SHOWN / 2 ? "...)" : ")").toString();
    }

    /** The bytes as text if they are valid UTF-8 without control characters, else null. */
    private static String printableUtf8(byte[] bytes) {
        try {
            String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return text.chars().anyMatch(Character::isISOControl) ? null : text;
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /** Where it came from, for logs and messages: {@code topic-partition@offset}, never the payload. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    public String getTopic() {
        return topic;
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    public int getPartition() {
        return partition;
    }

    public void setPartition(int partition) {
        this.partition = partition;
    }

    public long getOffset() {
        return offset;
    }

    public void setOffset(long offset) {
        this.offset = offset;
    }

    public long getTimestamp() {
        return timestamp;
    }

    public void setTimestamp(long timestamp) {
        this.timestamp = timestamp;
    }

    public byte[] getKey() {
        return key;
    }

    public void setKey(byte[] key) {
        this.key = key;
    }

    public byte[] getValue() {
        return value;
    }

    public void setValue(byte[] value) {
        this.value = value;
    }

    public String[] getHeaderKeys() {
        return headerKeys;
    }

    public void setHeaderKeys(String[] headerKeys) {
        this.headerKeys = headerKeys;
    }

    public byte[][] getHeaderValues() {
        return headerValues;
    }

    public void setHeaderValues(byte[][] headerValues) {
        this.headerValues = headerValues;
    }

    @Override
    public String toString() {
        return "KafkaRecord{" + coordinates() + "}";
    }
}
