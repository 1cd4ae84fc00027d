package io.streamrt.operators;

import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.InferenceOutput;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the inference operator emits for each input: the input and either its {@link InferenceOutput} or, when a
 * dead-letter route is configured, why it failed ({@link #isSuccess()} tells which).
 *
 * <pre>{@code
 * DataStream<InferenceResult<Review>> results = inference.apply(reviews);
 * results.filter(InferenceResult::isSuccess).map(r -> r.getOutput().getLabel());
 * }</pre>
 *
 * @param <T> the input type
 */
@PublicEvolving
public final class InferenceResult<T> {

    private T input;
    private InferenceOutput output;
    private DeadLetterReason failureReason;
    private String failureMessage;

    /** For Flink's POJO serializer. */
    public InferenceResult() {}

    public static <T> InferenceResult<T> success(T input, InferenceOutput output) {
        InferenceResult<T> result = new InferenceResult<>();
        result.input = input;
        result.output = Objects.requireNonNull(output, "output");
        return result;
    }

    public static <T> InferenceResult<T> failure(T input, DeadLetterReason reason, String message) {
        InferenceResult<T> result = new InferenceResult<>();
        result.input = input;
        result.failureReason = Objects.requireNonNull(reason, "reason");
        result.failureMessage = message;
        return result;
    }

    /** Flink type information for results of inputs of the given type (a POJO type, no Kryo). */
    public static <T> TypeInformation<InferenceResult<T>> typeInfo(TypeInformation<T> inputType) {
        Map<String, TypeInformation<?>> fields = new HashMap<>();
        fields.put("input", inputType);
        fields.put("output", Types.POJO(InferenceOutput.class));
        fields.put("failureReason", Types.ENUM(DeadLetterReason.class));
        fields.put("failureMessage", Types.STRING);
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeInformation<InferenceResult<T>> info = (TypeInformation) Types.POJO(InferenceResult.class, fields);
        return info;
    }

    public boolean isSuccess() {
        return output != null;
    }

    public T getInput() {
        return input;
    }

    public void setInput(T input) {
        this.input = input;
    }

    /** The enrichment; null for a failure. */
    public InferenceOutput getOutput() {
        return output;
    }

    public void setOutput(InferenceOutput output) {
        this.output = output;
    }

    /** Why it failed; null for a success. */
    public DeadLetterReason getFailureReason() {
        return failureReason;
    }

    public void setFailureReason(DeadLetterReason failureReason) {
        this.failureReason = failureReason;
    }

    public String getFailureMessage() {
        return failureMessage;
    }

    public void setFailureMessage(String failureMessage) {
        this.failureMessage = failureMessage;
    }
}
