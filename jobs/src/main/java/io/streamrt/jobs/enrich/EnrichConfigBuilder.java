package io.streamrt.jobs.enrich;

import io.streamrt.operators.InferenceOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Builds an {@link EnrichConfig}: the four required settings first, everything else at its documented default
 * until set; checks in {@link #build()}.
 *
 * <pre>{@code
 * EnrichConfig config = EnrichConfig.builder("127.0.0.1:9092", "texts", "enriched", "texts-dlq")
 *         .set(InferenceOptions.MAX_BATCH_SIZE, 32)
 *         .bounded(true)
 *         .build();
 * }</pre>
 */
public final class EnrichConfigBuilder {

    final String bootstrapServers;
    final String inputTopic;
    final String outputTopic;
    final String deadLetterTopic;
    String groupId = "streamrt-enrich";
    String textField = "text";
    String idField = "id";
    String textPairField;
    int parallelism;
    long checkpointIntervalMs = 5000;
    EnrichConfig.Delivery delivery = EnrichConfig.Delivery.EXACTLY_ONCE;
    EnrichConfig.StartingOffsets startingOffsets = EnrichConfig.StartingOffsets.EARLIEST;
    boolean bounded;
    final Map<String, String> kafkaProperties = new LinkedHashMap<>();
    final Configuration inference = new Configuration();

    EnrichConfigBuilder(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.inputTopic = Objects.requireNonNull(inputTopic, "inputTopic");
        this.outputTopic = Objects.requireNonNull(outputTopic, "outputTopic");
        this.deadLetterTopic = Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    }

    public EnrichConfigBuilder groupId(String value) {
        this.groupId = Objects.requireNonNull(value, "groupId");
        return this;
    }

    public EnrichConfigBuilder textField(String value) {
        this.textField = Objects.requireNonNull(value, "textField");
        return this;
    }

    public EnrichConfigBuilder idField(String value) {
        this.idField = Objects.requireNonNull(value, "idField");
        return this;
    }

    /** The JSON field holding the second text of a pair; null for single texts. */
    public EnrichConfigBuilder textPairField(String value) {
        this.textPairField = value;
        return this;
    }

    /** The job's parallelism; 0 keeps the environment's. */
    public EnrichConfigBuilder parallelism(int value) {
        this.parallelism = value;
        return this;
    }

    public EnrichConfigBuilder checkpointIntervalMs(long value) {
        this.checkpointIntervalMs = value;
        return this;
    }

    public EnrichConfigBuilder delivery(EnrichConfig.Delivery value) {
        this.delivery = Objects.requireNonNull(value, "delivery");
        return this;
    }

    public EnrichConfigBuilder startingOffsets(EnrichConfig.StartingOffsets value) {
        this.startingOffsets = Objects.requireNonNull(value, "startingOffsets");
        return this;
    }

    public EnrichConfigBuilder bounded(boolean value) {
        this.bounded = value;
        return this;
    }

    /** Kafka client properties for the source and both sinks (replacing any set before). */
    public EnrichConfigBuilder kafkaProperties(Map<String, String> value) {
        kafkaProperties.clear();
        kafkaProperties.putAll(Objects.requireNonNull(value, "kafkaProperties"));
        return this;
    }

    /** Sets one operator option. */
    public <T> EnrichConfigBuilder set(ConfigOption<T> option, T value) {
        inference.set(Objects.requireNonNull(option, "option"), Objects.requireNonNull(value, option.key()));
        return this;
    }

    /** Sets every operator option {@code options} holds ({@link InferenceOptions} keys). */
    public EnrichConfigBuilder inference(ReadableConfig options) {
        InferenceOptions.definitions().forEach(d -> copy(d.option(), options));
        return this;
    }

    /** The task, its choices, the pair field and the output fields, as {@code task} says. */
    public EnrichConfigBuilder modelTask(EnrichConfig.ModelTask task) {
        Objects.requireNonNull(task, "task");
        setOrRemove(InferenceOptions.TASK, task.task());
        setOrRemove(InferenceOptions.POOLING, task.pooling());
        setOrRemove(InferenceOptions.AGGREGATION, task.aggregation());
        inference.set(InferenceOptions.PREFIX, task.prefix());
        inference.set(InferenceOptions.TOP_K, task.topK());
        setOrRemove(InferenceOptions.OUTPUT_FIELDS, task.output().fields().isEmpty() ? null
                : task.output().names());
        inference.set(InferenceOptions.EMBEDDING_ENCODING, task.output().embeddingEncoding().id());
        this.textPairField = task.textPairField();
        return this;
    }

    /**
     * @throws IllegalArgumentException when two topics are the same or the static max delay is negative
     */
    public EnrichConfig build() {
        return new EnrichConfig(this);
    }

    private <T> void copy(ConfigOption<T> option, ReadableConfig from) {
        from.getOptional(option).ifPresent(value -> inference.set(option, value));
    }

    private <T> void setOrRemove(ConfigOption<T> option, T value) {
        if (value == null) {
            inference.removeConfig(option);
        } else {
            inference.set(option, value);
        }
    }
}
