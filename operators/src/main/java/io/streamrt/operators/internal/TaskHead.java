package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.task.Activation;
import io.streamrt.engine.task.EntityGrouper;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.ChunkAggregation;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextTokenizer;
import io.streamrt.serde.TextWindows;
import io.streamrt.serde.TokenizedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;

/**
 * What a task makes of one record's row of the engine's output, as Hugging Face's pipelines post-process: an
 * embedding pooled and normalized as the plan says (and its nearest zero-shot label), a classifier's scores and
 * top-k labels, a token classifier's entities with offsets into the text. Apart from the engine: it reads a finished
 * batch's output and nothing else.
 *
 * <pre>{@code
 * TaskHead head = TaskHead.open(plan, settings, engine, tokenizer, "minilm", "onnxruntime");
 * InferenceOutput output = head.output(row, null, null, 8, 1.5, 4.0);
 * }</pre>
 */
@Internal
final class TaskHead {

    private final TaskPlan plan;
    private final InferenceSettings settings;
    private final String modelName;
    private final String backend;
    /** Zero-shot labels' embeddings, unit length; empty without labels. */
    private final float[][] labelEmbeddings;
    /** Token classification: tags to entities; else null. */
    private final EntityGrouper grouper;

    private TaskHead(TaskPlan plan, InferenceSettings settings, String modelName, String backend,
            EntityGrouper grouper, float[][] labelEmbeddings) {
        this.plan = plan;
        this.settings = settings;
        this.modelName = modelName;
        this.backend = backend;
        this.grouper = grouper;
        this.labelEmbeddings = labelEmbeddings;
    }

    /**
     * The head of {@code plan}'s task; embeds the zero-shot labels on {@code engine} once, here.
     *
     * @param modelName and {@code backend}: what each output names
     */
    static TaskHead open(TaskPlan plan, InferenceSettings settings, InferenceEngine engine, TextTokenizer tokenizer,
            String modelName, String backend) {
        EntityGrouper grouper = plan.task() == Task.TOKEN_CLASSIFICATION
                ? new EntityGrouper(plan.labels(), tokenizer.wordPiece()) : null;
        if (settings.labels().isEmpty()) {
            return new TaskHead(plan, settings, modelName, backend, grouper, new float[0][]);
        }
        List<long[]> rows = new ArrayList<>();
        for (String label : settings.labels()) {
            rows.add(tokenizer.encode(settings.prefix(), label, null).ids());
        }
        EncoderBatch batch = EncoderBatch.pad(rows);
        EncoderOutput output = engine.run(batch);
        float[][] embeddings = new float[rows.size()][];
        for (int i = 0; i < embeddings.length; i++) {
            // Unit length whatever the model's normalization: the score is a cosine.
            embeddings[i] = Pooling.normalize(embed(plan, new InferenceRequest.Row(output, i, batch.lengths()[i]))
                    .clone());
        }
        return new TaskHead(plan, settings, modelName, backend, grouper, embeddings);
    }

    /** Whether the task needs each record's text and tokens to make its output (token classification does). */
    boolean needsTokens() {
        return plan.task() == Task.TOKEN_CLASSIFICATION;
    }

    /**
     * What the task makes of this record's row.
     *
     * @param text and {@code tokens}: the record's text and its tokens, where {@link #needsTokens()}; else null
     * @param rows the size of the batch the row ran in
     */
    InferenceOutput output(InferenceRequest.Row row, String text, TokenizedText tokens, int rows, double queueMs,
            double runMs) {
        return switch (plan.task()) {
            case EMBEDDING -> embedding(embed(plan, row), rows, queueMs, runMs);
            case CLASSIFICATION -> classification(scores(row), rows, queueMs, runMs);
            case TOKEN_CLASSIFICATION -> entities(text, tokens(row, tokens), rows, queueMs, runMs);
        };
    }

    /** An embedding's output, with its nearest zero-shot label where there are labels. */
    private InferenceOutput embedding(float[] embedding, int rows, double queueMs, double runMs) {
        String label = null;
        float score = 0f;
        if (labelEmbeddings.length > 0) {
            float[] unit = plan.normalize() ? embedding : Pooling.normalize(embedding.clone());
            int best = nearestLabel(unit);
            label = settings.labels().get(best);
            score = dot(unit, labelEmbeddings[best]);
        }
        return new InferenceOutput(modelName, backend, settings.output().has("embedding") ? embedding : null, label,
                score, rows, queueMs, runMs);
    }

    /** A classifier's probabilities (its activation applied) for one row. */
    private double[] scores(InferenceRequest.Row row) {
        return plan.activation().apply(row.output().tensor(plan.output()).row(row.index()));
    }

