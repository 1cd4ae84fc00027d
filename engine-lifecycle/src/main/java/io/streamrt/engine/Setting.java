package io.streamrt.engine;

import java.util.Locale;

/**
 * A setting that engine and model messages point the user to. The engine names no surface: each place a user sets
 * these (a command-line flag, a SQL model's {@code WITH} option, a DataStream builder method) writes them in its own
 * words ({@link SettingText.Writer}).
 */
public enum Setting {
    /** The model: builtin, export directory or {@code .onnx} file. */
    MODEL,
    /** The model's {@code tokenizer.json}. */
    TOKENIZER,
    /** The backend: {@code auto}, {@code onnxruntime}, {@code tensorrt}, ... */
    ENGINE,
    /** What the model is used for: embedding, classification, token classification. */
    TASK,
    /** How an embedding is pooled from the hidden state. */
    POOLING,
    /** How token tags become entities. */
    AGGREGATION;

    /** The setting in lower case, e.g. {@code pooling}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
