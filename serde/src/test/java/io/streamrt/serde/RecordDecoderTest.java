package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordDecoderTest {

    private final RecordDecoder decoder = new RecordDecoder("text", "id");

    private static KafkaRecord record(byte[] value) {
        KafkaRecord record = KafkaRecord.of("in", 1, 42L, 1_700_000_000_000L, "k".getBytes(StandardCharsets.UTF_8), value);
        record.addHeader("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("null value", null, DeadLetterReason.EMPTY_VALUE, "value is null"),
                Arguments.of("empty value", new byte[0], DeadLetterReason.EMPTY_VALUE, "value is empty"),
                Arguments.of("not UTF-8", new byte[] {'{', '"', 't', (byte) 0xC3, (byte) 0x28, '"', '}'},
                        DeadLetterReason.NOT_UTF8, "not valid UTF-8"),
                Arguments.of("not JSON", utf8("hello there"), DeadLetterReason.NOT_JSON, "not JSON: parse error at line 1"),
                Arguments.of("truncated JSON", utf8("{\"text\": \"abc\""), DeadLetterReason.NOT_JSON, "not JSON"),
                Arguments.of("trailing garbage", utf8("{\"text\": \"abc\"} x"), DeadLetterReason.NOT_JSON, "not JSON"),
                Arguments.of("array", utf8("[{\"text\": \"abc\"}]"), DeadLetterReason.NOT_OBJECT, "value is JSON array"),
                Arguments.of("number", utf8("42"), DeadLetterReason.NOT_OBJECT, "value is JSON number"),
                Arguments.of("string", utf8("\"text\""), DeadLetterReason.NOT_OBJECT, "value is JSON string"),
                Arguments.of("text missing", utf8("{\"body\": \"abc\"}"), DeadLetterReason.TEXT_MISSING,
                        "object has no field 'text'; set --text-field"),
                Arguments.of("text number", utf8("{\"text\": 12}"), DeadLetterReason.TEXT_NOT_STRING,
                        "field 'text' is number, expected a string"),
                Arguments.of("text null", utf8("{\"text\": null}"), DeadLetterReason.TEXT_NOT_STRING,
                        "field 'text' is null, expected a string"),
                Arguments.of("text object", utf8("{\"text\": {\"a\": 1}}"), DeadLetterReason.TEXT_NOT_STRING,
                        "field 'text' is object"),
                Arguments.of("text empty", utf8("{\"text\": \"\"}"), DeadLetterReason.TEXT_EMPTY, "empty or only white space"),
                Arguments.of("text blank", utf8("{\"text\": \" \\n\\t \"}"), DeadLetterReason.TEXT_EMPTY, "empty"),
                Arguments.of("id object", utf8("{\"text\": \"abc\", \"id\": {\"x\": 1}}"), DeadLetterReason.ID_INVALID,
                        "field 'id' is object, expected a string or a number"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputBecomesADeadLetterWithItsReasonAndTheOriginalBytes(
            String name, byte[] value, DeadLetterReason reason, String message) {
        KafkaRecord input = record(value);

        DecodeResult result = decoder.decode(input);

        assertThat(result.isValid()).isFalse();
        DeadLetter deadLetter = result.deadLetter();
        assertThat(deadLetter.getReason()).isEqualTo(reason);
        assertThat(deadLetter.getMessage()).contains(message);
        assertThat(deadLetter.getSource().getValue()).isEqualTo(value);
        assertThat(deadLetter.getSource().getKey()).isEqualTo(utf8("k"));
    }

    @Test
    void messagesNeverCarryThePayload() {
        String secret = "card-4111111111111111";
        for (String bad : new String[] {secret, "{\"text\": 5, \"p\": \"" + secret + "\"}", "[\"" + secret + "\"]"}) {
            assertThat(decoder.decode(record(utf8(bad))).deadLetter().getMessage()).doesNotContain(secret);
        }
    }

    @Test
    void deadLetterHeadersFollowTheKafkaConnectConventionAndKeepInputHeaders() {
        DeadLetter deadLetter = decoder.decode(record(utf8("nope"))).deadLetter();

        Map<String, String> headers = new java.util.LinkedHashMap<>();
        deadLetter.headers().forEach(h -> headers.put(h.getKey(), new String(h.getValue(), StandardCharsets.UTF_8)));

        assertThat(headers).containsEntry("trace", "t-1")
                .containsEntry(DeadLetter.TOPIC_HEADER, "in")
                .containsEntry(DeadLetter.PARTITION_HEADER, "1")
                .containsEntry(DeadLetter.OFFSET_HEADER, "42")
                .containsEntry(DeadLetter.STAGE_HEADER, "decode")
                .containsEntry(DeadLetter.REASON_HEADER, "not-json");
        assertThat(headers.get(DeadLetter.MESSAGE_HEADER)).startsWith("value is not JSON");
    }

    @Test
    void validRecordCarriesTextIdAndSource() {
        KafkaRecord input = record(utf8("{\"id\": 7, \"text\": \"Goal in the last minute\", \"lang\": \"en\"}"));

        DecodeResult result = decoder.decode(input);

        assertThat(result.isValid()).isTrue();
        assertThat(result.record().getText()).isEqualTo("Goal in the last minute");
        assertThat(result.record().getId()).isEqualTo("7");
        assertThat(result.record().getSource()).isSameAs(input);
    }

    @Test
    void customFieldNamesAreHonoured() {
        RecordDecoder custom = new RecordDecoder("body", "key");
        DecodeResult result = custom.decode(record(utf8("{\"key\": \"a-1\", \"body\": \"hello\"}")));
        assertThat(result.record().getId()).isEqualTo("a-1");
        assertThat(result.record().getText()).isEqualTo("hello");
        assertThat(custom.decode(record(utf8("{\"text\": \"hello\"}"))).deadLetter().getMessage())
                .contains("no field 'body'");
    }

    @Test
    void missingIdIsAllowed() {
        assertThat(decoder.decode(record(utf8("{\"text\": \"hello\"}"))).record().getId()).isNull();
    }
}
