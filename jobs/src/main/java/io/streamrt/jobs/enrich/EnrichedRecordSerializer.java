package io.streamrt.jobs.enrich;

import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.OutputEncoder;
import io.streamrt.serde.OutputFields;
import io.streamrt.serde.TextRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Writes an enriched record: the input's key and headers, the input JSON plus the {@code inference} object. */
final class EnrichedRecordSerializer implements KafkaRecordSerializationSchema<InferenceResult<TextRecord>> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final OutputEncoder encoder;

    EnrichedRecordSerializer(String topic, OutputFields fields) {
        this.topic = topic;
        this.encoder = new OutputEncoder(fields);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(InferenceResult<TextRecord> result, KafkaSinkContext context,
            Long timestamp) {
        KafkaRecord source = result.getInput().getSource();
        return new ProducerRecord<>(topic, null, null, key(result),
                encoder.encode(source.getValue(), result.getOutput()), headers(source.headers()));
    }

    /**
     * The input's key; for one window of a text cut into windows ({@code --chunk-output records}), the input's key
     * (or, where it has none, its id) followed by {@code #} and the window's index, so that each window has a key of
     * its own.
     */
    static byte[] key(InferenceResult<TextRecord> result) {
        KafkaRecord source = result.getInput().getSource();
        InferenceOutput.Chunk chunk = result.getOutput().getChunk();
        if (chunk == null) {
            return source.getKey();
        }
        String base = source.getKey() != null ? new String(source.getKey(), StandardCharsets.UTF_8)
                : result.getInput().getId() != null ? result.getInput().getId() : "";
        return (base + "#" + chunk.getIndex()).getBytes(StandardCharsets.UTF_8);
    }

    static RecordHeaders headers(Iterable<Map.Entry<String, byte[]>> entries) {
        RecordHeaders headers = new RecordHeaders();
        for (Map.Entry<String, byte[]> entry : entries) {
            headers.add(entry.getKey(), entry.getValue());
        }
        return headers;
    }
}
