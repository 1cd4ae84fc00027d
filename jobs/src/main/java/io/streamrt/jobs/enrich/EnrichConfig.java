package io.streamrt.jobs.enrich;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.task.Aggregation;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.BatchingMode;
import io.streamrt.serde.OutputFields;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything the enrich job is told, as the {@code enrich} command's flags say it.
 *
 * <pre>{@code
 * EnrichConfig config = EnrichConfig.defaults("127.0.0.1:9092", "texts", "enriched", "texts-dlq")
 *         .withBounded(true);
 * }</pre>
 */
public record EnrichConfig(
        String bootstrapServers,
        String inputTopic,
        String outputTopic,
        String deadLetterTopic,
        String groupId,
        String model,
        String tokenizer,
        String engine,
        String textField,
        String idField,
        List<String> labels,
        int maxBatchSize,
        int maxSequenceLength,
        long latencyTargetMs,
        int capacity,
        boolean ordered,
        int parallelism,
        long checkpointIntervalMs,
        Delivery delivery,
        StartingOffsets startingOffsets,
        boolean bounded,
        Map<String, String> kafkaProperties,
        ModelTask modelTask,
        Batching batching,
        Map<String, String> engineOptions) implements Serializable {

    /**
     * How the operator forms batches ({@code --batching}, {@code --max-delay-ms}).
     *
     * @param mode adaptive (StreamRT's scheduler, the default) or static (fixed size and wait, first in first out)
     * @param maxDelayMs static only: the longest a record waits for its batch to fill
     */
    public record Batching(BatchingMode mode, long maxDelayMs) implements Serializable {

        public Batching {
            Objects.requireNonNull(mode, "mode");
            if (maxDelayMs < 0) {
                throw new IllegalArgumentException("max delay must be 0 ms or more, found " + maxDelayMs);
            }
        }

        /** Adaptive, and 10 ms for static. */
        public static Batching defaults() {
            return new Batching(BatchingMode.ADAPTIVE, 10);
        }
    }

    /** As the canonical constructor, with the default batching. */
    public EnrichConfig(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            String groupId, String model, String tokenizer, String engine, String textField, String idField,
            List<String> labels, int maxBatchSize, int maxSequenceLength, long latencyTargetMs, int capacity,
            boolean ordered, int parallelism, long checkpointIntervalMs, Delivery delivery,
            StartingOffsets startingOffsets, boolean bounded, Map<String, String> kafkaProperties,
            ModelTask modelTask) {
        this(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer, engine, textField,
                idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered, parallelism,
                checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                Batching.defaults(), Map.of());
    }

    /** As the canonical constructor, without engine options. */
    public EnrichConfig(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            String groupId, String model, String tokenizer, String engine, String textField, String idField,
            List<String> labels, int maxBatchSize, int maxSequenceLength, long latencyTargetMs, int capacity,
            boolean ordered, int parallelism, long checkpointIntervalMs, Delivery delivery,
            StartingOffsets startingOffsets, boolean bounded, Map<String, String> kafkaProperties,
            ModelTask modelTask, Batching batching) {
        this(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer, engine, textField,
                idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered, parallelism,
                checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask, batching,
                Map.of());
    }

    /**
     * What the model is used for and how, as {@code --task}, {@code --pooling}, {@code --aggregation},
     * {@code --prefix}, {@code --top-k} and {@code --text-pair-field} say; null strings mean "detect from the model".
     *
     * @param task {@code embedding}, {@code classification}, {@code token-classification}, or null
     * @param pooling {@code cls}, {@code mean}, ... or null
     * @param aggregation {@code simple}, {@code first}, {@code average}, {@code max}, or null
     * @param prefix prepended to every text before tokenizing; empty for none
     * @param topK classification: how many labels' scores to emit; 0 for none
     * @param textPairField the JSON field holding the second text of a pair; null for single texts
     * @param output which {@code inference} fields are written ({@code --output-fields}) and how the embedding is
     *     encoded ({@code --embedding-encoding})
     */
    public record ModelTask(String task, String pooling, String aggregation, String prefix, int topK,
            String textPairField, OutputFields output) implements Serializable {

        /** Every field the task gives, the embedding as JSON numbers. */
        public ModelTask(String task, String pooling, String aggregation, String prefix, int topK,
                String textPairField) {
            this(task, pooling, aggregation, prefix, topK, textPairField, OutputFields.all());
        }

        /** Everything detected from the model; single texts. */
        public static ModelTask detect() {
            return new ModelTask(null, null, null, "", 0, null);
        }

        /** The same task, writing the output as {@code value} says. */
        public ModelTask withOutput(OutputFields value) {
            return new ModelTask(task, pooling, aggregation, prefix, topK, textPairField, value);
        }

        /** The choices as the engine's task planner takes them. */
        public TaskPlan.Choices choices() {
            return new TaskPlan.Choices(task == null ? null : Task.of(task), pooling == null ? null
                    : Pooling.of(pooling), aggregation == null ? null : Aggregation.of(aggregation));
        }
    }

    /** As the canonical constructor, the model's task detected and single texts. */
    public EnrichConfig(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            String groupId, String model, String tokenizer, String engine, String textField, String idField,
            List<String> labels, int maxBatchSize, int maxSequenceLength, long latencyTargetMs, int capacity,
            boolean ordered, int parallelism, long checkpointIntervalMs, Delivery delivery,
            StartingOffsets startingOffsets, boolean bounded, Map<String, String> kafkaProperties) {
        this(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer, engine, textField,
                idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered, parallelism,
                checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, ModelTask.detect());
    }

    /** An enum value as the command line spells it. */
    public interface FlagValue {
        String flag();
    }

    /** How records reach the output and dead-letter topics. */
    public enum Delivery implements FlagValue {
        /** Transactional sinks committed on checkpoints; consumers use {@code isolation.level=read_committed}. */
        EXACTLY_ONCE("exactly-once"),
        /** Flushed on checkpoints; a failure may write some records twice. */
        AT_LEAST_ONCE("at-least-once");

        private final String flag;

        Delivery(String flag) {
            this.flag = flag;
        }

        @Override
        public String flag() {
            return flag;
        }
    }

    /** Where a job without a checkpoint to restore starts reading. */
    public enum StartingOffsets implements FlagValue {
        EARLIEST("earliest"),
        LATEST("latest"),
        /** The group's committed offsets; earliest where it has none. */
        COMMITTED("committed");

        private final String flag;

        StartingOffsets(String flag) {
            this.flag = flag;
        }

        @Override
        public String flag() {
            return flag;
        }
    }

    public EnrichConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(inputTopic, "inputTopic");
        Objects.requireNonNull(outputTopic, "outputTopic");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        labels = List.copyOf(labels);
        kafkaProperties = Map.copyOf(kafkaProperties);
        Objects.requireNonNull(modelTask, "modelTask");
        Objects.requireNonNull(batching, "batching");
        engineOptions = Map.copyOf(engineOptions);
        if (inputTopic.equals(outputTopic) || inputTopic.equals(deadLetterTopic) || outputTopic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException("input, output and dead-letter topics must differ, found '" + inputTopic
                    + "', '" + outputTopic + "', '" + deadLetterTopic + "'");
        }
    }

    /** The documented defaults for everything but the four required flags. */
    public static EnrichConfig defaults(String bootstrapServers, String inputTopic, String outputTopic,
            String deadLetterTopic) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, "streamrt-enrich",
                ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, "text", "id", List.of(), 64, 128, 100, 256,
                false, 0, 5000, Delivery.EXACTLY_ONCE, StartingOffsets.EARLIEST, false, Map.of());
    }

    public EnrichConfig withBounded(boolean value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, value, kafkaProperties, modelTask,
                batching, engineOptions);
    }

    /** The same with another model (a builtin name or a path to an .onnx file with tokenizer.json beside it). */
    public EnrichConfig withModel(String value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, value, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                batching, engineOptions);
    }

    public EnrichConfig withModelTask(ModelTask value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, value,
                batching, engineOptions);
    }

    public EnrichConfig withBatching(Batching value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                value, engineOptions);
    }

    /** The same with backend settings for the engine (e.g. {@link io.streamrt.engine.SimulatedGpu#options}). */
    public EnrichConfig withEngineOptions(Map<String, String> value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                batching, value);
    }

    public EnrichConfig withLabels(List<String> value) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, value, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                batching, engineOptions);
    }

    public EnrichConfig withParallelismAndCheckpoints(int parallelismValue, long checkpointMs) {
        return new EnrichConfig(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, model, tokenizer,
                engine, textField, idField, labels, maxBatchSize, maxSequenceLength, latencyTargetMs, capacity, ordered,
                parallelismValue, checkpointMs, delivery, startingOffsets, bounded, kafkaProperties, modelTask,
                batching, engineOptions);
    }
    /** Kafka client settings whose values are secrets: never printed. */
    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i).*(password|secret|jaas|token|credential|key\\.pem|keystore\\.key).*");

    /**
     * The configuration with the values of secret Kafka settings (passwords, JAAS configs, tokens, keys) shown as
     * {@code [hidden]}: safe for logs and error messages.
     */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        kafkaProperties.forEach((key, value) -> shown.put(key, SECRET_KEY.matcher(key).matches() ? "[hidden]" : value));
        return "EnrichConfig[bootstrapServers=" + bootstrapServers + ", inputTopic=" + inputTopic + ", outputTopic="
                + outputTopic + ", deadLetterTopic=" + deadLetterTopic + ", groupId=" + groupId + ", model=" + model
                + ", tokenizer=" + tokenizer + ", engine=" + engine + ", textField=" + textField + ", idField="
                + idField + ", labels=" + labels + ", maxBatchSize=" + maxBatchSize + ", maxSequenceLength="
                + maxSequenceLength + ", latencyTargetMs=" + latencyTargetMs + ", capacity=" + capacity
                + ", ordered=" + ordered + ", parallelism=" + parallelism + ", checkpointIntervalMs="
                + checkpointIntervalMs + ", delivery=" + delivery + ", startingOffsets=" + startingOffsets
                + ", bounded=" + bounded + ", kafkaProperties=" + shown + ", modelTask=" + modelTask + ", batching="
                + batching + ", engineOptions=" + engineOptions + "]";
    }
}
