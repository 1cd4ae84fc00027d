package io.streamrt.operators.sql;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.InferenceOptions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The options of a {@code CREATE MODEL ... WITH ('provider' = 'streamrt', ...)}: the {@link InferenceOptions} of the
 * DataStream operator, keyed without their {@code streamrt.} prefix (the prefixed key works too, and so do the
 * {@code enrich} command's flag names, e.g. {@code pooling}, {@code max-batch-size}), with the same defaults and
 * meaning. What the DataStream operator sets with its async options (capacity, timeout, order) and
 * output fields, SQL sets with {@code ML_PREDICT}'s runtime config ({@code max-concurrent-operations},
 * {@code timeout}, {@code output-mode}) and the model's OUTPUT columns.
 *
 * <pre>{@code
 * CREATE MODEL topics INPUT (text STRING) OUTPUT (label STRING, score DOUBLE) WITH (
 *   'provider' = 'streamrt',
 *   'model' = 'builtin:all-minilm-l6-v2-int8',
 *   'labels' = 'sports;politics;technology',
 *   'latency-target-ms' = '50');
 * }</pre>
 */
public final class ModelOptions {

    public static final ConfigOption<String> MODEL = key("model").stringType()
            .defaultValue(InferenceOptions.MODEL.defaultValue()).withDescription(InferenceOptions.MODEL.description())
            .withFallbackKeys(InferenceOptions.MODEL.key());

    public static final ConfigOption<String> TOKENIZER = key("tokenizer").stringType().noDefaultValue()
            .withDescription(InferenceOptions.TOKENIZER.description())
            .withFallbackKeys(InferenceOptions.TOKENIZER.key());

    public static final ConfigOption<String> ENGINE = key("engine").stringType()
            .defaultValue(InferenceOptions.ENGINE.defaultValue()).withDescription(InferenceOptions.ENGINE.description())
            .withFallbackKeys(InferenceOptions.ENGINE.key());

    public static final ConfigOption<Integer> ENGINE_CPU_THREADS = key("engine.cpu-threads").intType()
            .defaultValue(InferenceOptions.ENGINE_CPU_THREADS.defaultValue())
            .withDescription(InferenceOptions.ENGINE_CPU_THREADS.description())
            .withFallbackKeys(InferenceOptions.ENGINE_CPU_THREADS.key());

    public static final ConfigOption<Integer> MAX_BATCH_SIZE = key("batch.max-size-records").intType()
            .defaultValue(InferenceOptions.MAX_BATCH_SIZE.defaultValue())
            .withDescription(InferenceOptions.MAX_BATCH_SIZE.description())
            .withFallbackKeys(InferenceOptions.MAX_BATCH_SIZE.key(), "max-batch-size");

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = key("batch.max-sequence-length-tokens").intType()
            .defaultValue(InferenceOptions.MAX_SEQUENCE_LENGTH.defaultValue())
            .withDescription(InferenceOptions.MAX_SEQUENCE_LENGTH.description())
            .withFallbackKeys(InferenceOptions.MAX_SEQUENCE_LENGTH.key(), "max-sequence-length");

    public static final ConfigOption<Long> TOKEN_BUDGET = key("batch.token-budget-tokens").longType()
            .defaultValue(InferenceOptions.TOKEN_BUDGET.defaultValue())
            .withDescription(InferenceOptions.TOKEN_BUDGET.description())
            .withFallbackKeys(InferenceOptions.TOKEN_BUDGET.key());

    public static final ConfigOption<Long> LATENCY_TARGET_MS = key("latency-target-ms").longType()
            .defaultValue(InferenceOptions.LATENCY_TARGET_MS.defaultValue())
            .withDescription(InferenceOptions.LATENCY_TARGET_MS.description())
            .withFallbackKeys(InferenceOptions.LATENCY_TARGET_MS.key());

    public static final ConfigOption<BatchingMode> BATCHING = key("batch.mode").enumType(BatchingMode.class)
            .defaultValue(InferenceOptions.BATCHING.defaultValue())
            .withDescription(InferenceOptions.BATCHING.description())
            .withFallbackKeys(InferenceOptions.BATCHING.key(), "batching");

    public static final ConfigOption<Long> MAX_DELAY_MS = key("batch.max-delay-ms").longType()
            .defaultValue(InferenceOptions.MAX_DELAY_MS.defaultValue())
            .withDescription(InferenceOptions.MAX_DELAY_MS.description())
            .withFallbackKeys(InferenceOptions.MAX_DELAY_MS.key(), "max-delay-ms");

    public static final ConfigOption<FailurePolicy> ON_FAILURE = key("on-failure").enumType(FailurePolicy.class)
            .defaultValue(InferenceOptions.ON_FAILURE.defaultValue())
            .withDescription("FAIL (default) or DEAD_LETTER, as the operator's streamrt.on-failure. In SQL a "
                    + "DEAD_LETTER row is emitted with NULL results and the reason in its OUTPUT column error STRING, "
                    + "which this policy requires.")
            .withFallbackKeys(InferenceOptions.ON_FAILURE.key());

