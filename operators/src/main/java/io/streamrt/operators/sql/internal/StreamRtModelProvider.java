package io.streamrt.operators.sql.internal;

import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.internal.TextInputs;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * A planned {@code streamrt} model: validated settings, the INPUT's shape and the OUTPUT columns. Async by default
 * ({@code ML_PREDICT}'s {@code async} runtime config); synchronous when asked.
 *
 * <pre>{@code
 * ModelProvider provider = new StreamRtModelProvider(settings, TextInputs.sql("review", null), columns);
 * }</pre>
 */
public final class StreamRtModelProvider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {

    private final InferenceSettings settings;
    private final TextInputs inputs;
    private final PredictionColumns columns;

    /** @param inputs the INPUT columns' names, for errors */
    public StreamRtModelProvider(InferenceSettings settings, TextInputs inputs, PredictionColumns columns) {
        this.settings = settings;
        this.inputs = inputs;
        this.columns = columns;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new StreamRtPredictFunction(settings, inputs, columns);
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new StreamRtSyncPredictFunction(new StreamRtPredictFunction(settings, inputs, columns));
    }

    @Override
    public ModelProvider copy() {
        return new StreamRtModelProvider(settings, inputs, columns);
    }
}
