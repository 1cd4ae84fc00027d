package io.streamrt.engine.task;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import io.streamrt.engine.onnx.ModelSignature.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What StreamRT does with a model's outputs, decided once from its config files ({@link ModelConfig}), its outputs
 * and the user's choices: the task, the output it reads, and the task's settings. The same decision is taken where
 * a job is submitted (to refuse a model that cannot serve, before anything starts, and to print what was decided)
 * and where the engine opens.
 *
 * <pre>{@code
 * TaskPlan plan = TaskPlan.plan("bge", ModelConfig.read(files), checked.outputs(), TaskPlan.Choices.detect());
 * plan.describe();   // "task embedding (no head in config.json), output last_hidden_state ..., pooling cls ..."
 * }</pre>
 *
 * @param task what the model is used for
 * @param output the engine output the task reads
 * @param pooling for an embedding from a hidden state: how it is pooled; null when the model outputs a pooled
 *     embedding, and for the other tasks
 * @param normalize for an embedding: whether it is scaled to unit length
 * @param labels for a classifier: its labels, by id
 * @param activation for a classifier: softmax, sigmoid or none
 * @param aggregation for token classification: how tags become entities
 * @param decisions what was found and decided, one phrase each, for the printed configuration
 */
public record TaskPlan(Task task, String output, Pooling pooling, boolean normalize, List<String> labels,
        Activation activation, Aggregation aggregation, List<SettingText> decisions) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Architectures StreamRT cannot serve, by the suffix of their name, and why. */
    private static final List<String[]> UNSERVABLE = List.of(
            new String[] {"ForCausalLM", "a decoder-only language model"},
            new String[] {"LMHeadModel", "a decoder-only language model"},
            new String[] {"ForConditionalGeneration", "a sequence-to-sequence model"},
            new String[] {"Seq2SeqLM", "a sequence-to-sequence model"},
            new String[] {"ForMaskedLM", "a masked language model (export the base model, AutoModel, for embeddings)"},
            new String[] {"ForQuestionAnswering", "a question-answering model"},
            new String[] {"ForMultipleChoice", "a multiple-choice model"},
            new String[] {"ForPreTraining", "a pre-training model"});

    private static final Set<String> FLOAT = Set.of("float32", "float16");

    public TaskPlan {
        labels = List.copyOf(labels);
        decisions = List.copyOf(decisions);
    }

    /**
     * What the user chose; a null field means "detect it".
     *
     * @param task {@code --task}, SQL's {@code 'task'}
     * @param pooling {@code --pooling}, SQL's {@code 'embedding.pooling'}
     * @param aggregation {@code --aggregation}, SQL's {@code 'token-classification.aggregation'}
     */
    public record Choices(Task task, Pooling pooling, Aggregation aggregation) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Everything detected from the model. */
        public static Choices detect() {
            return new Choices(null, null, null);
        }
    }

    /**
     * Decides the task and its settings.
     *
     * @param model the model's name, for messages
     * @param outputs the model's float outputs (from the file or the engine)
     * @throws ModelRejectedException when the model cannot serve the task, naming what was expected and found
     */
    public static TaskPlan plan(String model, ModelConfig config, List<Tensor> outputs, Choices choices) {
        for (String architecture : config.architectures()) {
            for (String[] unservable : UNSERVABLE) {
                if (architecture.endsWith(unservable[0])) {
                    throw new ModelRejectedException("model '" + model + "' is a " + architecture + ", "
                            + unservable[1] + " (config.json architectures): StreamRT serves encoders (embeddings, "
                            + "sequence and token classification); expected a *Model, *ForSequenceClassification or "
                            + "*ForTokenClassification architecture");
                }
            }
        }
        List<SettingText> decisions = new ArrayList<>();
        Task task = choices.task();
        if (task != null) {
            decisions.add(SettingText.of("task " + task.id() + " (").name(Setting.TASK).then(")"));
        } else {
            task = detect(config, outputs, decisions);
        }
        return switch (task) {
            case EMBEDDING -> embedding(model, config, outputs, choices, decisions);
            case CLASSIFICATION -> classification(model, config, outputs, decisions);
            case TOKEN_CLASSIFICATION -> tokenClassification(model, config, outputs, choices, decisions);
        };
    }

    private static Task detect(ModelConfig config, List<Tensor> outputs, List<SettingText> decisions) {
        for (String architecture : config.architectures()) {
            if (architecture.endsWith("ForSequenceClassification")) {
                note(decisions, "task classification (config.json architectures " + architecture + ")");
                return Task.CLASSIFICATION;
            }
            if (architecture.endsWith("ForTokenClassification")) {
                note(decisions, "task token-classification (config.json architectures " + architecture + ")");
                return Task.TOKEN_CLASSIFICATION;
            }
        }
        Tensor logits = named(outputs, "logits");
        if (config.architectures().isEmpty() && logits != null) {
            Task task = logits.rank() == 3 ? Task.TOKEN_CLASSIFICATION : Task.CLASSIFICATION;
            note(decisions, "task " + task.id() + " (no architectures in a config.json; the model outputs " + logits
                    + ")");
            return task;
        }
        note(decisions, "task embedding (" + (config.architectures().isEmpty() ? "no classification head"
                : "config.json architectures " + config.architectures()) + ")");
        return Task.EMBEDDING;
    }

    private static TaskPlan embedding(String model, ModelConfig config, List<Tensor> outputs, Choices choices,
            List<SettingText> decisions) {
        Tensor pooled = named(outputs, EncoderContract.POOLED_EMBEDDING);
        if (choices.pooling() == null && pooled != null && pooled.rank() == 2) {
            note(decisions, "output " + pooled + ", pooled by the model");
            note(decisions, normalization(config));
            return new TaskPlan(Task.EMBEDDING, pooled.name(), null, config.normalize(), List.of(), null, null,
                    decisions);
        }
        Tensor hidden = named(outputs, "last_hidden_state");
        if (hidden == null || hidden.rank() != 3) {
            hidden = named(outputs, "token_embeddings");
        }
        if (hidden == null || hidden.rank() != 3) {
            hidden = outputs.stream().filter(o -> o.rank() == 3 && FLOAT.contains(o.type())).findFirst()
                    .orElse(null);
        }
        if (hidden == null || hidden.shape()[2] < 1) {
            throw new ModelRejectedException(SettingText.of("model '" + model + "' cannot give an embedding: "
                    + "expected a float output [batch, sequence, hidden] with a fixed hidden size (the last hidden "
                    + "state) or a pooled sentence_embedding [batch, hidden], found " + outputs
                    + (config.architectures().isEmpty() ? "" : " (config.json architectures "
                    + config.architectures() + ")") + "; set ").name(Setting.TASK)
                    .then(" to what the model does, or export its base model (AutoModel) for embeddings"));
        }
        Pooling pooling = choices.pooling();
        if (pooling != null) {
            decisions.add(SettingText.of("pooling " + pooling.id() + " (").name(Setting.POOLING).then(")"));
        } else if (config.pooling() != null) {
            pooling = config.pooling();
            note(decisions, "pooling " + pooling.id() + (config.files().isEmpty() ? " (as the builtins are)"
                    : " (1_Pooling/config.json)"));
        } else {
            pooling = Pooling.MEAN;
            note(decisions, "pooling mean (" + (config.files().isEmpty() && config.normalize() ? "the builtin's"
                    : "the default: no 1_Pooling/config.json") + ")");
        }
        note(decisions, "output " + hidden);
        note(decisions, normalization(config));
        return new TaskPlan(Task.EMBEDDING, hidden.name(), pooling, config.normalize(), List.of(), null, null,
                decisions);
    }

    private static TaskPlan classification(String model, ModelConfig config, List<Tensor> outputs,
            List<SettingText> decisions) {
        Tensor logits = logits(outputs, 2);
        if (logits == null) {
            throw new ModelRejectedException("model '" + model + "' cannot classify: expected a float output logits "
                    + "[batch, labels] with a fixed number of labels, found " + outputs
                    + "; export it with its classification head (optimum-cli export onnx --task text-classification)");
        }
        List<String> labels = labels(model, config, logits, decisions);
        Activation activation = Activation.forClassifier(config.problemType(), labels.size());
        note(decisions, "scores " + activation.name().toLowerCase(Locale.ROOT) + " (" + (config.problemType().isEmpty()
                ? labels.size() + " label" + (labels.size() == 1 ? "" : "s") : "problem_type " + config.problemType())
                + ")");
        return new TaskPlan(Task.CLASSIFICATION, logits.name(), null, false, labels, activation, null, decisions);
    }

    private static TaskPlan tokenClassification(String model, ModelConfig config, List<Tensor> outputs,
            Choices choices, List<SettingText> decisions) {
        Tensor logits = logits(outputs, 3);
        if (logits == null) {
            throw new ModelRejectedException("model '" + model + "' cannot tag tokens: expected a float output "
                    + "logits [batch, sequence, labels] with a fixed number of labels, found " + outputs
                    + "; export it with its head (optimum-cli export onnx --task token-classification)");
        }
        List<String> labels = labels(model, config, logits, decisions);
        Aggregation aggregation = choices.aggregation() == null ? Aggregation.SIMPLE : choices.aggregation();
        decisions.add(choices.aggregation() == null
                ? SettingText.of("aggregation " + aggregation.id() + " (the default)")
                : SettingText.of("aggregation " + aggregation.id() + " (").name(Setting.AGGREGATION).then(")"));
        return new TaskPlan(Task.TOKEN_CLASSIFICATION, logits.name(), null, false, labels, Activation.SOFTMAX,
                aggregation, decisions);
    }

    /** The output named logits if it has {@code rank}, else the first output that has; null if it has no labels. */
    private static Tensor logits(List<Tensor> outputs, int rank) {
        Tensor logits = named(outputs, "logits");
        if (logits == null || logits.rank() != rank) {
            logits = outputs.stream().filter(o -> o.rank() == rank).findFirst().orElse(null);
        }
        return logits == null || logits.shape()[rank - 1] < 1 ? null : logits;
    }

    /** The labels of {@code logits}' last dimension (id2label, else LABEL_i); notes the output and the labels. */
    private static List<String> labels(String model, ModelConfig config, Tensor logits, List<SettingText> decisions) {
        int width = (int) logits.shape()[logits.rank() - 1];
        List<String> labels = config.labels();
        if (labels.isEmpty()) {
            labels = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                labels.add("LABEL_" + i);
            }
        } else if (labels.size() != width) {
            throw new ModelRejectedException("model '" + model + "' has " + labels.size() + " labels in "
                    + "config.json's id2label " + labels + " but its logits have " + width
                    + ": expected as many labels as logits; fix id2label or export the matching model");
        }
        note(decisions, "output " + logits);
        note(decisions, "labels " + labels + (config.labels().isEmpty() ? " (no id2label in config.json)"
                : " (config.json id2label)"));
        return labels;
    }

    private static String normalization(ModelConfig config) {
        if (!config.normalize()) {
            return "not normalized (no Normalize step in modules.json)";
        }
        return "normalized (" + (config.files().isEmpty() ? "as the builtins are" : "modules.json has a Normalize step")
                + ")";
    }

    private static Tensor named(List<Tensor> outputs, String name) {
        return outputs.stream().filter(o -> o.name().equals(name) && FLOAT.contains(o.type())).findFirst()
                .orElse(null);
    }

    private static void note(List<SettingText> decisions, String decision) {
        decisions.add(SettingText.of(decision));
    }

    /** The decisions as one line, for logs. */
    public String describe() {
        return String.join(", ", decisions.stream().map(SettingText::toString).toList());
    }

    /** The decisions as one line, the settings the user chose named in {@code writer}'s words. */
    public String describe(SettingText.Writer writer) {
        return String.join(", ", decisions.stream().map(d -> d.write(writer)).toList());
    }
}
