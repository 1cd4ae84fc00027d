package io.streamrt.jobs.demo;

import io.streamrt.jobs.demo.DemoTexts.DemoText;
import io.streamrt.serde.DecodeResult;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.RecordDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's input against the job's real decoder: good texts pass, every bad value fails for its stated reason. */
class DemoInputDecodingTest {

    private static final RecordDecoder DECODER = new RecordDecoder("text", "id");

    @Test
    void everyGeneratedTextDecodesWithItsIdAndText() {
        List<DemoText> texts = DemoTexts.generate(500, 11L);
        for (int i = 0; i < texts.size(); i++) {
            DemoText text = texts.get(i);
            DecodeResult result = DECODER.decode(record(i, text.id(), DemoTexts.toJson(text, "text", "id")));
            assertThat(result.isValid()).as("%s decodes", text.id()).isTrue();
            assertThat(result.record().getId()).isEqualTo(text.id());
            assertThat(result.record().getText()).isEqualTo(text.text());
        }
    }

    @Test
    void everyMalformedValueIsDeadLetteredForTheReasonItsKindStates() {
        List<MalformedValue> bad = DemoTexts.malformedValues(3, "text", "id");
        for (int i = 0; i < bad.size(); i++) {
            MalformedValue value = bad.get(i);
            DecodeResult result = DECODER.decode(record(i, value.id(), value.value()));
            assertThat(result.isValid()).as("%s is rejected", value).isFalse();
            assertThat(result.deadLetter().getReason()).as("reason for %s", value)
                    .isEqualTo(value.kind().expectedReason());
        }
    }

    private static KafkaRecord record(long offset, String key, byte[] value) {
        return KafkaRecord.of("texts", 0, offset, 1_700_000_000_000L, key.getBytes(StandardCharsets.UTF_8), value);
    }
}
