package io.streamrt.engine;

import java.io.Serializable;

/**
 * How the user sets the options that model and engine errors tell them to change, in the words of the place they
 * set them: a command-line flag ({@link #COMMAND_LINE}, also the words of the DataStream operator's docs) or a SQL
 * model's {@code WITH} option. An error then names a fix the user can type where they are.
 *
 * <pre>{@code
 * words.set(OptionWords.Option.ENGINE, "onnxruntime");   // "--engine onnxruntime", or in SQL "'engine' = 'onnxruntime'"
 * }</pre>
 */
public interface OptionWords extends Serializable {

    /** The options engine and model errors point to. */
    enum Option {
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
        AGGREGATION
    }

    /** The command-line flags of the {@code streamrt} commands, e.g. {@code --engine}. */
    OptionWords COMMAND_LINE = CommandLineWords.INSTANCE;

    /** The option as the user names it, e.g. {@code --engine} or {@code 'engine'}. */
    String name(Option option);

    /** The option set to {@code value}, as the user writes it, e.g. {@code --engine auto} or {@code 'engine' = 'auto'}. */
    String set(Option option, String value);
}
