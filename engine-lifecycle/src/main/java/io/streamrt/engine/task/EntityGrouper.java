package io.streamrt.engine.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Token-classification scores to entities, the way Hugging Face's token-classification pipeline groups them: tokens
 * outside the text (special tokens) are skipped; with {@link Aggregation#SIMPLE} each token takes its best label and
 * consecutive tokens of one entity type (a {@code B-} tag starts a new one) form a group whose score is the mean of
 * theirs; {@code first}, {@code average} and {@code max} first give each word one label. Groups tagged {@code O} are
 * dropped. {@code start} and {@code end} are character offsets into the text (code points, as Python counts them).
 *
 * <pre>{@code
 * List<EntityGrouper.Entity> entities = new EntityGrouper(labels, true).group(text, tokens, Aggregation.SIMPLE);
 * }</pre>
 */
public final class EntityGrouper {

    private static final Set<String> UNKNOWN_TOKENS = Set.of("[UNK]", "<unk>");

    /**
     * One token of the text with its label probabilities.
     *
     * @param token the token as the tokenizer wrote it, e.g. {@code ##ing}
     * @param start its first character in the text (code points)
     * @param end its end, exclusive
     * @param scores its probability for each label (softmax of its logits)
     */
    public record Token(String token, int start, int end, double[] scores) {}

    /**
     * An entity, as the pipeline reports it.
     *
     * @param entityGroup the label without its {@code B-}/{@code I-} prefix, e.g. {@code PER}
     * @param score the mean score of its tokens (or words)
     * @param word its tokens joined back into text
     * @param start its first character in the text (code points)
     * @param end its end, exclusive
     */
    public record Entity(String entityGroup, double score, String word, int start, int end) {}

    private final List<String> labels;
    private final boolean wordPiece;

    /**
     * @param labels the model's labels by id, e.g. {@code [O, B-PER, I-PER, B-LOC, I-LOC]}
     * @param wordPiece whether the tokenizer is WordPiece (continuations start with {@code ##}); else byte-level BPE
     *     or SentencePiece, whose continuations are told by the absence of a space before them
     */
    public EntityGrouper(List<String> labels, boolean wordPiece) {
        this.labels = List.copyOf(labels);
        this.wordPiece = wordPiece;
    }

    /**
     * Groups the tokens of one text.
     *
     * @param text the text the offsets refer to
     * @param tokens the text's tokens in order, special tokens left out
     */
    public List<Entity> group(String text, List<Token> tokens, Aggregation aggregation) {
        List<Tagged> tagged = new ArrayList<>();
        if (aggregation == Aggregation.SIMPLE) {
            for (Token token : tokens) {
                int best = argmax(token.scores());
                tagged.add(new Tagged(labels.get(best), token.scores()[best], List.of(token), token.start(),
                        token.end()));
            }
        } else {
            List<Token> word = new ArrayList<>();
            for (Token token : tokens) {
                if (!word.isEmpty() && !subword(text, token)) {
                    tagged.add(word(word, aggregation));
                    word = new ArrayList<>();
                }
                word.add(token);
            }
            if (!word.isEmpty()) {
                tagged.add(word(word, aggregation));
            }
        }
        List<Entity> entities = new ArrayList<>();
        List<Tagged> group = new ArrayList<>();
        for (Tagged entity : tagged) {
            if (!group.isEmpty()) {
                String[] last = tag(group.get(group.size() - 1).label());
                String[] now = tag(entity.label());
                if (!(now[1].equals(last[1]) && !now[0].equals("B"))) {
                    addGroup(text, group, entities);
                    group = new ArrayList<>();
                }
            }
            group.add(entity);
        }
        if (!group.isEmpty()) {
            addGroup(text, group, entities);
        }
        return entities;
    }

    /** A token or word with its label. */
    private record Tagged(String label, double score, List<Token> tokens, int start, int end) {}

    private Tagged word(List<Token> tokens, Aggregation aggregation) {
        double[] scores = switch (aggregation) {
            case FIRST -> tokens.get(0).scores();
            case MAX -> tokens.stream().max((a, b) -> Double.compare(max(a.scores()), max(b.scores())))
                    .orElseThrow().scores();
            case AVERAGE -> {
                double[] mean = new double[labels.size()];
                for (Token token : tokens) {
                    for (int i = 0; i < mean.length; i++) {
                        mean[i] += token.scores()[i] / tokens.size();
                    }
                }
                yield mean;
            }
            case SIMPLE -> throw new IllegalStateException("simple aggregation tags tokens, not words");
        };
        int best = argmax(scores);
        return new Tagged(labels.get(best), scores[best], tokens, tokens.get(0).start(),
                tokens.get(tokens.size() - 1).end());
    }

    private void addGroup(String text, List<Tagged> group, List<Entity> entities) {
        String type = tag(group.get(0).label())[1];
        if (type.equals("O")) {
            return;
        }
        double score = 0;
        List<Token> tokens = new ArrayList<>();
        for (Tagged tagged : group) {
            score += tagged.score();
            tokens.addAll(tagged.tokens());
        }
        int start = group.get(0).start();
        int end = group.get(group.size() - 1).end();
        entities.add(new Entity(type, score / group.size(), join(text, tokens), start, end));
    }

    /** The pipeline's word: WordPiece tokens joined as its tokenizer would, else the text they cover. */
    private String join(String text, List<Token> tokens) {
        if (!wordPiece) {
            return slice(text, tokens.get(0).start(), tokens.get(tokens.size() - 1).end()).strip();
        }
        StringBuilder word = new StringBuilder();
        for (Token token : tokens) {
            String piece = UNKNOWN_TOKENS.contains(token.token()) ? slice(text, token.start(), token.end())
                    : token.token();
            if (piece.startsWith("##")) {
                word.append(piece, 2, piece.length());
            } else {
                if (word.length() > 0) {
                    word.append(' ');
                }
                word.append(piece);
            }
        }
        return word.toString();
    }

    /** Whether a token continues the word before it, as the pipeline decides it. */
    private boolean subword(String text, Token token) {
        if (UNKNOWN_TOKENS.contains(token.token())) {
            return false;
        }
        if (wordPiece) {
            return token.token().startsWith("##");
        }
        if (token.start() <= 0) {
            return false;
        }
        String around = slice(text, token.start() - 1, token.start() + 1);
        return !around.contains(" ");
    }

    /** The text between two code-point offsets. */
    private static String slice(String text, int start, int end) {
        int count = text.codePointCount(0, text.length());
        int from = text.offsetByCodePoints(0, Math.min(Math.max(0, start), count));
        int to = text.offsetByCodePoints(0, Math.min(Math.max(0, end), count));
        return text.substring(from, Math.max(from, to));
    }

    /** A label's B/I marker and its type: {@code B-PER} is (B, PER); {@code O} is (I, O). */
    private static String[] tag(String label) {
        if (label.startsWith("B-")) {
            return new String[] {"B", label.substring(2)};
        }
        if (label.startsWith("I-")) {
            return new String[] {"I", label.substring(2)};
        }
        return new String[] {"I", label};
    }

    private static int argmax(double[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double max(double[] scores) {
        return scores[argmax(scores)];
    }
}
