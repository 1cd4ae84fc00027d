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
import io.streamrt.operators.InferenceSettings;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextTokenizer;
import io.streamrt.serde.TokenizedText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        TaskHead head = new TaskHead(plan, settings, modelName, backend, grouper, new float[0][]);
        if (settings.labels().isEmpty()) {
            return head;
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
            embeddings[i] = Pooling.normalize(head.embed(new InferenceRequest.Row(output, i, batch.lengths()[i]))
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
            case EMBEDDING -> {
                float[] embedding = embed(row);
                String label = null;
                float score = 0f;
                if (labelEmbeddings.length > 0) {
                    float[] unit = plan.normalize() ? embedding : Pooling.normalize(embedding.clone());
                    int best = nearestLabel(unit);
                    label = settings.labels().get(best);
                    score = dot(unit, labelEmbeddings[best]);
                }
                yield new InferenceOutput(modelName, backend, settings.output().has("embedding") ? embedding : null,
                        label, score, rows, queueMs, runMs);
            }
            case CLASSIFICATION -> {
                double[] scores = plan.activation().apply(row.output().tensor(plan.output()).row(row.index()));
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
                yield InferenceOutput.classification(modelName, backend, plan.labels().get(order[0]),
                        (float) scores[order[0]], topLabels, topScores, rows, queueMs, runMs);
            }
            case TOKEN_CLASSIFICATION -> {
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
                List<EntityGrouper.Entity> found = grouper.group(text, inText, plan.aggregation());
                InferenceOutput.Entity[] entities = new InferenceOutput.Entity[found.size()];
                for (int i = 0; i < entities.length; i++) {
                    EntityGrouper.Entity e = found.get(i);
                    entities[i] = new InferenceOutput.Entity(e.entityGroup(), e.score(), e.word(), e.start(), e.end());
                }
                yield InferenceOutput.entities(modelName, backend, entities, rows, queueMs, runMs);
            }
        };
    }

    /** The sentence embedding of one row, pooled and normalized as the plan says. */
    private float[] embed(InferenceRequest.Row row) {
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
