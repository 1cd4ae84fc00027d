package io.streamrt.serde;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * BERT's tokenizing (BertNormalizer, BertPreTokenizer, WordPiece, {@code [CLS] $A [SEP]}, truncation on the right) in
 * Java, for the texts where it gives the Hugging Face tokenizers library's ids token for token: a single text, all
 * ASCII, holding none of the tokenizer's added tokens. Everything else, and every tokenizer built otherwise, stays
 * with the library. All-ASCII input is what makes this exact by construction: normalizing it asks no Unicode table
 * (NFD and accent stripping leave it as it is, no char is a Chinese char, lower-casing is A-Z to a-z).
 *
 * <p>The library's rules, as tokenizers 0.21 writes them, on ASCII:
 * <ul>
 *   <li>normalizer ({@code normalizers/bert.rs}), if {@code clean_text}: drops control chars (0-31 and 127) except
 *       {@code \t \n \r}, then maps those three to a space; if {@code lowercase}: A-Z to a-z;</li>
 *   <li>pre-tokenizer ({@code pre_tokenizers/bert.rs}): splits on Rust's whitespace (tab, line feed, U+000B, form
 *       feed, carriage return and space, dropped), then makes each ASCII punctuation char a word of its own;</li>
 *   <li>WordPiece ({@code models/wordpiece/mod.rs}): a word of more than {@code max_input_chars_per_word} chars is
 *       the unknown token; otherwise the longest vocabulary piece from the start, then the longest
 *       {@code continuing_subword_prefix} piece from there, and so on; a word any part of which has no piece is
 *       the unknown token alone;</li>
 *   <li>truncation ({@code utils/truncation.rs}, {@code tokenizer/mod.rs}): a text alone keeps its first
 *       {@code max_length} minus the template's special tokens, and says it overflowed when it had more;</li>
 *   <li>post-processor ({@code processors/template.rs}, {@code bert.rs}): the special tokens around.</li>
 * </ul>
 * Thread-safe: the vocabulary is immutable and scratch arrays are per thread.
 *
 * <pre>{@code
 * Optional<WordPieceFastPath> fast = WordPieceFastPath.of(new ObjectMapper().readTree(json), 128);
 * TokenizedText t = fast.get().encode("", "Hello World");   // null: give this text to the library
 * }</pre>
 */
final class WordPieceFastPath {

    private static final byte WORD = 0;
    private static final byte SPACE = 1;
    private static final byte PUNCTUATION = 2;
    /** Per ASCII char, what the pre-tokenizer makes of it. */
    private static final byte[] KIND = new byte[128];

    static {
        for (char c : new char[] {'\t', '\n', '\u000B', '\f', '\r', ' '}) {
            KIND[c] = SPACE;
        }
        for (char c = 0; c < 128; c++) {
            if (c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~') {
                KIND[c] = PUNCTUATION;
            }
        }
    }

    /** Scratch arrays longer than this are not kept for the next text on the thread. */
    private static final int KEEP_SCRATCH_CHARS = 1 << 16;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final boolean cleanText;
    private final boolean lowercase;
    private final AsciiVocabTrie vocab;
    /** Where continuation pieces start in {@link #vocab} (after {@code ##}), or {@link AsciiVocabTrie#NONE}. */
    private final int continuation;
    private final int unknownId;
    private final int maxCharsPerWord;
    private final long[] lead;
    private final long[] trail;
    /** Most tokens of the text itself: the sequence length less the special tokens. */
    private final int maxTextTokens;
    /** Added tokens as they can appear in a text or in its normalized form, lower-cased, by first char. */
    private final char[][][] addedByFirstChar;

