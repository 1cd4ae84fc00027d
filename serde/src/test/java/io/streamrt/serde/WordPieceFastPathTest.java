package io.streamrt.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast path against the tokenizers library itself: the same text through both must give the same ids and the
 * same truncated flag, and a text the fast path does not take must reach the library.
 */
class WordPieceFastPathTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PREFIXES = List.of("", "query: ", "passage: ", "Query:", " ");

    @TempDir
    static Path dir;

    private static Path minilmJson;
    private static TextTokenizer minilm;

    @BeforeAll
    static void load() throws Exception {
        minilmJson = dir.resolve("minilm-tokenizer.json");
        try (InputStream in = WordPieceFastPathTest.class.getResourceAsStream("/all-minilm-l6-v2-q-tokenizer.json")) {
            Files.copy(in, minilmJson, StandardCopyOption.REPLACE_EXISTING);
        }
        minilm = TextTokenizer.open(minilmJson, 128);
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    @Test
    void generatedEnglishTextsGetTheLibrarysIdsAllOnTheFastPath() {
        Random random = new Random(7);
        for (int i = 0; i < 3000; i++) {
            String prefix = PREFIXES.get(i % PREFIXES.size());
            String text = englishText(random);
            assertThat(sameAsLibrary(minilm, prefix, text)).as("fast path taken for %s", text).isTrue();
        }
    }

    @Test
    void randomAsciiOfEveryCharGetsTheLibrarysIds() {
        Random random = new Random(11);
        int fast = 0;
        for (int i = 0; i < 4000; i++) {
            if (sameAsLibrary(minilm, PREFIXES.get(i % PREFIXES.size()), randomAscii(random, 300))) {
                fast++;
            }
        }
        assertThat(fast).as("texts the fast path took").isGreaterThan(3900);
    }

    @Test
    void controlCharsWhitespaceAndLongWordsAsTheLibraryCutsThem() {
        List<String> texts = new ArrayList<>();
        for (char c = 0; c < 128; c++) {
            texts.add("a" + c + "b");
            texts.add(c + "Word" + c + c + "word" + c);
        }
        texts.add("tab\there new\nline carriage\rreturn vertical\u000Btab form\ffeed nul\u0000 del\u007F "
                + "unit\u001Fsep");
        texts.add("!!!...???---((()))[[[]]]{{{}}}\"\"''``~~^^||\\\\//@@##$$%%&&**++==<<>>;;::,,__");
        texts.add("a".repeat(100) + " " + "a".repeat(101) + " " + "ab".repeat(60) + " x" + "y".repeat(99));
        texts.add("xzqj qqqqq zzzzxxxx jjjjjjkkkkk " + "unbelievable".repeat(9));
        texts.add("antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis GPUs TensorRT's");
        texts.add("https://example.com/a?b=c&d=e#f user@example.org C++ C# .NET node.js 3.14159 1,000,000 -42");
        for (String text : texts) {
            for (String prefix : PREFIXES) {
                assertThat(sameAsLibrary(minilm, prefix, text)).as("fast path taken for %s", text).isTrue();
            }
        }
    }

    @Test
    void emptyAndWhitespaceOnlyTextsGetTheSpecialTokensAlone() {
        for (String text : List.of("", " ", "   ", "\t\n\r", "\u000B\f", "\u0000", "\u007F\u0001 \u001F")) {
            for (String prefix : List.of("", " ")) {
                assertThat(sameAsLibrary(minilm, prefix, text)).isTrue();
                assertThat(minilm.encode(prefix, text, null).ids()).containsExactly(101L, 102L);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 16, 128})
    void truncationCutsWhereTheLibraryCutsAndSaysSo(int maxSequenceLength) {
        Random random = new Random(maxSequenceLength);
        int truncated = 0;
        try (TextTokenizer tokenizer = TextTokenizer.open(minilmJson, maxSequenceLength)) {
            for (int i = 0; i < 600; i++) {
                StringBuilder text = new StringBuilder(englishText(random));
                for (int more = random.nextInt(4); more > 0; more--) {
                    text.append(' ').append(englishText(random));
                }
                assertThat(sameAsLibrary(tokenizer, PREFIXES.get(i % PREFIXES.size()), text.toString())).isTrue();
                truncated += tokenizer.encode(text.toString()).truncated() ? 1 : 0;
            }
            // A text of exactly the sequence length is not cut; one token more is.
            String exact = "word ".repeat(maxSequenceLength - 2);
            assertThat(sameAsLibrary(tokenizer, "", exact)).isTrue();
            assertThat(tokenizer.encode(exact).truncated()).isFalse();
            assertThat(sameAsLibrary(tokenizer, "", exact + "word")).isTrue();
            assertThat(tokenizer.encode(exact + "word").truncated()).isTrue();
        }
        assertThat(truncated).as("texts cut").isPositive();
    }

    @Test
    void nonAsciiTextsAndAddedTokensGoToTheLibrary() {
        List<String[]> deferred = List.of(
                new String[] {"", "Ünïcödé façade, naïve café — 東京 🙂"},
                new String[] {"", "plain ascii then one é"},
                new String[] {"query: ", "non-breaking\u00A0space"},
                new String[] {"", "a [SEP] inside"},
                new String[] {"", "lower-case [mask] and [cls]"},
                new String[] {"", "[Unk][PAD]"},
                new String[] {"[SE", "P] split over prefix and text"},
                new String[] {"", "[ma\u0001sk] is [mask] once cleaned"});
        for (String[] c : deferred) {
            assertThat(minilm.encodeFast(c[0], c[1])).as("fast path for %s", c[1]).isNull();
            TokenizedText library = minilm.encodeWithLibrary(c[0], c[1], null);
            TokenizedText encoded = minilm.encode(c[0], c[1], null);
            assertThat(encoded.ids()).containsExactly(library.ids());
            assertThat(encoded.truncated()).isEqualTo(library.truncated());
        }
    }

    @Test
    void threadsSharingOneTokenizerEachGetTheirOwnTextsIds() throws Exception {
        Random random = new Random(3);
        List<String> texts = new ArrayList<>();
        List<long[]> expected = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            texts.add(i % 2 == 0 ? englishText(random) : randomAscii(random, 2000));
            expected.add(minilm.encodeWithLibrary("", texts.get(i), null).ids());
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 200;
                runs.add(threads.submit(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < texts.size(); i++) {
                            int at = (i + offset) % texts.size();
                            assertThat(minilm.encode(texts.get(at)).ids()).containsExactly(expected.get(at));
                        }
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aTextPairGoesToTheLibraryWithItsTypeIds() {
        TokenizedText pair = minilm.encode("", "short question?", "a plain passage");
        TokenizedText library = minilm.encodeWithLibrary("", "short question?", "a plain passage");
        assertThat(pair.ids()).containsExactly(library.ids());
        assertThat(pair.typeIds()).containsExactly(library.typeIds()).contains(1L);
    }

    @Test
    void aCasedTokenizerWithBertProcessingKeepsCase() throws Exception {
        Path json = tinyTokenizer("cased.json", tokenizer -> {
            ((ObjectNode) tokenizer.path("normalizer")).put("lowercase", false);
            tokenizer.set("post_processor", JSON.createObjectNode().put("type", "BertProcessing")
                    .<ObjectNode>set("sep", JSON.createArrayNode().add("[SEP]").add(3))
                    .set("cls", JSON.createArrayNode().add("[CLS]").add(2)));
        });
        assertTinyTokenizerAgrees(json, "abcABC", 0.8);
        try (TextTokenizer cased = TextTokenizer.open(json, 16)) {
            assertThat(cased.encode("Ab ab").ids()).isNotEqualTo(cased.encode("ab ab").ids());
        }
    }

    @Test
    void withoutCleaningControlCharsStayInWordsAndRustWhitespaceSplits() throws Exception {
        Path json = tinyTokenizer("unclean.json", tokenizer -> {
            ((ObjectNode) tokenizer.path("normalizer")).put("clean_text", false);
            ObjectNode vocab = (ObjectNode) tokenizer.path("model").path("vocab");
            vocab.put("\u000B", vocab.size()).put("##\u0001", vocab.size() + 1).put("\u0001", vocab.size() + 2);
        });
        assertTinyTokenizerAgrees(json, "abAB\u0001\u000B\u001F\u007F", 0.8);
    }

    @Test
    void aNormalizedAddedTokenIsLookedForInTheNormalizedText() throws Exception {
        Path json = tinyTokenizer("added.json", tokenizer -> {
            int id = tokenizer.path("model").path("vocab").size();
            tokenizer.withArray("added_tokens").addObject().put("id", id).put("content", "BAB").put("normalized", true)
                    .put("special", false).put("single_word", false).put("lstrip", false).put("rstrip", false);
        });
        try (TextTokenizer tokenizer = TextTokenizer.open(json, 32)) {
            assertThat(tokenizer.encodeFast("", "ba\u0001b")).isNull();
            assertThat(tokenizer.encodeFast("", "xBaBy")).isNull();
            assertThat(tokenizer.encodeFast("", "ba b")).isNotNull();
        }
        assertTinyTokenizerAgrees(json, "abAB\u0001 ", 0.05);
    }

    @Test
    void otherTokenizersHaveNoFastPath() throws Exception {
        JsonNode bert = JSON.readTree(minilmJson.toFile());
        assertThat(WordPieceFastPath.of(bert, 128)).isPresent();
        List<Consumer<ObjectNode>> changes = List.of(
                t -> ((ObjectNode) t.path("model")).put("type", "BPE"),
                t -> t.set("normalizer", JSON.createObjectNode().put("type", "NFKC")),
                t -> t.putNull("normalizer"),
                t -> t.set("pre_tokenizer", JSON.createObjectNode().put("type", "ByteLevel")),
                t -> t.set("post_processor", JSON.createObjectNode().put("type", "RobertaProcessing")),
                t -> t.putNull("post_processor"),
                t -> t.set("truncation", JSON.createObjectNode().put("direction", "Left").put("max_length", 8)),
                t -> ((ObjectNode) t.path("model")).put("unk_token", "<unk>"),
                t -> t.withArray("added_tokens").addObject().put("id", 5).put("content", "é").put("normalized", true));
        for (int i = 0; i < changes.size(); i++) {
            ObjectNode changed = bert.deepCopy();
            changes.get(i).accept(changed);
            assertThat(WordPieceFastPath.of(changed, 128)).as("fast path after change %d", i).isEmpty();
        }
        // Two special tokens leave no room for the text at a sequence length of 2.
        assertThat(WordPieceFastPath.of(bert, 2)).isEmpty();
    }

    /**
     * Encodes {@code prefix + text} through the fast path (if it takes it) and the library, and checks they agree;
     * returns whether the fast path took it.
     */
    private static boolean sameAsLibrary(TextTokenizer tokenizer, String prefix, String text) {
        TokenizedText library = tokenizer.encodeWithLibrary(prefix, text, null);
        TokenizedText fast = tokenizer.encodeFast(prefix, text);
        TokenizedText encoded = tokenizer.encode(prefix, text, null);
        String shown = (prefix + text).chars().mapToObj(c -> c < 32 || c == 127 ? String.format("\\x%02X", c)
                : String.valueOf((char) c)).reduce("", String::concat);
        assertThat(encoded.ids()).as("ids of '%s'", shown).containsExactly(library.ids());
        assertThat(encoded.truncated()).as("truncated, '%s'", shown).isEqualTo(library.truncated());
        assertThat(encoded.typeIds()).isNull();
        if (fast == null) {
            return false;
        }
        assertThat(fast.ids()).as("fast ids of '%s'", shown).containsExactly(library.ids());
        assertThat(fast.truncated()).as("fast truncated, '%s'", shown).isEqualTo(library.truncated());
        return true;
    }

    /**
     * A small WordPiece tokenizer.json: [PAD] [UNK] [CLS] [SEP] [MASK], the letters a, b, A, B with their
     * {@code ##} continuations, a few longer pieces and the ASCII punctuation; {@code change} adjusts it.
     */
    private static Path tinyTokenizer(String name, Consumer<ObjectNode> change) throws Exception {
        ObjectNode tokenizer = JSON.createObjectNode().put("version", "1.0");
        tokenizer.putNull("truncation");
        tokenizer.putNull("padding");
        String[] specials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < specials.length; i++) {
            tokenizer.withArray("added_tokens").addObject().put("id", i).put("content", specials[i])
                    .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                    .put("special", true);
            vocab.put(specials[i], i);
        }
        for (String piece : List.of("a", "b", "A", "B", "##a", "##b", "##A", "##B", "ab", "aB", "Ab", "##ab",
                "abab", "##bb", "##BA", "aaa")) {
            vocab.put(piece, vocab.size());
        }
        for (char c = '!'; c < 127; c++) {
            if (!Character.isLetterOrDigit(c)) {
                vocab.put(String.valueOf(c), vocab.size());
            }
        }
        tokenizer.set("normalizer", JSON.createObjectNode().put("type", "BertNormalizer").put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true));
        tokenizer.set("pre_tokenizer", JSON.createObjectNode().put("type", "BertPreTokenizer"));
        ObjectNode template = JSON.createObjectNode().put("type", "TemplateProcessing");
        template.withArray("single").addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        template.withArray("single").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        template.withArray("single").addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        template.set("pair", template.path("single").deepCopy());
        template.withArray("pair").addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        template.withArray("pair").addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
        ObjectNode specialTokens = template.putObject("special_tokens");
        specialTokens.putObject("[CLS]").put("id", "[CLS]").<ObjectNode>set("ids", JSON.createArrayNode().add(2))
                .set("tokens", JSON.createArrayNode().add("[CLS]"));
        specialTokens.putObject("[SEP]").put("id", "[SEP]").<ObjectNode>set("ids", JSON.createArrayNode().add(3))
                .set("tokens", JSON.createArrayNode().add("[SEP]"));
        tokenizer.set("post_processor", template);
        tokenizer.putNull("decoder");
        tokenizer.putObject("model").put("type", "WordPiece").put("unk_token", "[UNK]")
                .put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 12).set("vocab", vocab);
        change.accept(tokenizer);
        Path json = dir.resolve(name);
        JSON.writeValue(json.toFile(), tokenizer);
        return json;
    }

    /**
     * Random texts over {@code letters}, punctuation and whitespace agree with the library, and at least
     * {@code fastShare} of them go fast.
     */
    private static void assertTinyTokenizerAgrees(Path json, String letters, double fastShare) {
        Random random = new Random(json.getFileName().toString().hashCode());
        String others = "  \t\n.,!?'-[]#";
        for (int maxSequenceLength : new int[] {3, 8, 64}) {
            int fast = 0;
            try (TextTokenizer tokenizer = TextTokenizer.open(json, maxSequenceLength)) {
                for (int i = 0; i < 1500; i++) {
                    StringBuilder text = new StringBuilder();
                    for (int n = random.nextInt(60); n > 0; n--) {
                        text.append(random.nextInt(4) > 0 ? letters.charAt(random.nextInt(letters.length()))
                                : others.charAt(random.nextInt(others.length())));
                    }
                    if (sameAsLibrary(tokenizer, i % 3 == 0 ? "Ab: " : "", text.toString())) {
                        fast++;
                    }
                }
            }
            assertThat(fast).as("texts the fast path took at %d", maxSequenceLength)
                    .isGreaterThanOrEqualTo((int) (1500 * fastShare));
        }
    }

    /** ASCII of every char, weighted towards words: letters, then spaces and punctuation, then the rest. */
    private static String randomAscii(Random random, int maxLength) {
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(maxLength); n > 0; n--) {
            int pick = random.nextInt(10);
            if (pick < 5) {
                text.append((char) ((random.nextBoolean() ? 'a' : 'A') + random.nextInt(26)));
            } else if (pick < 7) {
                text.append(" \t\n\r\u000B\f".charAt(random.nextInt(6) == 0 ? random.nextInt(6) : 0));
            } else if (pick < 9) {
                text.append("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~0123456789".charAt(random.nextInt(42)));
            } else {
                text.append((char) random.nextInt(128));
            }
        }
        return text.toString();
    }

    private static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are "
            + "or his from at which but have an they you were their one all we can her has there been if more when "
            + "will would who so no out up into about than them some could time these two may first then do any like "
            + "my now over such our man me even most made after also did many before must through back years where "
            + "much your way well down should because each just those people how too little state good very make world "
            + "still own see men work long here get both between life being under never day same another know while "
            + "last might us great old year off come since against go came right used take three league striker "
            + "championship goalkeeper parliament senator legislation coalition referendum semiconductor inference "
            + "latency throughput tokenizer kubernetes microservices quantization transformer embeddings benchmark "
            + "unprecedented reconsideration misunderstandings quixotic zyzzyva onomatopoeia").split(" ");
    private static final String[] NAMES = {"Flink", "TensorRT", "Kafka", "ONNX", "GPUs", "NVIDIA", "Northfield",
        "Rovers", "Pinecrest", "Tigers", "McAllister", "O'Brien", "iPhone", "eBay", "COVID-19", "U.S.", "Dr.",
        "St.", "Mr.", "Ms.", "Jr."};
    private static final String[] EXTRAS = {"2-1", "3.5%", "$20", "1,000", "10:30", "2024", "#1", "e.g.",
        "don't", "it's", "we're", "they'll", "state-of-the-art", "\"quoted\"", "(aside)", "[note]", "well...",
        "&", "@home", "https://example.com/a?b=c", "x86_64", "C++", "~42", "a/b", "--", "yes!", "why?"};

    /** An English-like text: one to five sentences of common words, names, numbers and punctuation. */
    private static String englishText(Random random) {
        StringBuilder text = new StringBuilder();
        for (int sentences = 1 + random.nextInt(5); sentences > 0; sentences--) {
            int words = 3 + random.nextInt(25);
            for (int w = 0; w < words; w++) {
                int pick = random.nextInt(20);
                String word = pick < 15 ? WORDS[random.nextInt(WORDS.length)]
                        : pick < 18 ? NAMES[random.nextInt(NAMES.length)] : EXTRAS[random.nextInt(EXTRAS.length)];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                }
                text.append(word);
                if (w < words - 1) {
                    text.append(random.nextInt(12) == 0 ? ", " : " ");
                }
            }
            text.append(".!?;".charAt(random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0));
            text.append(sentences > 1 ? (random.nextInt(6) == 0 ? "\n\n" : " ") : "");
        }
        return text.toString();
    }
}
