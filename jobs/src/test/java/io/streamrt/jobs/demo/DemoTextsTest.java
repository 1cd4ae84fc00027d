package io.streamrt.jobs.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrt.jobs.demo.DemoTexts.DemoText;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DemoTextsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?](\\s|$)");

    @Test
    void sameSeedGivesTheSameTexts() {
        assertThat(DemoTexts.generate(500, 7L)).isEqualTo(DemoTexts.generate(500, 7L));
        assertThat(DemoTexts.generate(500, 7L)).isNotEqualTo(DemoTexts.generate(500, 8L));
    }

    @Test
    void idsAreDistinct() {
        List<DemoText> texts = DemoTexts.generate(3_000, 1L);
        assertThat(texts).extracting(DemoText::id).doesNotHaveDuplicates().hasSize(3_000);
    }

    @Test
    void lengthsAreSpreadFromHeadlinesToSeveralParagraphs() {
        List<DemoText> texts = DemoTexts.generate(2_000, 42L);

        assertThat(texts).allSatisfy(text -> assertThat(DemoTexts.wordCount(text.text()))
                .as("words in %s", text.id()).isGreaterThanOrEqualTo(3));
        assertThat(share(texts, t -> words(t) <= 15)).as("short, 3-15 words").isCloseTo(0.45, within(0.03));
        assertThat(share(texts, t -> words(t) > 15 && onePara(t) && sentences(t) <= 3))
                .as("one to three sentences").isCloseTo(0.35, within(0.03));
        assertThat(share(texts, t -> onePara(t) && sentences(t) >= 4 && sentences(t) <= 8))
                .as("one paragraph of 4-8 sentences").isCloseTo(0.15, within(0.03));
        assertThat(share(texts, t -> t.text().contains("\n\n"))).as("2-4 paragraphs").isCloseTo(0.05, within(0.02));
        assertThat(texts).filteredOn(t -> t.text().contains("\n\n")).allSatisfy(text -> {
            assertThat(text.text().split("\n\n")).hasSizeBetween(2, 4);
            assertThat(words(text)).isGreaterThanOrEqualTo(DemoTexts.LONG_TEXT_MIN_WORDS);
        });
        assertThat(texts.stream().mapToInt(DemoTextsTest::words).max().orElseThrow()).isGreaterThan(150);
    }

    @Test
    void everyLengthAndTopicAppearsEvenInATinyDemo() {
        List<DemoText> four = DemoTexts.generate(4, 3L);
        assertThat(four).extracting(DemoText::topic).containsExactlyInAnyOrderElementsOf(DemoTexts.TOPICS);
        assertThat(four).anySatisfy(text -> assertThat(words(text)).isLessThanOrEqualTo(15));
        assertThat(four).anySatisfy(text -> assertThat(words(text)).isGreaterThan(150));
        assertThat(DemoTexts.generate(0, 3L)).isEmpty();
        assertThatThrownBy(() -> DemoTexts.generate(-1, 3L)).hasMessageContaining("count must be 0 or more, was -1");
    }

    @Test
    void topicsAreSportsPoliticsTechnologyAndSomeNeutral() {
        List<DemoText> texts = DemoTexts.generate(1_000, 5L);
        Map<String, Long> byTopic = texts.stream().collect(Collectors.groupingBy(DemoText::topic, Collectors.counting()));
        assertThat(DemoTexts.TOPICS).containsExactly("sports", "politics", "technology", "neutral");
        assertThat(byTopic).containsOnlyKeys(DemoTexts.TOPICS)
                .containsEntry("sports", 300L).containsEntry("politics", 300L)
                .containsEntry("technology", 300L).containsEntry("neutral", 100L);
        // Topic shows in the words, so a classifier downstream has something to find.
        assertThat(texts).filteredOn(t -> t.topic().equals("sports") && words(t) > 40)
                .anySatisfy(t -> assertThat(t.text()).containsAnyOf("match", "season", "fans", "coach", "team"));
    }

    @Test
    void toJsonWritesIdTextAndTopicUnderTheGivenNames() throws Exception {
        DemoText text = new DemoText("demo-000001", "sports", "A \"quoted\" headline\nwith a line break, café");

        JsonNode standard = JSON.readTree(DemoTexts.toJson(text, "text", "id"));
        assertThat(fieldNames(standard)).containsExactly("id", "text", "topic");
        assertThat(standard.get("id").asText()).isEqualTo("demo-000001");
        assertThat(standard.get("text").asText()).isEqualTo(text.text());
        assertThat(standard.get("topic").asText()).isEqualTo("sports");

        JsonNode renamed = JSON.readTree(DemoTexts.toJson(text, "body", "key"));
        assertThat(fieldNames(renamed)).containsExactly("key", "body", "topic");

        assertThatThrownBy(() -> DemoTexts.toJson(text, "id", "id")).hasMessageContaining("must differ");
        assertThatThrownBy(() -> DemoTexts.toJson(text, " ", "id")).hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> DemoTexts.toJson(text, "topic", "id")).hasMessageContaining("must not be \"topic\"");
    }

    @Test
    void generatedTextsAreAllGoodRecords() {
        assertThat(DemoTexts.generate(300, 9L))
                .allSatisfy(text -> assertThat(isGood(DemoTexts.toJson(text, "text", "id"), "text", "id"))
                        .as(text.id()).isTrue());
    }

    @Test
    void malformedValuesCoverEveryKindAndAreReallyMalformed() {
        for (String[] fields : new String[][] {{"text", "id"}, {"body", "key"}}) {
            String textField = fields[0];
            String idField = fields[1];
            List<MalformedValue> bad = DemoTexts.malformedValues(3, textField, idField);

            assertThat(bad).hasSize(3 * MalformedValue.Kind.values().length);
            assertThat(bad).extracting(MalformedValue::kind).containsOnly(MalformedValue.Kind.values());
            assertThat(bad).extracting(MalformedValue::id).doesNotHaveDuplicates();
            assertThat(bad).allSatisfy(value -> {
                assertThat(isGood(value.value(), textField, idField)).as("%s passes as a good record", value).isFalse();
                assertIsMalformedAsClaimed(value, textField, idField);
            });
        }
    }

    @Test
    void malformedValueKeepsItsBytesAndLeavesThemOutOfToString() {
        MalformedValue value = notUtf8(DemoTexts.malformedValues(1, "text", "id"));
        byte[] copy = value.value();
        copy[0] = 'X';
        assertThat(value.value()[0]).isEqualTo((byte) '{');
        assertThat(value.toString()).contains(value.id(), value.kind().name()).doesNotContain("caf");
        assertThat(value).isEqualTo(notUtf8(DemoTexts.malformedValues(1, "text", "id")));
        assertThatThrownBy(() -> DemoTexts.malformedValues(0, "text", "id")).hasMessageContaining("perKind must be 1");
    }

    private static void assertIsMalformedAsClaimed(MalformedValue value, String textField, String idField) {
        byte[] bytes = value.value();
        if (value.kind() == MalformedValue.Kind.EMPTY_VALUE) {
            assertThat(bytes).isEmpty();
            return;
        }
        if (value.kind() == MalformedValue.Kind.NOT_UTF8) {
            assertThat(Utf8.isValid(bytes)).as("%s decodes as strict UTF-8", value).isFalse();
            return;
        }
        assertThat(Utf8.isValid(bytes)).as("%s is UTF-8", value).isTrue();
        if (value.kind() == MalformedValue.Kind.NOT_JSON) {
            assertThatThrownBy(() -> JSON.readTree(bytes)).as("%s parses as JSON", value)
                    .isInstanceOf(JsonProcessingException.class);
            return;
        }
        JsonNode node = parse(bytes);
        switch (value.kind()) {
            case JSON_ARRAY -> assertThat(node.isArray()).isTrue();
            case JSON_NUMBER -> assertThat(node.isNumber()).isTrue();
            case JSON_STRING -> assertThat(node.isTextual()).isTrue();
            case JSON_NULL -> assertThat(node.isNull()).isTrue();
            case ID_INVALID -> {
                assertThat(node.get(textField).isTextual()).isTrue();
                assertThat(node.get(idField).isContainerNode() || node.get(idField).isBoolean()).isTrue();
            }
            default -> {
                assertThat(node.isObject()).as("%s is an object", value).isTrue();
                assertThat(node.path(idField).asText()).isEqualTo(value.id());
                JsonNode text = node.get(textField);
                switch (value.kind()) {
                    case TEXT_MISSING -> assertThat(text).isNull();
                    case TEXT_NUMBER -> assertThat(text.isNumber()).isTrue();
                    case TEXT_OBJECT -> assertThat(text.isObject()).isTrue();
                    case TEXT_ARRAY -> assertThat(text.isArray()).isTrue();
                    case TEXT_NULL -> assertThat(text.isNull()).isTrue();
                    case TEXT_EMPTY -> assertThat(text.isTextual() && text.asText().isEmpty()).isTrue();
                    case TEXT_BLANK -> assertThat(text.isTextual() && !text.asText().isEmpty()
                            && text.asText().isBlank()).isTrue();
                    default -> throw new AssertionError("no check for kind " + value.kind());
                }
            }
        }
    }

    /**
     * What the enrichment job accepts, written out independently of its decoder: strict UTF-8, a JSON object,
     * a non-blank string in the text field, an id that is absent, a string or a number.
     */
    private static boolean isGood(byte[] value, String textField, String idField) {
        if (value.length == 0 || !Utf8.isValid(value)) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(value);
            if (node == null || !node.isObject()) {
                return false;
            }
            JsonNode text = node.get(textField);
            JsonNode id = node.get(idField);
            return text != null && text.isTextual() && !text.asText().isBlank()
                    && (id == null || id.isNull() || id.isTextual() || id.isNumber());
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new AssertionError("expected valid JSON", e);
        }
    }

    private static final class Utf8 {
        static boolean isValid(byte[] bytes) {
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes));
                return true;
            } catch (CharacterCodingException e) {
                return false;
            }
        }
    }

    private static MalformedValue notUtf8(List<MalformedValue> values) {
        return values.stream().filter(v -> v.kind() == MalformedValue.Kind.NOT_UTF8).findFirst().orElseThrow();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static double share(List<DemoText> texts, Predicate<DemoText> test) {
        return texts.stream().filter(test).count() / (double) texts.size();
    }

    private static int words(DemoText text) {
        return DemoTexts.wordCount(text.text());
    }

    private static boolean onePara(DemoText text) {
        return !text.text().contains("\n\n");
    }

    private static int sentences(DemoText text) {
        return (int) SENTENCE_END.matcher(text.text()).results().count();
    }
}
