package io.streamrt.operators.sql.internal;

import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import io.streamrt.operators.sql.ModelOptions;
import org.apache.flink.configuration.ConfigOption;

/**
 * A SQL model's {@code WITH} options as model and engine errors name them, e.g. {@code 'embedding.pooling' = 'cls'}
 * where the command line says {@code --pooling cls}.
 *
 * <pre>{@code
 * SqlOptionWords.INSTANCE.set(Setting.ENGINE, "auto");   // 'engine' = 'auto'
 * }</pre>
 */
enum SqlOptionWords implements SettingText.Writer {
    INSTANCE;

    @Override
    public String name(Setting setting) {
        return "'" + key(setting).key() + "'";
    }

    @Override
    public String set(Setting setting, String value) {
        return name(setting) + " = '" + value + "'";
    }

    private static ConfigOption<?> key(Setting setting) {
        return switch (setting) {
            case MODEL -> ModelOptions.MODEL;
            case TOKENIZER -> ModelOptions.TOKENIZER;
            case ENGINE -> ModelOptions.ENGINE;
            case TASK -> ModelOptions.TASK;
            case POOLING -> ModelOptions.POOLING;
            case AGGREGATION -> ModelOptions.AGGREGATION;
        };
    }
}