    /** A classifier's output: the best label and, with top-k, the k best labels' scores. */
    private InferenceOutput classification(double[] scores, int rows, double queueMs, double runMs) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        int k = Math.min(settings.topK(), scores.length);
        String[] topLabels = new String[k];
        double[] topScores = new double[k];
        for (int i = 0; i < k; i++) {
            topLabels[i] = plan.labels().get(order[i]);
            topScores[i] = scores[order[i]];
        }
        return InferenceOutput.classification(modelName, backend, plan.labels().get(order[0]),
                (float) scores[order[0]], topLabels, topScores, rows, queueMs, runMs);
    }

    /** The row's tokens that come from the text, each with its tag probabilities. */
    private List<EntityGrouper.Token> tokens(InferenceRequest.Row row, TokenizedText tokens) {
        OutputTensor logits = row.output().tensor(plan.output());
        int width = logits.lastDimension();
        int base = row.index() * logits.rowLength();
        List<EntityGrouper.Token> inText = new ArrayList<>();
        for (int t = 0; t < row.length(); t++) {
            if (tokens.inText(t)) {
                inText.add(new EntityGrouper.Token(tokens.tokens()[t], tokens.starts()[t], tokens.ends()[t],
                        Activation.SOFTMAX.apply(Arrays.copyOfRange(logits.data(), base + t * width,
                                base + (t + 1) * width))));
            }
        }
        return inText;
    }

    /** A token classifier's output: the tokens grouped into entities with offsets into the text. */
    private InferenceOutput entities(String text, List<EntityGrouper.Token> tokens, int rows, double queueMs,
            double runMs) {
        List<EntityGrouper.Entity> found = grouper.group(text, tokens, plan.aggregation());
        InferenceOutput.Entity[] entities = new InferenceOutput.Entity[found.size()];
        for (int i = 0; i < entities.length; i++) {
            EntityGrouper.Entity e = found.get(i);
            entities[i] = new InferenceOutput.Entity(e.entityGroup(), e.score(), e.word(), e.start(), e.end());
        }
        return InferenceOutput.entities(modelName, backend, entities, rows, queueMs, runMs);
    }

    /**
     * One window's results of a chunked record, kept until its last window is in.
     *
     * @param embedding an embedding model's vector of the window; else null
     * @param scores a classifier's probabilities for the window; else null
     * @param tokens a token classifier's tokens of the window, with spans in the whole text; else null
     * @param edges for each of {@code tokens}: how far it is from the window's nearer edge, in tokens
     */
    record Part(TextWindows.Window window, float[] embedding, double[] scores, List<EntityGrouper.Token> tokens,
            int[] edges) {}

    /** A token as one window saw it, and how far it was from that window's nearer edge. */
    private record Pick(EntityGrouper.Token token, int edge) {}

    /** What the task makes of one window's row, before the record's windows are combined ({@link #combine}). */
    Part part(InferenceRequest.Row row, TextWindows.Window window) {
        return switch (plan.task()) {
            case EMBEDDING -> new Part(window, embed(plan, row), null, null, null);
            case CLASSIFICATION -> new Part(window, null, scores(row), null, null);
            case TOKEN_CLASSIFICATION -> {
                TokenizedText tokens = window.tokens();
                List<EntityGrouper.Token> inText = tokens(row, tokens);
                int[] edges = new int[inText.size()];
                for (int i = 0; i < edges.length; i++) {
                    edges[i] = Math.min(i, edges.length - 1 - i);
                }
                yield new Part(window, null, null, inText, edges);
            }
        };
    }

    /**
     * A chunked record's results from its windows' parts: an embedding's mean (normalized where the model
     * normalizes), a classifier's mean or max probabilities, the entities of every window's tokens, each token taken
     * from the window where it is farthest from an edge (as Hugging Face's pipeline does with a stride).
     *
     * @param parts the record's windows' parts, in window order
     * @param truncated whether the text went on past the last window
     * @param chunks whether each window's results go in the output too
     * @param rows and {@code queueMs}, {@code runMs}: the last window's batch, which completed the record
     */
    InferenceOutput combine(String text, Part[] parts, boolean truncated, boolean chunks, int rows, double queueMs,
            double runMs) {
        InferenceOutput output = switch (plan.task()) {
            case EMBEDDING -> {
                float[] mean = parts[0].embedding().clone();
                if (parts.length > 1) {
                    for (int p = 1; p < parts.length; p++) {
                        float[] next = parts[p].embedding();
                        for (int d = 0; d < mean.length; d++) {
                            mean[d] += next[d];
                        }
                    }
                    for (int d = 0; d < mean.length; d++) {
                        mean[d] /= parts.length;
                    }
                    if (plan.normalize()) {
                        mean = Pooling.normalize(mean);
                    }
                }
                yield embedding(mean, rows, queueMs, runMs);
            }
            case CLASSIFICATION -> {
                double[] combined = parts[0].scores().clone();
                for (int p = 1; p < parts.length; p++) {
                    double[] next = parts[p].scores();
                    for (int l = 0; l < combined.length; l++) {
                        combined[l] = settings.chunking().aggregation() == ChunkAggregation.MAX
                                ? Math.max(combined[l], next[l]) : combined[l] + next[l];
                    }
                }
                if (settings.chunking().aggregation() != ChunkAggregation.MAX && parts.length > 1) {
                    for (int l = 0; l < combined.length; l++) {
                        combined[l] /= parts.length;
                    }
                }
                yield classification(combined, rows, queueMs, runMs);
            }
            case TOKEN_CLASSIFICATION -> {
                // Each token once, from the window in which it is farthest from an edge (the first such window on a
                // tie); keyed by where it starts.
                TreeMap<Integer, Pick> picks = new TreeMap<>();
                for (Part part : parts) {
                    for (int i = 0; i < part.tokens().size(); i++) {
                        Pick pick = new Pick(part.tokens().get(i), part.edges()[i]);
                        picks.merge(pick.token().start(), pick,
                                (kept, next) -> next.edge() > kept.edge() ? next : kept);
                    }
                }
                yield entities(text, picks.values().stream().map(Pick::token).toList(), rows, queueMs, runMs);
            }
        };
        output.setTruncated(truncated);
        if (chunks) {
            InferenceOutput.Chunk[] each = new InferenceOutput.Chunk[parts.length];
            for (int p = 0; p < parts.length; p++) {
                each[p] = chunk(text, parts[p]);
            }
            output.setChunks(each);
        }
        return output;
    }

    /**
     * One output per window ({@code chunk-output} {@code records}): each window's own results, as a text alone
     * would get them, with which window it is ({@code chunk}: index, count, start, end), in window order.
     *
     * @param rows and {@code queueMs}, {@code runMs}: the last window's batch, which completed the record
     */
    List<InferenceOutput> perWindow(String text, Part[] parts, boolean truncated, int rows, double queueMs,
            double runMs) {
        List<InferenceOutput> outputs = new ArrayList<>(parts.length);
        for (Part part : parts) {
            InferenceOutput output = alone(text, part, rows, queueMs, runMs);
            TextWindows.Window window = part.window();
            InferenceOutput.Chunk chunk = new InferenceOutput.Chunk(window.index(), window.start(), window.end(),
                    null, null, 0f);
            chunk.setCount(parts.length);
            output.setChunk(chunk);
            output.setTruncated(truncated);
            outputs.add(output);
        }
        return outputs;
    }

    /**
     * One window's entry in a record's {@code chunks}: where it lies, and its own embedding, best label or entities.
     */
    private InferenceOutput.Chunk chunk(String text, Part part) {
        TextWindows.Window window = part.window();
        InferenceOutput alone = alone(text, part, 0, 0, 0);
        InferenceOutput.Chunk chunk = new InferenceOutput.Chunk(window.index(), window.start(), window.end(),
                alone.getEmbedding(), alone.getLabel(), alone.getScore());
        chunk.setEntities(alone.getEntities());
        chunk.setScoreLabels(alone.getScoreLabels());
        chunk.setScoreValues(alone.getScoreValues());
        return chunk;
    }

    /** One window's results as a text alone would get them. */
    private InferenceOutput alone(String text, Part part, int rows, double queueMs, double runMs) {
        return switch (plan.task()) {
            case EMBEDDING -> embedding(part.embedding(), rows, queueMs, runMs);
            case CLASSIFICATION -> classification(part.scores(), rows, queueMs, runMs);
            case TOKEN_CLASSIFICATION -> entities(text, part.tokens(), rows, queueMs, runMs);
        };
    }

    /** The sentence embedding of one row, pooled and normalized as the plan says. */
    private static float[] embed(TaskPlan plan, InferenceRequest.Row row) {
        OutputTensor output = row.output().tensor(plan.output());
        float[] embedding = plan.pooling() == null ? output.row(row.index())
                : plan.pooling().pool(output, row.index(), row.length());
        return plan.normalize() ? Pooling.normalize(embedding) : embedding;
    }

    private int nearestLabel(float[] embedding) {
        int best = -1;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < labelEmbeddings.length; i++) {
            float score = dot(embedding, labelEmbeddings[i]);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    private static float dot(float[] a, float[] b) {
        float sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
