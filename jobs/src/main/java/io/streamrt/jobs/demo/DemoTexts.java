package io.streamrt.jobs.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * The demo's input: short English texts about sports, politics and technology (and a few about nothing
 * in particular), from a headline of three words to several paragraphs, made up from templates in this
 * package. The same count and seed give the same texts on every machine.
 *
 * <p>Lengths are spread like real feeds, which is what makes length-aware batching worth having:
 * <ul>
 *   <li>45% short: 3 to 15 words, a headline or one short sentence;</li>
 *   <li>35% one to three sentences, over 15 words;</li>
 *   <li>15% one paragraph of 4 to 8 sentences;</li>
 *   <li>5% two to four paragraphs of at least 150 words, so longer than 128 BERT tokens.</li>
 * </ul>
 * Topics are 30% each sports, politics and technology, 10% neutral. Shares are exact up to rounding,
 * not sampled, and from four texts on every length and topic appears at least once.
 *
 * <pre>{@code
 * for (DemoTexts.DemoText text : DemoTexts.generate(10_000, 42L)) {
 *     byte[] value = DemoTexts.toJson(text, "text", "id");
 *     producer.send(new ProducerRecord<>("texts", text.id().getBytes(UTF_8), value));
 * }
 * }</pre>
 *
 * <p>{@link #malformedValues} makes the records the enrichment job must send to its dead-letter topic.
 */
public final class DemoTexts {

    /** The topics {@link DemoText#topic()} takes, in this order. */
    public static final List<String> TOPICS = Vocabulary.ALL.stream().map(Vocabulary::topic).toList();

    /** Word count a multi-paragraph text reaches at least: comfortably over 128 word-piece tokens. */
    static final int LONG_TEXT_MIN_WORDS = 150;

    static final ObjectMapper MAPPER = new ObjectMapper();

    private static final double[] TOPIC_SHARES = {0.30, 0.30, 0.30, 0.10};

    private enum Length {
        SHORT(0.45), SENTENCES(0.35), PARAGRAPH(0.15), PARAGRAPHS(0.05);

        final double share;

        Length(double share) {
            this.share = share;
        }
    }

    /**
     * One demo input.
     *
     * <pre>{@code
     * DemoText text = new DemoText("demo-000007", "sports", "The Northfield Rovers beat the Pinecrest Tigers 2-1");
     * }</pre>
     *
     * @param id    unique within one {@link #generate} call, e.g. {@code demo-000007}
     * @param topic one of {@link #TOPICS}
     * @param text  the text; paragraphs are separated by a blank line
     */
    public record DemoText(String id, String topic, String text) {
        public DemoText {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(text, "text");
        }
    }

    private DemoTexts() {
    }

    /**
     * Generates {@code count} texts, the same for the same {@code count} and {@code seed}.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public static List<DemoText> generate(int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, was " + count);
        }
        Random random = new Random(seed);
        List<Length> lengths = spread(count, List.of(Length.values()),
                List.of(Length.values()).stream().mapToDouble(length -> length.share).toArray(), random);
        List<Vocabulary> topics = spread(count, Vocabulary.ALL, TOPIC_SHARES, random);
        List<DemoText> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Vocabulary vocabulary = topics.get(i);
            String text = compose(lengths.get(i), vocabulary, random);
            texts.add(new DemoText(String.format("demo-%06d", i), vocabulary.topic(), text));
        }
        return List.copyOf(texts);
    }

    /**
     * Generates {@code count} long documents, the same for the same {@code count} and {@code seed}: each is 6 to 20
     * generated texts joined as paragraphs, some hundreds to a couple of thousand tokens, with the first one's topic.
     */
    public static List<DemoText> documents(int count, long seed) {
        List<DemoText> paragraphs = generate(count * 20, seed);
        List<DemoText> documents = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<DemoText> parts = paragraphs.subList(i * 20, i * 20 + 6 + (int) (Math.floorMod(seed + i, 15L)));
            documents.add(new DemoText(String.format("doc-%06d", i), parts.get(0).topic(),
                    String.join("\n\n", parts.stream().map(DemoText::text).toList())));
        }
        return List.copyOf(documents);
    }

    /**
     * The Kafka value for a text: a JSON object {@code {"<idField>": ..., "<textField>": ..., "topic": ...}}
     * in UTF-8.
     *
     * <pre>{@code
     * byte[] value = DemoTexts.toJson(text, "text", "id");   // {"id":"demo-000007","text":"...","topic":"sports"}
     * }</pre>
     *
     * @throws IllegalArgumentException if a field name is blank, or the two names clash with each other or "topic"
     */
    public static byte[] toJson(DemoText text, String textField, String idField) {
        Objects.requireNonNull(text, "text");
        checkFieldNames(textField, idField);
        if (textField.equals("topic") || idField.equals("topic")) {
            throw new IllegalArgumentException("textField and idField must not be \"topic\", which holds the "
                    + "text's topic; got textField=\"" + textField + "\", idField=\"" + idField + "\"");
        }
        ObjectNode node = MAPPER.createObjectNode();
        node.put(idField, text.id());
        node.put(textField, text.text());
        node.put("topic", text.topic());
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            // Only strings in a tree: Jackson cannot fail here short of a bug.
            throw new IllegalStateException("Could not write text " + text.id() + " as JSON", e);
        }
    }

    /**
     * Bad Kafka values, {@code perKind} of each {@link MalformedValue.Kind} in enum order, for the demo's
     * dead-letter path. Where a value is a JSON object it carries {@code idField}, so a dead letter can be
     * traced to what was sent; {@link MalformedValue#id()} is meant as the record key.
     *
     * <pre>{@code
     * for (MalformedValue bad : DemoTexts.malformedValues(2, "text", "id")) {
     *     producer.send(new ProducerRecord<>("texts", bad.id().getBytes(UTF_8), bad.value()));
     * }
     * }</pre>
     *
     * @param perKind   how many of each kind, 1 or more; variants of a kind repeat after they run out
     * @param textField the field the job reads the text from; the bad objects get it wrong
     * @param idField   the id field, kept intact in the bad objects
     */
    public static List<MalformedValue> malformedValues(int perKind, String textField, String idField) {
        return MalformedValue.generate(perKind, textField, idField);
    }

    /** Words as the length classes count them: runs of non-whitespace. */
    static int wordCount(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    static void checkFieldNames(String textField, String idField) {
        Objects.requireNonNull(textField, "textField");
        Objects.requireNonNull(idField, "idField");
        if (textField.isBlank() || idField.isBlank()) {
            throw new IllegalArgumentException("textField and idField must not be blank, got textField=\""
                    + textField + "\", idField=\"" + idField + "\"");
        }
        if (textField.equals(idField)) {
            throw new IllegalArgumentException("textField and idField must differ, both are \"" + textField + "\"");
        }
    }

    private static String compose(Length length, Vocabulary vocabulary, Random random) {
        return switch (length) {
            case SHORT -> shortText(vocabulary, random);
            case SENTENCES -> sentences(vocabulary, random);
            case PARAGRAPH -> String.join(" ", vocabulary.sentences(4 + random.nextInt(5), random));
            case PARAGRAPHS -> paragraphs(vocabulary, random);
        };
    }

    private static String shortText(Vocabulary vocabulary, Random random) {
        // Every headline fits; the bound only guards against a template edited out of range.
        for (int attempt = 0; attempt < 1_000; attempt++) {
            String candidate = random.nextInt(10) < 7 ? vocabulary.headline(random) : vocabulary.sentence(random);
            int words = wordCount(candidate);
            if (words >= 3 && words <= 15) {
                return candidate;
            }
        }
        throw new IllegalStateException("No headline of 3 to 15 words in topic " + vocabulary.topic()
                + "; fix its templates in Vocabulary");
    }

    private static String sentences(Vocabulary vocabulary, Random random) {
        List<String> three = vocabulary.sentences(3, random);
        int n = 1 + random.nextInt(3);
        // Over 15 words keeps this class apart from the short one, so the spread above holds by word count.
        while (n < 3 && wordCount(String.join(" ", three.subList(0, n))) <= 15) {
            n++;
        }
        return String.join(" ", three.subList(0, n));
    }

    private static String paragraphs(Vocabulary vocabulary, Random random) {
        int paragraphCount = 2 + random.nextInt(3);
        List<Integer> sizes = new ArrayList<>(paragraphCount);
        int total = 0;
        for (int p = 0; p < paragraphCount; p++) {
            int size = 4 + random.nextInt(5);
            sizes.add(size);
            total += size;
        }
        // One deck for the whole text, so paragraphs do not repeat each other's sentences.
        List<String> deck = new ArrayList<>(vocabulary.sentences(total, random));
        List<List<String>> paragraphs = new ArrayList<>();
        int from = 0;
        for (int size : sizes) {
            paragraphs.add(new ArrayList<>(deck.subList(from, from + size)));
            from += size;
        }
        while (wordCount(join(paragraphs)) < LONG_TEXT_MIN_WORDS) {
            paragraphs.stream().min((a, b) -> Integer.compare(a.size(), b.size())).orElseThrow()
                    .add(vocabulary.sentence(random));
        }
        return join(paragraphs);
    }

    private static String join(List<List<String>> paragraphs) {
        return String.join("\n\n", paragraphs.stream().map(sentences -> String.join(" ", sentences)).toList());
    }

    /**
     * {@code count} classes in proportion to {@code shares} (largest remainder), each at least once when
     * there is room, in a seeded random order. Exact shares keep small demos representative.
     */
    private static <T> List<T> spread(int count, List<T> classes, double[] shares, Random random) {
        int[] counts = new int[classes.size()];
        double[] remainders = new double[classes.size()];
        int assigned = 0;
        for (int c = 0; c < counts.length; c++) {
            double exact = count * shares[c];
            counts[c] = (int) Math.floor(exact);
            remainders[c] = exact - counts[c];
            assigned += counts[c];
        }
        while (assigned < count) {
            int best = 0;
            for (int c = 1; c < counts.length; c++) {
                if (remainders[c] > remainders[best]) {
                    best = c;
                }
            }
            counts[best]++;
            remainders[best] = -1;
            assigned++;
        }
        if (count >= counts.length) {
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] == 0) {
                    counts[largest(counts)]--;
                    counts[c]++;
                }
            }
        }
        List<T> out = new ArrayList<>(count);
        for (int c = 0; c < counts.length; c++) {
            out.addAll(Collections.nCopies(counts[c], classes.get(c)));
        }
        Collections.shuffle(out, random);
        return out;
    }

    private static int largest(int[] counts) {
        int largest = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[largest]) {
                largest = c;
            }
        }
        return largest;
    }
}
