package io.streamrt.jobs.enrich;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.SimulatedGpu;
import io.streamrt.engine.task.Aggregation;
import io.streamrt.engine.task.Pooling;
import io.streamrt.engine.task.Task;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * Everything the enrich job is told: where it reads and writes (Kafka, topics, fields, delivery) and the inference
 * operator's options ({@link InferenceOptions}, as a Flink configuration). Built with {@link #builder}; every value
 * not set is the documented default.
 *
 * <pre>{@code
 * EnrichConfig config = EnrichConfig.builder("127.0.0.1:9092", "texts", "enriched", "texts-dlq")
 *         .set(InferenceOptions.MAX_BATCH_SIZE, 32)
 *         .bounded(true)
 *         .build();
 * }</pre>
 */
public final class EnrichConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final String inputTopic;
    private final String outputTopic;
    private final String deadLetterTopic;
    private final String groupId;
    private final String textField;
    private final String idField;
    private final String textPairField;
    private final int parallelism;
    private final long checkpointIntervalMs;
    private final Delivery delivery;
    private final StartingOffsets startingOffsets;
    private final boolean bounded;
    private final Map<String, String> kafkaProperties;
    private final Configuration inference;

    EnrichConfig(EnrichConfigBuilder b) {
        this.bootstrapServers = Objects.requireNonNull(b.bootstrapServers, "bootstrapServers");
        this.inputTopic = Objects.requireNonNull(b.inputTopic, "inputTopic");
        this.outputTopic = Objects.requireNonNull(b.outputTopic, "outputTopic");
        this.deadLetterTopic = Objects.requireNonNull(b.deadLetterTopic, "deadLetterTopic");
        this.groupId = Objects.requireNonNull(b.groupId, "groupId");
        this.textField = Objects.requireNonNull(b.textField, "textField");
        this.idField = Objects.requireNonNull(b.idField, "idField");
        this.textPairField = b.textPairField;
        this.parallelism = b.parallelism;
        this.checkpointIntervalMs = b.checkpointIntervalMs;
        this.delivery = Objects.requireNonNull(b.delivery, "delivery");
        this.startingOffsets = Objects.requireNonNull(b.startingOffsets, "startingOffsets");
        this.bounded = b.bounded;
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
        this.inference = new Configuration(b.inference);
        if (inputTopic.equals(outputTopic) || inputTopic.equals(deadLetterTopic) || outputTopic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException("input, output and dead-letter topics must differ, found '" + inputTopic
                    + "', '" + outputTopic + "', '" + deadLetterTopic + "'");
        }
        batching(); // Batching refuses a negative max delay
    }

    /** A configuration reading {@code inputTopic} and writing the other two, everything else at its default. */
    public static EnrichConfigBuilder builder(String bootstrapServers, String inputTopic, String outputTopic,
            String deadLetterTopic) {
        return new EnrichConfigBuilder(bootstrapServers, inputTopic, outputTopic, deadLetterTopic);
    }

    /** The documented defaults for everything but the four required flags. */
    public static EnrichConfig defaults(String bootstrapServers, String inputTopic, String outputTopic,
            String deadLetterTopic) {
        return builder(bootstrapServers, inputTopic, outputTopic, deadLetterTopic).build();
    }

    /** A builder starting from this configuration. */
    public EnrichConfigBuilder toBuilder() {
        return toBuilder(inputTopic, outputTopic, deadLetterTopic);
    }

    /** A builder starting from this configuration, with other topics. */
    public EnrichConfigBuilder toBuilder(String input, String output, String deadLetter) {
        EnrichConfigBuilder b = new EnrichConfigBuilder(bootstrapServers, input, output, deadLetter);
        b.groupId = groupId;
        b.textField = textField;
        b.idField = idField;
        b.textPairField = textPairField;
        b.parallelism = parallelism;
        b.checkpointIntervalMs = checkpointIntervalMs;
        b.delivery = delivery;
        b.startingOffsets = startingOffsets;
        b.bounded = bounded;
        b.kafkaProperties.putAll(kafkaProperties);
        b.inference.addAll(inference);
        return b;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String inputTopic() {
        return inputTopic;
    }

    public String outputTopic() {
        return outputTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** The consumer group, also the prefix of the sinks' transactional ids. */
    public String groupId() {
        return groupId;
    }

    public String textField() {
        return textField;
    }

    public String idField() {
        return idField;
    }

    public int parallelism() {
        return parallelism;
    }

    public long checkpointIntervalMs() {
        return checkpointIntervalMs;
    }

    public Delivery delivery() {
        return delivery;
    }

    public StartingOffsets startingOffsets() {
        return startingOffsets;
    }

    public boolean bounded() {
        return bounded;
    }

    /** Kafka client properties for the source and both sinks. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** The inference operator's options that were set ({@link InferenceOptions} keys); a copy. */
    public Configuration inference() {
        return new Configuration(inference);
    }

    /** One operator option's value: the one set, else its default. */
    public <T> T get(ConfigOption<T> option) {
        return inference.get(option);
    }

    public String model() {
        return inference.get(InferenceOptions.MODEL);
    }

    public String tokenizer() {
        return inference.getOptional(InferenceOptions.TOKENIZER).orElse(null);
    }

    public String engine() {
        return inference.get(InferenceOptions.ENGINE);
    }

    public List<String> labels() {
        return inference.getOptional(InferenceOptions.LABELS).orElse(List.of());
    }

    public int maxBatchSize() {
        return inference.get(InferenceOptions.MAX_BATCH_SIZE);
    }

    public int maxSequenceLength() {
        return inference.get(InferenceOptions.MAX_SEQUENCE_LENGTH);
    }

    public long latencyTargetMs() {
        return inference.get(InferenceOptions.LATENCY_TARGET_MS);
    }

    public int capacity() {
        return inference.get(InferenceOptions.CAPACITY);
    }

    public boolean ordered() {
        return inference.get(InferenceOptions.ORDERED);
    }

    /** What the model is used for and how, with the pair field and the output fields. */
    public ModelTask modelTask() {
        OutputFields output = OutputFields.parse(String.join(",", inference.getOptional(InferenceOptions.OUTPUT_FIELDS)
                .orElse(List.of())), EmbeddingEncoding.parse(inference.get(InferenceOptions.EMBEDDING_ENCODING)));
        return new ModelTask(inference.getOptional(InferenceOptions.TASK).orElse(null),
                inference.getOptional(InferenceOptions.POOLING).orElse(null),
                inference.getOptional(InferenceOptions.AGGREGATION).orElse(null), inference.get(InferenceOptions.PREFIX),
                inference.get(InferenceOptions.TOP_K), textPairField, output);
    }

    public Batching batching() {
        return new Batching(inference.get(InferenceOptions.BATCHING), inference.get(InferenceOptions.MAX_DELAY_MS));
    }

    /** The engine's backend settings: the simulated GPU's time scale and streams where it is the engine. */
    public Map<String, String> engineOptions() {
        return EngineSpec.SIMULATED_GPU.equals(engine())
                ? SimulatedGpu.options(inference.get(InferenceOptions.SIMULATED_TIME_SCALE),
                        inference.get(InferenceOptions.SIMULATED_STREAMS))
                : Map.of();
    }

    public EnrichConfig withBounded(boolean value) {
        return toBuilder().bounded(value).build();
    }

    /** The same with another model (a builtin name or a path to an .onnx file with tokenizer.json beside it). */
    public EnrichConfig withModel(String value) {
        return toBuilder().set(InferenceOptions.MODEL, value).build();
    }

    public EnrichConfig withModelTask(ModelTask value) {
        return toBuilder().modelTask(value).build();
    }

    public EnrichConfig withLabels(List<String> value) {
        return toBuilder().set(InferenceOptions.LABELS, value).build();
    }

    public EnrichConfig withParallelismAndCheckpoints(int parallelismValue, long checkpointMs) {
        return toBuilder().parallelism(parallelismValue).checkpointIntervalMs(checkpointMs).build();
    }

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
            return new ModelTask(null, null, null, InferenceOptions.PREFIX.defaultValue(),
                    InferenceOptions.TOP_K.defaultValue(), null);
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
                + outputTopic + ", deadLetterTopic=" + deadLetterTopic + ", groupId=" + groupId + ", textField="
                + textField + ", idField=" + idField + ", textPairField=" + textPairField + ", parallelism="
                + parallelism + ", checkpointIntervalMs=" + checkpointIntervalMs + ", delivery=" + delivery
                + ", startingOffsets=" + startingOffsets + ", bounded=" + bounded + ", kafkaProperties=" + shown
                + ", inference=" + new TreeMap<>(inference.toMap()) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnrichConfig that && toComparable().equals(that.toComparable());
    }

    @Override
    public int hashCode() {
        return toComparable().hashCode();
    }

    private List<Object> toComparable() {
        return List.of(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, textField, idField,
                Objects.toString(textPairField), parallelism, checkpointIntervalMs, delivery, startingOffsets, bounded,
                kafkaProperties, inference.toMap());
    }
}
