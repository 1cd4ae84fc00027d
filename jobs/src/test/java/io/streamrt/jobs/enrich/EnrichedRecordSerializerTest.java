package io.streamrt.jobs.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.operators.InferenceResult;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.TextRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnrichedRecordSerializerTest {

    private static InferenceResult<TextRecord> result(String key, String id, Integer window) {
        KafkaRecord source = KafkaRecord.of("in", 0, 7L, 1L, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                "{\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8));
        InferenceOutput output = new InferenceOutput("m", "onnxruntime", new float[] {1f}, null, 0f, 1, 0, 0);
        if (window != null) {
            InferenceOutput.Chunk chunk = new InferenceOutput.Chunk(window, 0, 10, null, null, 0f);
            chunk.setCount(3);
            output.setChunk(chunk);
        }
        return InferenceResult.success(new TextRecord(source, "t", id), output);
    }

    private static String key(InferenceResult<TextRecord> result) {
        byte[] key = EnrichedRecordSerializer.key(result);
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    @Test
    void aRecordKeepsItsKey() {
        assertThat(key(result("doc-7", "7", null))).isEqualTo("doc-7");
        assertThat(key(result(null, "7", null))).isNull();
    }

    @Test
    void eachWindowIsKeyedByItsRecordsKeyOrIdAndItsIndex() {
        assertThat(key(result("doc-7", "7", 2))).isEqualTo("doc-7#2");
        assertThat(key(result(null, "7", 0))).isEqualTo("7#0");
    }
}
