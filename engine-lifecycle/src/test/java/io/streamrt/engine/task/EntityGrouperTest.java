package io.streamrt.engine.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grouping as Hugging Face's token-classification pipeline does it, on hand-made scores. */
class EntityGrouperTest {

    private static final List<String> LABELS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
    private static final String TEXT = "My name is Wolfgang and I live in New Yorkshire";

    /** A token with probability {@code p} on {@code label} and the rest spread over the others. */
    private static EntityGrouper.Token token(String token, int start, int end, String label, double p) {
        double[] scores = new double[LABELS.size()];
        java.util.Arrays.fill(scores, (1 - p) / (LABELS.size() - 1));
        scores[LABELS.indexOf(label)] = p;
        return new EntityGrouper.Token(token, start, end, scores);
    }

    private static List<EntityGrouper.Token> tokens() {
        List<EntityGrouper.Token> tokens = new ArrayList<>();
        tokens.add(token("my", 0, 2, "O", 0.99));
        tokens.add(token("name", 3, 7, "O", 0.99));
        tokens.add(token("is", 8, 10, "O", 0.99));
        tokens.add(token("wolf", 11, 15, "B-PER", 0.9));
        tokens.add(token("##gang", 15, 19, "I-PER", 0.8));
        tokens.add(token("and", 20, 23, "O", 0.99));
        tokens.add(token("i", 24, 25, "O", 0.99));
        tokens.add(token("live", 26, 30, "O", 0.99));
        tokens.add(token("in", 31, 33, "O", 0.99));
        tokens.add(token("new", 34, 37, "B-LOC", 0.7));
        tokens.add(token("york", 38, 42, "I-LOC", 0.6));
        tokens.add(token("##shire", 42, 47, "B-PER", 0.5));
        return tokens;
    }

    @Test
    void simpleGroupsConsecutiveTagsOfOneTypeAndABTagStartsANewEntity() {
        List<EntityGrouper.Entity> entities = new EntityGrouper(LABELS, true).group(TEXT, tokens(), Aggregation.SIMPLE);
        assertThat(entities).extracting(EntityGrouper.Entity::entityGroup, EntityGrouper.Entity::word,
                EntityGrouper.Entity::start, EntityGrouper.Entity::end).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("PER", "wolfgang", 11, 19),
                        org.assertj.core.groups.Tuple.tuple("LOC", "new york", 34, 42),
                        org.assertj.core.groups.Tuple.tuple("PER", "shire", 42, 47));
        assertThat(entities.get(0).score()).isCloseTo((0.9 + 0.8) / 2, offset(1e-9));
        assertThat(entities.get(1).score()).isCloseTo((0.7 + 0.6) / 2, offset(1e-9));
    }

    @Test
    void wordStrategiesGiveEachWordOneLabelFirst() {
        EntityGrouper grouper = new EntityGrouper(LABELS, true);
        // "york" + "##shire" is one word: first takes york's I-LOC, so Yorkshire joins New as one LOC.
        List<EntityGrouper.Entity> first = grouper.group(TEXT, tokens(), Aggregation.FIRST);
        assertThat(first).extracting(EntityGrouper.Entity::entityGroup, EntityGrouper.Entity::word)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("PER", "wolfgang"),
                        org.assertj.core.groups.Tuple.tuple("LOC", "new yorkshire"));
        assertThat(first.get(1).end()).isEqualTo(47);
        assertThat(first.get(1).score()).isCloseTo((0.7 + 0.6) / 2, offset(1e-9));
        // max takes the word's most confident token (york 0.6 over ##shire 0.5); average averages their scores.
        assertThat(grouper.group(TEXT, tokens(), Aggregation.MAX)).extracting(EntityGrouper.Entity::word)
                .containsExactly("wolfgang", "new yorkshire");
        List<EntityGrouper.Entity> average = grouper.group(TEXT, tokens(), Aggregation.AVERAGE);
        assertThat(average.get(0).entityGroup()).isEqualTo("PER");
        assertThat(average.get(0).score()).as("wolf and ##gang averaged: B-PER 0.45+0.05/2")
                .isCloseTo((0.9 + 0.05) / 2, offset(1e-9));
    }

    @Test
    void byteLevelBpeWordsAreToldBySpacesAndTakenFromTheText() {
        List<String> labels = List.of("O", "B-LOC", "I-LOC");
        String text = "Visit Newcastle now";
        List<EntityGrouper.Token> tokens = List.of(
                new EntityGrouper.Token("Visit", 0, 5, new double[] {0.9, 0.05, 0.05}),
                new EntityGrouper.Token("ĠNew", 6, 9, new double[] {0.1, 0.8, 0.1}),
                new EntityGrouper.Token("castle", 9, 15, new double[] {0.2, 0.1, 0.7}),
                new EntityGrouper.Token("Ġnow", 16, 19, new double[] {0.9, 0.05, 0.05}));
        assertThat(new EntityGrouper(labels, false).group(text, tokens, Aggregation.FIRST))
                .singleElement().satisfies(e -> {
                    assertThat(e.word()).isEqualTo("Newcastle");
                    assertThat(e.start()).isEqualTo(6);
                    assertThat(e.end()).isEqualTo(15);
                    assertThat(e.score()).isCloseTo(0.8, offset(1e-9));
                });
    }
}