    public static final ConfigOption<List<String>> LABELS = key("labels").stringType().asList().noDefaultValue()
            .withDescription(InferenceOptions.LABELS.description())
            .withFallbackKeys(InferenceOptions.LABELS.key());

    public static final ConfigOption<String> TASK = key("task").stringType().noDefaultValue()
            .withDescription(InferenceOptions.TASK.description())
            .withFallbackKeys(InferenceOptions.TASK.key());

    public static final ConfigOption<String> POOLING = key("embedding.pooling").stringType().noDefaultValue()
            .withDescription(InferenceOptions.POOLING.description())
            .withFallbackKeys(InferenceOptions.POOLING.key(), "pooling");

    public static final ConfigOption<String> AGGREGATION = key("token-classification.aggregation").stringType()
            .noDefaultValue().withDescription(InferenceOptions.AGGREGATION.description())
            .withFallbackKeys(InferenceOptions.AGGREGATION.key(), "aggregation");

    public static final ConfigOption<String> PREFIX = key("text.prefix").stringType()
            .defaultValue(InferenceOptions.PREFIX.defaultValue()).withDescription(InferenceOptions.PREFIX.description())
            .withFallbackKeys(InferenceOptions.PREFIX.key(), "prefix");

    public static final ConfigOption<Integer> TOP_K = key("classification.top-k").intType()
            .defaultValue(InferenceOptions.TOP_K.defaultValue()).withDescription(InferenceOptions.TOP_K.description())
            .withFallbackKeys(InferenceOptions.TOP_K.key(), "top-k");

    public static final ConfigOption<Double> SIMULATED_TIME_SCALE = key("engine.simulated.time-scale").doubleType()
            .defaultValue(InferenceOptions.SIMULATED_TIME_SCALE.defaultValue())
            .withDescription(InferenceOptions.SIMULATED_TIME_SCALE.description())
            .withFallbackKeys(InferenceOptions.SIMULATED_TIME_SCALE.key(), "simulated-time-scale");

    public static final ConfigOption<Integer> SIMULATED_STREAMS = key("engine.simulated.streams").intType()
            .defaultValue(InferenceOptions.SIMULATED_STREAMS.defaultValue())
            .withDescription(InferenceOptions.SIMULATED_STREAMS.description())
            .withFallbackKeys(InferenceOptions.SIMULATED_STREAMS.key(), "simulated-streams");

    /** Each model option with the operator option it sets. */
    private static final List<Mapped<?>> MAPPED = List.of(
            new Mapped<>(MODEL, InferenceOptions.MODEL),
            new Mapped<>(TOKENIZER, InferenceOptions.TOKENIZER),
            new Mapped<>(ENGINE, InferenceOptions.ENGINE),
            new Mapped<>(ENGINE_CPU_THREADS, InferenceOptions.ENGINE_CPU_THREADS),
            new Mapped<>(MAX_BATCH_SIZE, InferenceOptions.MAX_BATCH_SIZE),
            new Mapped<>(MAX_SEQUENCE_LENGTH, InferenceOptions.MAX_SEQUENCE_LENGTH),
            new Mapped<>(TOKEN_BUDGET, InferenceOptions.TOKEN_BUDGET),
            new Mapped<>(LATENCY_TARGET_MS, InferenceOptions.LATENCY_TARGET_MS),
            new Mapped<>(BATCHING, InferenceOptions.BATCHING),
            new Mapped<>(MAX_DELAY_MS, InferenceOptions.MAX_DELAY_MS),
            new Mapped<>(ON_FAILURE, InferenceOptions.ON_FAILURE),
            new Mapped<>(LABELS, InferenceOptions.LABELS),
            new Mapped<>(TASK, InferenceOptions.TASK),
            new Mapped<>(POOLING, InferenceOptions.POOLING),
            new Mapped<>(AGGREGATION, InferenceOptions.AGGREGATION),
            new Mapped<>(PREFIX, InferenceOptions.PREFIX),
            new Mapped<>(TOP_K, InferenceOptions.TOP_K),
            new Mapped<>(SIMULATED_TIME_SCALE, InferenceOptions.SIMULATED_TIME_SCALE),
            new Mapped<>(SIMULATED_STREAMS, InferenceOptions.SIMULATED_STREAMS));

    private ModelOptions() {}

    /** Every option a {@code streamrt} model accepts. */
    public static Set<ConfigOption<?>> all() {
        return MAPPED.stream().map(Mapped::sql).collect(Collectors.toUnmodifiableSet());
    }

    /** The operator's configuration ({@link InferenceOptions} keys) for the options a model sets. */
    public static Configuration toInferenceOptions(ReadableConfig modelOptions) {
        Configuration conf = new Configuration();
        MAPPED.forEach(mapped -> mapped.copy(modelOptions, conf));
        return conf;
    }

    private record Mapped<V>(ConfigOption<V> sql, ConfigOption<V> inference) {

        void copy(ReadableConfig from, Configuration to) {
            from.getOptional(sql).ifPresent(value -> to.set(inference, value));
        }
    }
}
