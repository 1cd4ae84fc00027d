package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The windows against their definition, computed here from the whole text's tokens. */
class TextChunkerTest {

    private static final long CLS = 101;
    private static final long SEP = 102;

    @TempDir
    static Path dir;

    private static Path json;

    /** About 700 tokens of text, words of several pieces among them. */
    private static final String LONG = IntStream.range(0, 120).mapToObj(i -> "Sentence " + i + " tells of "
            + "tokenization, windows and Flink's checkpointing.").collect(Collectors.joining(" "));

    @BeforeAll
    static void load() throws Exception {
        json = dir.resolve("tokenizer.json");
        try (InputStream in = TextChunkerTest.class.getResourceAsStream("/all-minilm-l6-v2-q-tokenizer.json")) {
            Files.copy(in, json, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The whole text's tokens without special tokens, from the tokenizer that truncates nothing this long. */
    private static long[] content(String text) {
        try (TextTokenizer whole = TextTokenizer.open(json, 8192)) {
            long[] ids = whole.encode(text).ids();
            return Arrays.copyOfRange(ids, 1, ids.length - 1);
        }
    }

    @Test
    void windowsAreTheDefinitionsWindows() {
        long[] content = content(LONG);
        assertThat(content.length).as("a text of several windows").isGreaterThan(600);
        try (TextChunker chunker = TextChunker.open(json, 128, 32, 64)) {
            TextWindows windows = chunker.windows("", LONG);

            int room = 126;
            int step = room - 32;
            int expected = 1 + (int) Math.ceil((content.length - room) / (double) step);
            assertThat(windows.windows()).hasSize(expected);
            assertThat(windows.truncated()).isFalse();
            for (TextWindows.Window window : windows.windows()) {
                int from = window.index() * step;
                int to = Math.min(from + room, content.length);
                long[] ids = window.tokens().ids();
                assertThat(ids[0]).isEqualTo(CLS);
                assertThat(ids[ids.length - 1]).isEqualTo(SEP);
                assertThat(Arrays.copyOfRange(ids, 1, ids.length - 1)).as("window %d", window.index())
                        .containsExactly(Arrays.copyOfRange(content, from, to));
                assertThat(ids.length).isLessThanOrEqualTo(128);
            }
            TextWindows.Window last = windows.windows().get(expected - 1);
            assertThat(last.end()).as("the last window reaches the text's end").isEqualTo(
                    LONG.codePointCount(0, LONG.length()) - 1 + (LONG.endsWith(".") ? 1 : 0));
            assertThat(windows.windows().get(expected - 2).end()).isLessThan(last.end());
        }
    }

    @Test
    void neighboursShareTheOverlapAndSpansPointIntoTheWholeText() {
        try (TextChunker chunker = TextChunker.open(json, 64, 16, 64)) {
            List<TextWindows.Window> windows = chunker.windows("", LONG).windows();
            for (int w = 1; w < windows.size(); w++) {
                long[] before = windows.get(w - 1).tokens().ids();
                long[] after = windows.get(w).tokens().ids();
                if (before.length == 64) {
                    assertThat(Arrays.copyOfRange(after, 1, 17))
                            .containsExactly(Arrays.copyOfRange(before, before.length - 17, before.length - 1));
                }
            }
            for (TextWindows.Window window : windows) {
                TokenizedText tokens = window.tokens();
                assertThat(tokens.inText(0)).isFalse();
                assertThat(tokens.starts()[1]).isEqualTo(window.start());
                assertThat(tokens.ends()[tokens.length() - 2]).isEqualTo(window.end());
                for (int t = 1; t < tokens.length() - 1; t++) {
                    String piece = tokens.tokens()[t].replace("##", "");
                    assertThat(LONG.substring(tokens.starts()[t], tokens.ends()[t]).toLowerCase())
                            .as("token %d of window %d", t, window.index()).isEqualTo(piece);
                }
            }
        }
    }

    @Test
    void aShortTextIsOneWindowAsTheTruncatingTokenizerEncodesIt() {
        try (TextChunker chunker = TextChunker.open(json, 128, 32, 64);
                TextTokenizer tokenizer = TextTokenizer.open(json, 128)) {
            TextWindows windows = chunker.windows("query: ", "Flink meets TensorRT.");

            assertThat(windows.windows()).singleElement().satisfies(window -> {
                assertThat(window.tokens().ids()).containsExactly(tokenizer.encode("query: ", "Flink meets TensorRT.",
                        null).ids());
                assertThat(window.start()).isZero();
                assertThat(window.end()).isEqualTo("Flink meets TensorRT.".length());
            });
            assertThat(windows.truncated()).isFalse();
        }
    }

    @Test
    void aPrefixStartsEveryWindow() {
        try (TextChunker chunker = TextChunker.open(json, 64, 8, 64)) {
            for (TextWindows.Window window : chunker.windows("query: ", LONG).windows()) {
                assertThat(Arrays.copyOfRange(window.tokens().tokens(), 0, 3)).containsExactly("[CLS]", "query", ":");
                assertThat(window.tokens().inText(1)).isFalse();
            }
        }
    }

    @Test
    void theSpecialTokensAreWhatTheTokenizerGivesATextAloneWhateverTheirLayout() throws Exception {
        // A template of two leading special tokens and one trailing one ([CLS] [SEP] text [SEP]), not BERT's.
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode tokenizer = (ObjectNode) mapper.readTree(json.toFile());
        ArrayNode single = (ArrayNode) tokenizer.with("post_processor").get("single");
        single.insert(1, single.get(2).deepCopy());
        Path other = dir.resolve("two-leading.json");
        mapper.writeValue(other.toFile(), tokenizer);
        long[] content = content(LONG);

        try (TextChunker chunker = TextChunker.open(other, 64, 8, 64)) {
            List<TextWindows.Window> windows = chunker.windows("", LONG).windows();

            int room = 64 - 3;
            assertThat(windows).hasSize(1 + (int) Math.ceil((content.length - room) / (double) (room - 8)));
            for (TextWindows.Window window : windows) {
                long[] ids = window.tokens().ids();
                assertThat(Arrays.copyOfRange(ids, 0, 2)).containsExactly(CLS, SEP);
                assertThat(ids[ids.length - 1]).isEqualTo(SEP);
                int from = window.index() * (room - 8);
                assertThat(Arrays.copyOfRange(ids, 2, ids.length - 1))
                        .containsExactly(Arrays.copyOfRange(content, from, Math.min(from + room, content.length)));
                assertThat(window.tokens().inText(1)).isFalse();
                assertThat(window.tokens().starts()[2]).isEqualTo(window.start());
            }
        }
    }

    @Test
    void theWindowLimitCutsTheTextAndSaysSo() {
        try (TextChunker chunker = TextChunker.open(json, 128, 32, 3)) {
            TextWindows windows = chunker.windows("", LONG);

            assertThat(windows.windows()).hasSize(3);
            assertThat(windows.truncated()).isTrue();
        }
    }

    @Test
    void anOverlapThatLeavesNoRoomIsRefused() {
        try (TextChunker chunker = TextChunker.open(json, 16, 14, 64)) {
            assertThatThrownBy(() -> chunker.windows("", LONG)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a window of 16 tokens holds 14 of the text (after 2 special tokens and 0 of the "
                            + "prefix): the overlap (14 tokens) must be less than that");
        }
    }
}
