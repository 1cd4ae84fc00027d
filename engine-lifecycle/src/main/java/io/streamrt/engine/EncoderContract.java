package io.streamrt.engine;

import io.streamrt.engine.onnx.ModelSignature;
import io.streamrt.engine.onnx.ModelSignature.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an encoder model must look like for StreamRT's engines, checked the same way by every backend (when it
 * opens) and where a job is submitted (from the file, without loading it): inputs {@value #INPUT_IDS} and
 * {@value #ATTENTION_MASK}, optionally {@value #TOKEN_TYPE_IDS}, nothing else, of an integer type the backend feeds;
 * and float outputs: a last hidden state {@code [batch, sequence, hidden]}, a pooled embedding or a classifier's
 * logits ({@link #servedOutput} picks the one a single-output engine returns).
 * Failures say what was expected, what was found and what to do.
 *
 * <pre>{@code
 * EncoderContract.Checked checked = EncoderContract.check("model", ModelSignature.read(path), Set.of("int64"));
 * EncoderContract.servedOutput("model", checked.outputs());   // last_hidden_state: float32 [?, ?, 384]
 * }</pre>
 */
public final class EncoderContract {

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** The output of a model that pools itself ({@code [batch, hidden]}), as sentence-transformers exports name it. */
    public static final String POOLED_EMBEDDING = "sentence_embedding";
    /** A classifier's scores before the activation, as Hugging Face exports name them. */
    public static final String LOGITS = "logits";

    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
    private static final Set<String> FLOAT_OUTPUTS = Set.of("float32", "float16");

    private EncoderContract() {}

    /**
     * What a model that passed the check gives an engine: the inputs to feed (with their types) and the float
     * outputs to return.
     *
     * @param inputs {@value #INPUT_IDS}, {@value #ATTENTION_MASK} and maybe {@value #TOKEN_TYPE_IDS}, in the model's
     *     order
     * @param outputs the model's float outputs, in its order
     */
    public record Checked(List<Tensor> inputs, List<Tensor> outputs) {
        public Checked {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
        }

        /** Whether the model takes {@value #TOKEN_TYPE_IDS}. */
        public boolean feedsTokenTypes() {
            return inputs.stream().anyMatch(input -> input.name().equals(TOKEN_TYPE_IDS));
        }

        /** The element type of input {@code name}, e.g. {@code int64}. */
        public String inputType(String name) {
            return inputs.stream().filter(input -> input.name().equals(name)).findFirst()
                    .map(Tensor::type).orElseThrow(() -> new IllegalArgumentException("no input '" + name + "'"));
        }
    }

    /**
     * Checks the input names alone: {@value #INPUT_IDS} and {@value #ATTENTION_MASK}, optionally
     * {@value #TOKEN_TYPE_IDS}, nothing else.
     *
     * @param found what to show as found, e.g. the inputs with their types
     * @throws ModelRejectedException saying what was expected and what was found
     */
    public static void checkInputNames(String model, List<String> names, Object found) {
        if (!names.contains(INPUT_IDS) || !names.contains(ATTENTION_MASK) || !KNOWN_INPUTS.containsAll(names)) {
            throw new ModelRejectedException("model '" + model + "' has the wrong inputs: expected '" + INPUT_IDS
                    + "' and '" + ATTENTION_MASK + "' (and optionally '" + TOKEN_TYPE_IDS + "') and no others, found "
                    + found + "; export the encoder with the Hugging Face input names (optimum-cli export onnx does)");
        }
    }

    /**
     * Checks a model's inputs, and that it has float outputs.
     *
     * @param model the model's name, for messages
     * @param inputTypes the input types this backend can feed, e.g. {@code int64} and {@code int32}
     * @throws ModelRejectedException saying what was expected, what was found, and what to do
     */
    public static Checked check(String model, ModelSignature signature, Set<String> inputTypes) {
        List<String> names = new ArrayList<>();
        signature.inputs().forEach(input -> names.add(input.name()));
        checkInputNames(model, names, signature.inputs());
        for (Tensor input : signature.inputs()) {
            if (!inputTypes.contains(input.type())) {
                throw new ModelRejectedException("model '" + model + "' input '" + input.name() + "' is "
                        + input.type() + ", expected " + String.join(" or ", inputTypes.stream().sorted().toList())
                        + " token ids; found " + input + "; export the encoder with int64 inputs");
            }
            if (input.rank() != 2) {
                throw new ModelRejectedException("model '" + model + "' input '" + input.name() + "' has rank "
                        + input.rank() + ", expected [batch, sequence]; found " + input);
            }
        }
        List<Tensor> outputs = signature.outputs().stream()
                .filter(output -> FLOAT_OUTPUTS.contains(output.type()) && output.rank() >= 1).toList();
        if (outputs.isEmpty()) {
            throw new ModelRejectedException("model '" + model + "' has no float output: expected a hidden state, "
                    + "an embedding or logits, found " + signature.outputs());
        }
        return new Checked(signature.inputs(), outputs);
    }

    /**
     * The one output an engine that returns a single output serves (TensorRT, which leaves the others out of its plan
     * so that they are neither computed beyond need nor copied back): a classifier's {@code logits} ({@code [batch,
     * labels]}, or {@code [batch, sequence, labels]} for a token classifier); else the {@value #POOLED_EMBEDDING} of a
     * model that pools itself ({@link #pooledEmbedding}); else the last hidden state ({@link #hiddenState}); else the
     * model's only {@code [batch, width]} float output. The task then reads it as it reads the same output of any
     * engine.
     *
     * @throws ModelRejectedException if none fits, saying what was found
     */
    public static Tensor servedOutput(String model, List<Tensor> outputs) {
        List<Tensor> usable = outputs.stream().filter(o -> FLOAT_OUTPUTS.contains(o.type())
                && (o.rank() == 2 || o.rank() == 3) && o.shape()[o.rank() - 1] > 0).toList();
        for (Tensor output : usable) {
            if (output.name().equals(LOGITS)) {
                return output;
            }
        }
        Tensor pooled = pooledEmbedding(usable);
        if (pooled != null) {
            return pooled;
        }
        if (usable.stream().anyMatch(o -> o.rank() == 3)) {
            return hiddenState(model, usable);
        }
        if (usable.size() == 1) {
            return usable.get(0);
        }
        throw new ModelRejectedException("model '" + model + "' has no output StreamRT can serve: expected a float "
                + "output [batch, sequence, hidden] with a fixed hidden size (the last hidden state), a pooled "
                + POOLED_EMBEDDING + " [batch, hidden], or " + LOGITS + " [batch, labels] or [batch, sequence, labels], "
                + "found " + outputs + "; export the model with one of them (optimum-cli export onnx, with --task for "
                + "a classifier)");
    }

    /**
     * The output an embedding with pooling reads: the first float {@code [batch, sequence, hidden]} output with a
     * fixed hidden size (the last hidden state).
     *
     * @throws ModelRejectedException if there is none, saying what was found
     */
    public static Tensor hiddenState(String model, List<Tensor> outputs) {
        for (Tensor output : outputs) {
            long[] shape = output.shape();
            if (FLOAT_OUTPUTS.contains(output.type()) && shape.length == 3 && shape[2] > 0) {
                return output;
            }
        }
        throw new ModelRejectedException("model '" + model + "' has no output StreamRT can read: expected a float "
                + "output [batch, sequence, hidden] with a fixed hidden size (the last hidden state), found "
                + outputs + "; export the encoder's last hidden state (a model with pooled outputs or "
                + "classification logits is not supported yet)");
    }

    /**
     * The {@value #POOLED_EMBEDDING} {@code [batch, hidden]} output of a model that pools itself and has no
     * {@code [batch, sequence, hidden]} output ({@code model convert --pooling mean} makes one); null otherwise.
     */
    public static Tensor pooledEmbedding(List<Tensor> outputs) {
        if (outputs.stream().anyMatch(o -> o.rank() == 3)) {
            return null;
        }
        return outputs.stream().filter(o -> o.name().equals(POOLED_EMBEDDING) && o.rank() == 2 && o.shape()[1] > 0)
                .findFirst().orElse(null);
    }
}
