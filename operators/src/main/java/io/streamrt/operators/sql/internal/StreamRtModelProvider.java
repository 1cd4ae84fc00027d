package io.streamrt.operators.sql.internal;

import io.streamrt.operators.InferenceSettings;
import org.apache.flink.annotation.Internal;
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
 * ModelProvider provider = new StreamRtModelProvider(settings, surface, columns);
 * }</pre>
 */
@Internal
public final class StreamRtModelProvider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {

    private final InferenceSettings settings;
    private final SqlSurface surface;
    private final PredictionColumns columns;

    /** @param surface the model's columns and name, for errors */
    public StreamRtModelProvider(InferenceSettings settings, SqlSurface surface, PredictionColumns columns) {
        this.settings = settings;
        this.surface = surface;
        this.columns = columns;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new StreamRtPredictFunction(settings, surface, columns);
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new StreamRtSyncPredictFunction(new StreamRtPredictFunction(settings, surface, columns));
    }

    @Override
    public ModelProvider copy() {
        return new StreamRtModelProvider(settings, surface, columns);
    }
}
