package io.streamrt.serde;

/**
 * A valid input record: its Kafka record (bytes untouched) plus the text and id read from its JSON value.
 *
 * <pre>{@code
 * DecodeResult decoded = decoder.decode(kafkaRecord);
 * if (decoded.isValid()) {
 *     TextRecord record = decoded.record();
 *     String text = record.getText();
 * }
 * }</pre>
 */
public final class TextRecord {

    private KafkaRecord source;
    private String text;
    private String pair;
    private String id;

    /** For Flink's POJO serializer. */
    public TextRecord() {}

    public TextRecord(KafkaRecord source, String text, String id) {
        this.source = source;
        this.text = text;
        this.id = id;
    }

    public KafkaRecord getSource() {
        return source;
    }

    public void setSource(KafkaRecord source) {
        this.source = source;
    }

    /** The text to run the model on; never empty. */
    public String getText() {
        return text;
    }

    public void setText(String text) {
        this.text = text;
    }

    /** The second text of a pair ({@code --text-pair-field}), or null for a single text. */
    public String getPair() {
        return pair;
    }

    public void setPair(String pair) {
        this.pair = pair;
    }

    /** The record's id as text, or null when the input had none. */
    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    @Override
    public String toString() {
        return "TextRecord{" + (source == null ? "?" : source.coordinates()) + ", id=" + id + "}";
    }
}
