package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

    @TempDir
    static Path dir;

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path json = dir.resolve("tokenizer.json");
        try (InputStream in = TextTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-q-tokenizer.json")) {
            Files.copy(in, json, StandardCopyOption.REPLACE_EXISTING);
        }
        tokenizer = TextTokenizer.open(json, 16);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void producesBertUncasedIdsWithSpecialTokens() {
        TokenizedText t = tokenizer.encode("Hello World");
        // [CLS] hello world [SEP] in the BERT uncased vocabulary
        assertThat(t.ids()).containsExactly(101L, 7592L, 2088L, 102L);
        assertThat(t.truncated()).isFalse();
    }

    @Test
    void longTextIsTruncatedToTheMaximumAndFlagged() {
        TokenizedText t = tokenizer.encode("one two three four five six seven eight nine ten eleven twelve thirteen "
                + "fourteen fifteen sixteen seventeen eighteen");
        assertThat(t.length()).isEqualTo(16);
        assertThat(t.ids()[15]).isEqualTo(102L);
        assertThat(t.truncated()).isTrue();
    }

    @Test
    void idsAloneMatchTheFullEncodingForTextsPairsPrefixesAndTruncation() {
        // encode() calls the binding directly; encodeWithSpans() goes through HuggingFaceTokenizer's full Encoding.
        String[][] cases = {
                {"", "Hello World", null},
                {"query: ", "Ünïcödé façade, naïve café — 東京 🙂", null},
                {"", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen", null},
                {"", "short question?", "a passage long enough to be cut at sixteen tokens for this tokenizer"},
                {"", "", null}};
        for (String[] c : cases) {
            TokenizedText lean = tokenizer.encode(c[0], c[1], c[2]);
            TokenizedText full = tokenizer.encodeWithSpans(c[0], c[1], c[2]);
            assertThat(lean.ids()).as("ids of %s", (Object) c).containsExactly(full.ids());
            assertThat(lean.truncated()).as("truncated, %s", (Object) c).isEqualTo(full.truncated());
            if (c[2] == null) {
                assertThat(lean.typeIds()).isNull();
            } else {
                assertThat(lean.typeIds()).containsExactly(full.typeIds());
                assertThat(lean.typeIds()).contains(1L);
            }
        }
    }

    @Test
    void encodingAfterCloseFailsClearly() throws Exception {
        TextTokenizer closed = TextTokenizer.open(dir.resolve("tokenizer.json"), 16);
        closed.close();
        assertThatThrownBy(() -> closed.encode("after close")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void missingTokenizerFileSaysWhatToPass() {
        assertThatThrownBy(() -> TextTokenizer.open(dir.resolve("nope.json"), 128))
                .hasMessageContaining("nope.json does not exist")
                .hasMessageContaining("--tokenizer PATH");
    }

    @Test
    void aSequenceLengthPast512IsKeptNotCutAtTheLibrarysDefault() throws Exception {
        try (TextTokenizer longer = TextTokenizer.open(dir.resolve("tokenizer.json"), 1024)) {
            TokenizedText t = longer.encode("word ".repeat(700));
            assertThat(t.length()).isEqualTo(702);
            assertThat(t.truncated()).isFalse();
        }
    }
}
