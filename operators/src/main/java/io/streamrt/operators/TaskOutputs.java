package io.streamrt.operators;

import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import io.streamrt.engine.task.Task;
import io.streamrt.serde.OutputFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.annotation.Internal;

/**
 * What each task gives and whether the asked-for results fit it: one rule, used by the DataStream builder, the
 * operator's open, the SQL factory and the {@code enrich} command, each wording the problem in its own terms
 * ({@link Words}).
 *
 * <pre>{@code
 * if (!TaskOutputs.missing(output, Task.EMBEDDING, false, 0).isEmpty()) {
 *     throw new IllegalArgumentException(TaskOutputs.missingMessage(output, Task.EMBEDDING, false, 0, Words.BUILDER));
 * }
 * }</pre>
 */
@Internal
public final class TaskOutputs {

    /** Whose words a message uses for the settings that fix it. */
    public enum Words {
        /** The DataStream builder's methods, e.g. {@code topK(3)}. */
        BUILDER("topK(3)", "labels(...)", BuilderWords.INSTANCE),
        /** The command line's flags, e.g. {@code --top-k 3}. */
        COMMAND_LINE("--top-k 3", "--labels", CommandLineWords.INSTANCE);

        private final String topK;
        private final String labels;
        private final SettingText.Writer options;

        Words(String topK, String labels, SettingText.Writer options) {
            this.topK = topK;
            this.labels = labels;
            this.options = options;
        }

        /** How model and engine errors name the settings that fix them, in these words. */
        public SettingText.Writer options() {
            return options;
        }
    }

    /** The builder's methods, e.g. {@code engine("onnxruntime")} or {@code task(Task.EMBEDDING)}. */
    private enum BuilderWords implements SettingText.Writer {
        INSTANCE;

        @Override
        public String name(Setting setting) {
            return method(setting) + "(...)";
        }

        @Override
        public String set(Setting setting, String value) {
            return method(setting) + "(" + switch (setting) {
                case TASK -> "Task." + constant(value);
                case POOLING -> "Pooling." + constant(value);
                case AGGREGATION -> "Aggregation." + constant(value);
                default -> "\"" + value + "\"";
            } + ")";
        }

        private static String method(Setting setting) {
            return setting.id();
        }

        private static String constant(String id) {
            return id.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    /** The command line's flags: each setting's flag is its id, e.g. {@code --pooling}. */
    private enum CommandLineWords implements SettingText.Writer {
        INSTANCE;

        @Override
        public String name(Setting setting) {
            return "--" + setting.id();
        }

        @Override
        public String set(Setting setting, String value) {
            return name(setting) + " " + value;
        }
    }

    private TaskOutputs() {}

    /**
     * The result fields a task gives: {@code model}, {@code engine}, {@code batch_size}, {@code queue_ms} and
     * {@code infer_ms} always; an embedding model {@code embedding} (and {@code label}, {@code score} with zero-shot
     * labels); a classifier {@code label}, {@code score} (and {@code scores} with top-k); a token classifier
     * {@code entities}.
     */
    public static List<String> given(Task task, boolean zeroShotLabels, int topK) {
        List<String> given = new ArrayList<>(List.of("model", "engine"));
        switch (task) {
            case EMBEDDING -> {
                given.add("embedding");
                if (zeroShotLabels) {
                    given.addAll(List.of("label", "score"));
                }
            }
            case CLASSIFICATION -> {
                given.addAll(List.of("label", "score"));
                if (topK > 0) {
                    given.add("scores");
                }
            }
            case TOKEN_CLASSIFICATION -> given.add("entities");
        }
        given.addAll(List.of("batch_size", "queue_ms", "infer_ms"));
        return given;
    }

    /** The chosen output fields that {@code task} does not give; empty when all are given. */
    public static List<String> missing(OutputFields output, Task task, boolean zeroShotLabels, int topK) {
        List<String> given = given(task, zeroShotLabels, topK);
        return output.fields().isEmpty() ? List.of()
                : output.names().stream().filter(f -> !given.contains(f)).toList();
    }

    /** Whether zero-shot labels, when given, suit a model used for {@code task}: they work on embeddings only. */
    public static boolean labelsFit(Task task, boolean zeroShotLabels) {
        return !zeroShotLabels || task == Task.EMBEDDING;
    }

    /** Says which chosen output fields the task does not give, what it gives, and how to get the rest. */
    public static String missingMessage(OutputFields output, Task task, boolean zeroShotLabels, int topK,
            Words words) {
        List<String> missing = missing(output, task, zeroShotLabels, topK);
        String hint = missing.contains("scores") && task == Task.CLASSIFICATION && topK == 0
                ? " (scores needs top-k, e.g. " + words.topK + ")"
                : (missing.contains("label") || missing.contains("score")) && task == Task.EMBEDDING
                        ? " (an embedding model gives label and score with zero-shot labels, " + words.labels + ")"
                        : "";
        return "output fields " + missing + " are not given by the " + task.id() + " task, which gives "
                + String.join(", ", given(task, zeroShotLabels, topK)) + hint;
    }

    /**
     * Says that zero-shot labels were given to a model used for another task, and what to do.
     *
     * @param plan how the model is used (its task plan, described)
     */
    public static String labelsNeedEmbeddings(String model, Task task, String plan, Words words) {
        return "zero-shot labels (" + words.labels + ") work on embeddings, but model '" + model + "' is used for "
                + task.id() + " (" + plan + "): drop the labels, or " + (words == Words.BUILDER ? "set " : "pass ")
                + words.options.set(Setting.TASK, "embedding");
    }
}