    private WordPieceFastPath(boolean cleanText, boolean lowercase, AsciiVocabTrie vocab, int continuation,
            int unknownId, int maxCharsPerWord, long[] lead, long[] trail, int maxTextTokens,
            char[][][] addedByFirstChar) {
        this.cleanText = cleanText;
        this.lowercase = lowercase;
        this.vocab = vocab;
        this.continuation = continuation;
        this.unknownId = unknownId;
        this.maxCharsPerWord = maxCharsPerWord;
        this.lead = lead;
        this.trail = trail;
        this.maxTextTokens = maxTextTokens;
        this.addedByFirstChar = addedByFirstChar;
    }

    /**
     * The fast path for a tokenizer.json, if it is built as BERT's is; empty for any other tokenizer (BPE, Unigram,
     * another normalizer, pre-tokenizer or post-processor, truncation from the left, a normalized added token that
     * is not ASCII), which the library then tokenizes alone.
     *
     * @param maxSequenceLength the tokenizer's truncation length, special tokens included
     */
    static Optional<WordPieceFastPath> of(JsonNode tokenizer, int maxSequenceLength) {
        JsonNode normalizer = tokenizer.path("normalizer");
        JsonNode model = tokenizer.path("model");
        if (!"BertNormalizer".equals(normalizer.path("type").asText())
                || !"BertPreTokenizer".equals(tokenizer.path("pre_tokenizer").path("type").asText())
                || !"WordPiece".equals(model.path("type").asText())
                || "Left".equals(tokenizer.path("truncation").path("direction").asText())) {
            return Optional.empty();
        }
        boolean cleanText = normalizer.path("clean_text").asBoolean(true);
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        Optional<long[][]> specials = specialTokens(tokenizer.path("post_processor"));
        Optional<char[][][]> added = addedTokens(tokenizer.path("added_tokens"), cleanText, lowercase);
        if (specials.isEmpty() || added.isEmpty()) {
            return Optional.empty();
        }
        long[] lead = specials.get()[0];
        long[] trail = specials.get()[1];
        int maxTextTokens = maxSequenceLength - lead.length - trail.length;
        if (maxTextTokens < 1) {
            return Optional.empty();
        }

        Map<String, Integer> entries = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : model.path("vocab").properties()) {
            entries.put(entry.getKey(), entry.getValue().asInt());
        }
        Integer unknownId = entries.get(model.path("unk_token").asText("[UNK]"));
        if (unknownId == null) {
            return Optional.empty(); // the library fails such a word (MissingUnkToken): let it say so
        }
        AsciiVocabTrie vocab = AsciiVocabTrie.of(entries);
        int continuation = vocab.walk(AsciiVocabTrie.ROOT, model.path("continuing_subword_prefix").asText("##"));
        return Optional.of(new WordPieceFastPath(cleanText, lowercase, vocab, continuation, unknownId,
                model.path("max_input_chars_per_word").asInt(100), lead, trail, maxTextTokens, added.get()));
    }

    /**
     * The ids before and after a text alone, from a {@code TemplateProcessing} whose single template is special
     * tokens, {@code $A}, special tokens, or from a {@code BertProcessing}; empty for any other post-processor.
     */
    private static Optional<long[][]> specialTokens(JsonNode processor) {
        switch (processor.path("type").asText()) {
            case "BertProcessing":
                return Optional.of(new long[][] {{processor.path("cls").path(1).asLong()},
                        {processor.path("sep").path(1).asLong()}});
            case "TemplateProcessing":
                List<Long> lead = new ArrayList<>();
                List<Long> trail = new ArrayList<>();
                boolean sequenceSeen = false;
                for (JsonNode piece : processor.path("single")) {
                    if (piece.has("Sequence")) {
                        if (sequenceSeen || !"A".equals(piece.path("Sequence").path("id").asText())) {
                            return Optional.empty();
                        }
                        sequenceSeen = true;
                    } else if (piece.has("SpecialToken")) {
                        JsonNode ids = processor.path("special_tokens")
                                .path(piece.path("SpecialToken").path("id").asText()).path("ids");
                        if (!ids.isArray()) {
                            return Optional.empty();
                        }
                        for (JsonNode id : ids) {
                            (sequenceSeen ? trail : lead).add(id.asLong());
                        }
                    } else {
                        return Optional.empty();
                    }
                }
                if (!sequenceSeen) {
                    return Optional.empty();
                }
                return Optional.of(new long[][] {lead.stream().mapToLong(Long::longValue).toArray(),
                        trail.stream().mapToLong(Long::longValue).toArray()});
            default:
                return Optional.empty();
        }
    }

    /**
     * The strings whose presence sends a text to the library, lower-cased and grouped by first char: each added
     * token's content, and for a normalized one the content as normalized (the library looks for it in the normalized
     * text). Empty when a normalized added token is not ASCII: what it normalizes to would need Unicode tables.
     */
    private static Optional<char[][][]> addedTokens(JsonNode added, boolean cleanText, boolean lowercase) {
        List<List<char[]>> byFirst = new ArrayList<>();
        for (int c = 0; c < 128; c++) {
            byFirst.add(new ArrayList<>());
        }
        for (JsonNode token : added) {
            String content = token.path("content").asText();
            boolean ascii = AsciiVocabTrie.isAscii(content);
            boolean normalizedToken = token.path("normalized").asBoolean(true);
            if (!ascii && normalizedToken) {
                return Optional.empty();
            }
            if (!ascii) {
                continue; // never in an all-ASCII text
            }
            List<String> forms = new ArrayList<>(List.of(content));
            if (normalizedToken) {
                char[] normalized = new char[content.length()];
                forms.add(new String(normalized, 0, normalize(content, normalized, cleanText, lowercase)));
            }
            for (String form : forms) {
                if (form.isEmpty()) {
                    return Optional.empty(); // matched everywhere, if at all: not worth knowing
                }
                char[] lower = new char[form.length()];
                for (int i = 0; i < lower.length; i++) {
                    lower[i] = toLower(form.charAt(i));
                }
                byFirst.get(lower[0]).add(lower);
            }
        }
        char[][][] table = new char[128][][];
        for (int c = 0; c < 128; c++) {
            table[c] = byFirst.get(c).isEmpty() ? null : byFirst.get(c).toArray(new char[0][]);
        }
        return Optional.of(table);
    }

    /**
     * The library's ids for {@code prefix + text} alone, or null if this text is not one the fast path takes (not
     * all ASCII, or holding an added token): the library must tokenize it.
     */
    TokenizedText encode(String prefix, String text) {
        String input = prefix.isEmpty() ? text : prefix.concat(text);
        int length = input.length();
        Scratch scratch = SCRATCH.get();
        char[] normalized = scratch.chars(length);
        input.getChars(0, length, normalized, 0);
        for (int i = 0; i < length; i++) {
            if (normalized[i] >= 128) {
                return null;
            }
        }
        if (containsAdded(normalized, length)) {
            return null;
        }
        // In place: normalizing drops or replaces chars, never writes ahead of where it reads.
        int normalizedLength = normalize(normalized, length, normalized, cleanText, lowercase);
        if (containsAdded(normalized, normalizedLength)) {
            return null;
        }
        // A word gives at least one char per token, so no text gives more tokens than chars.
        int[] ids = scratch.ids(normalizedLength);
        int count = 0;
        boolean truncated = false;
        int start = 0;
        while (start < normalizedLength) {
            byte kind = KIND[normalized[start]];
            if (kind == SPACE) {
                start++;
                continue;
            }
            int end = start + 1;
            if (kind == WORD) {
                while (end < normalizedLength && KIND[normalized[end]] == WORD) {
                    end++;
                }
            }
            count = appendWord(normalized, start, end, ids, count);
            if (count > maxTextTokens) {
                truncated = true; // what follows is cut anyway
                break;
            }
            start = end;
        }
        int kept = Math.min(count, maxTextTokens);
        long[] out = new long[lead.length + kept + trail.length];
        System.arraycopy(lead, 0, out, 0, lead.length);
        for (int i = 0; i < kept; i++) {
            out[lead.length + i] = ids[i];
        }
        System.arraycopy(trail, 0, out, lead.length + kept, trail.length);
        return new TokenizedText(out, truncated, null, null, null, null);
    }

    /** WordPiece on one word, {@code chars[start, end)}: appends its ids at {@code count}, returns the new count. */
    private int appendWord(char[] chars, int start, int end, int[] ids, int count) {
        if (end - start > maxCharsPerWord) {
            ids[count] = unknownId;
            return count + 1;
        }
        int first = count;
        int from = start;
        while (from < end) {
            int node = from == start ? AsciiVocabTrie.ROOT : continuation;
            int pieceId = AsciiVocabTrie.NONE;
            int pieceEnd = from;
            for (int i = from; i < end && node != AsciiVocabTrie.NONE; i++) {
                node = vocab.child(node, chars[i]);
                if (node != AsciiVocabTrie.NONE && vocab.id(node) != AsciiVocabTrie.NONE) {
                    pieceId = vocab.id(node);
                    pieceEnd = i + 1;
                }
            }
            if (pieceId == AsciiVocabTrie.NONE) {
                ids[first] = unknownId;
                return first + 1;
            }
            ids[count++] = pieceId;
            from = pieceEnd;
        }
        return count;
    }

    private boolean containsAdded(char[] chars, int length) {
        for (int i = 0; i < length; i++) {
            char[][] candidates = addedByFirstChar[toLower(chars[i])];
            if (candidates == null) {
                continue;
            }
            for (char[] candidate : candidates) {
                if (startsWithIgnoringCase(chars, i, length, candidate)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsWithIgnoringCase(char[] chars, int at, int length, char[] lower) {
        if (length - at < lower.length) {
            return false;
        }
        for (int j = 0; j < lower.length; j++) {
            if (toLower(chars[at + j]) != lower[j]) {
                return false;
            }
        }
        return true;
    }

    private static int normalize(String ascii, char[] out, boolean cleanText, boolean lowercase) {
        char[] chars = ascii.toCharArray();
        return normalize(chars, chars.length, out, cleanText, lowercase);
    }

    /** BertNormalizer on ASCII chars: returns how many it wrote to {@code out}. */
    private static int normalize(char[] chars, int length, char[] out, boolean cleanText, boolean lowercase) {
        int n = 0;
        for (int i = 0; i < length; i++) {
            char c = chars[i];
            if (cleanText) {
                if (c == '\t' || c == '\n' || c == '\r') {
                    c = ' ';
                } else if (c < ' ' || c == 127) {
                    continue; // a control char (U+000B and form feed among them): removed, not made a space
                }
            }
            out[n++] = lowercase ? toLower(c) : c;
        }
        return n;
    }

    private static char toLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** One thread's arrays, reused from text to text; one over {@link #KEEP_SCRATCH_CHARS} serves one text only. */
    private static final class Scratch {
        private char[] chars = new char[256];
        private int[] ids = new int[256];

        char[] chars(int length) {
            if (length <= chars.length) {
                return chars;
            }
            char[] grown = new char[grownLength(chars.length, length)];
            if (grown.length <= KEEP_SCRATCH_CHARS) {
                chars = grown;
            }
            return grown;
        }

        int[] ids(int length) {
            if (length <= ids.length) {
                return ids;
            }
            int[] grown = new int[grownLength(ids.length, length)];
            if (grown.length <= KEEP_SCRATCH_CHARS) {
                ids = grown;
            }
            return grown;
        }

        /** Doubling up to the kept maximum; exactly the length needed past it. */
        private static int grownLength(int current, int needed) {
            return Math.max(needed, Math.min(2 * current, KEEP_SCRATCH_CHARS));
        }
    }
}
