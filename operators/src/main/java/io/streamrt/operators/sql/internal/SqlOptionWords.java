package io.streamrt.operators.sql.internal;

import io.streamrt.engine.OptionWords;
import io.streamrt.operators.sql.ModelOptions;
import org.apache.flink.configuration.ConfigOption;

/**
 * A SQL model's {@code WITH} options as model and engine errors name them, e.g. {@code 'embedding.pooling' = 'cls'}
 * where the command line says {@code --pooling cls}.
 *
 * <pre>{@code
 * SqlOptionWords.INSTANCE.set(OptionWords.Option.ENGINE, "auto");   // 'engine' = 'auto'
 * }</pre>
 */
enum SqlOptionWords implements OptionWords {
    INSTANCE;

    @Override
    public String name(Option option) {
        return "'" + key(option).key() + "'";
    }

    @Override
    public String set(Option option, String value) {
        return name(option) + " = '" + value + "'";
    }

    private static ConfigOption<?> key(Option option) {
        return switch (option) {
            case MODEL -> ModelOptions.MODEL;
            case TOKENIZER -> ModelOptions.TOKENIZER;
            case ENGINE -> ModelOptions.ENGINE;
            case TASK -> ModelOptions.TASK;
            case POOLING -> ModelOptions.POOLING;
            case AGGREGATION -> ModelOptions.AGGREGATION;
        };
    }
}
