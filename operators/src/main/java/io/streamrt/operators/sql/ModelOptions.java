package io.streamrt.operators.sql;

import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.OptionDefinition;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The options of a {@code CREATE MODEL ... WITH ('provider' = 'streamrt', ...)}, derived from the {@link InferenceOptions}
 * of the DataStream operator ({@link OptionDefinition#sqlOption()}): keyed without their {@code streamrt.} prefix (the
 * prefixed key works too, and so do the {@code enrich} command's flag names, e.g. {@code pooling},
 * {@code max-batch-size}), with the same defaults and meaning. What the DataStream operator sets with its async options (capacity, timeout, order) and
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
@PublicEvolving
public final class ModelOptions {

    public static final ConfigOption<String> MODEL = sql(InferenceOptions.MODEL);

    public static final ConfigOption<String> TOKENIZER = sql(InferenceOptions.TOKENIZER);

    public static final ConfigOption<String> ENGINE = sql(InferenceOptions.ENGINE);

    public static final ConfigOption<Integer> ENGINE_CPU_THREADS = sql(InferenceOptions.ENGINE_CPU_THREADS);

    public static final ConfigOption<Integer> MAX_BATCH_SIZE = sql(InferenceOptions.MAX_BATCH_SIZE);

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = sql(InferenceOptions.MAX_SEQUENCE_LENGTH);

    public static final ConfigOption<Long> TOKEN_BUDGET = sql(InferenceOptions.TOKEN_BUDGET);

    public static final ConfigOption<Long> LATENCY_TARGET_MS = sql(InferenceOptions.LATENCY_TARGET_MS);

    public static final ConfigOption<BatchingMode> BATCHING = sql(InferenceOptions.BATCHING);

    public static final ConfigOption<Long> MAX_DELAY_MS = sql(InferenceOptions.MAX_DELAY_MS);

    public static final ConfigOption<FailurePolicy> ON_FAILURE = sql(InferenceOptions.ON_FAILURE);

    public static final ConfigOption<List<String>> LABELS = sql(InferenceOptions.LABELS);

    public static final ConfigOption<String> TASK = sql(InferenceOptions.TASK);

    public static final ConfigOption<String> POOLING = sql(InferenceOptions.POOLING);

    public static final ConfigOption<String> AGGREGATION = sql(InferenceOptions.AGGREGATION);

    public static final ConfigOption<String> PREFIX = sql(InferenceOptions.PREFIX);

    public static final ConfigOption<Integer> TOP_K = sql(InferenceOptions.TOP_K);

    public static final ConfigOption<Double> SIMULATED_TIME_SCALE = sql(InferenceOptions.SIMULATED_TIME_SCALE);

    public static final ConfigOption<Integer> SIMULATED_STREAMS = sql(InferenceOptions.SIMULATED_STREAMS);

    private ModelOptions() {}

    /** Every option a {@code streamrt} model accepts. */
    public static Set<ConfigOption<?>> all() {
        return InferenceOptions.definitions().stream()
                .filter(d -> d.notOffered(OptionDefinition.Surface.SQL).isEmpty())
                .map(OptionDefinition::sqlOption)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The operator's configuration ({@link InferenceOptions} keys) for the options a model sets. */
    public static Configuration toInferenceOptions(ReadableConfig modelOptions) {
        Configuration conf = new Configuration();
        InferenceOptions.definitions().stream()
                .filter(d -> d.notOffered(OptionDefinition.Surface.SQL).isEmpty())
                .forEach(d -> copy(d, modelOptions, conf));
        return conf;
    }

    private static <T> void copy(OptionDefinition<T> definition, ReadableConfig from, Configuration to) {
        from.getOptional(definition.sqlOption()).ifPresent(value -> to.set(definition.option(), value));
    }

    private static <T> ConfigOption<T> sql(ConfigOption<T> option) {
        return InferenceOptions.definition(option).sqlOption();
    }
}
