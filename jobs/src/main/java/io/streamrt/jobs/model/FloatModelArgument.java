package io.streamrt.jobs.model;

import picocli.CommandLine.Parameters;

/**
 * {@code IN}: the float model that {@code model sparsify} and {@code model quantize} rewrite, shared by both (a picocli
 * mixin) so that its help reads the same in each.
 *
 * <pre>{@code
 * @CommandLine.Mixin
 * FloatModelArgument in;
 * ...
 * ModelSource source = in.source();
 * }</pre>
 */
final class FloatModelArgument {

    @Parameters(index = "0", paramLabel = "IN",
            description = "The float .onnx model, a Hugging Face export directory, or builtin:all-minilm-l6-v2.")
    String reference;

    /** The argument resolved; see {@link ModelSource#of}. */
    ModelSource source() {
        return ModelSource.of(reference);
    }
}
