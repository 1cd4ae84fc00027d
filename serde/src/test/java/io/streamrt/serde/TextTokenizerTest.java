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
    void missingTokenizerFileSaysWhatToPass() {
        assertThatThrownBy(() -> TextTokenizer.open(dir.resolve("nope.json"), 128))
                .hasMessageContaining("nope.json does not exist")
                .hasMessageContaining("--tokenizer PATH");
    }
}
