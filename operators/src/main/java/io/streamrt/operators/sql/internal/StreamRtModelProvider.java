package io.streamrt.operators.sql.internal;

import io.streamrt.operators.InferenceSettings;
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
 * ModelProvider provider = new StreamRtModelProvider(settings, false, columns);
 * }</pre>
 */
public final class StreamRtModelProvider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {

    private final InferenceSettings settings;
    private final boolean pair;
    private final PredictionColumns columns;

    public StreamRtModelProvider(InferenceSettings settings, boolean pair, PredictionColumns columns) {
        this.settings = settings;
        this.pair = pair;
        this.columns = columns;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new StreamRtPredictFunction(settings, pair, columns);
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new StreamRtSyncPredictFunction(new StreamRtPredictFunction(settings, pair, columns));
    }

    @Override
    public ModelProvider copy() {
        return new StreamRtModelProvider(settings, pair, columns);
    }
}
