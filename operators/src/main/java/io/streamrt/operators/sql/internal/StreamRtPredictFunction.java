package io.streamrt.operators.sql.internal;

import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.internal.GpuAssignment;
import io.streamrt.operators.internal.InferenceFunction;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/**
 * {@code ML_PREDICT} on a {@code streamrt} model: each row goes to the same TaskManager-wide engine and batch
 * scheduler as the DataStream operator's records (one {@link InferenceFunction} underneath), so rows of every subtask
 * and job on the TaskManager share batches. Flink's async operator keeps up to {@code max-concurrent-operations} rows
 * of a subtask in flight: that bounds how many of its rows one batch can hold.
 *
 * <pre>{@code
 * SELECT id, label FROM ML_PREDICT(TABLE reviews, MODEL topics, DESCRIPTOR(text))
 * }</pre>
 */
@Internal
public final class StreamRtPredictFunction extends AsyncPredictFunction {

    private static final long serialVersionUID = 1L;

    private final InferenceFunction<RowData> inference;
    private final PredictionColumns columns;

    /** @param surface the model's INPUT columns (the text, and a cross-encoder's passage if a second) and name */
    public StreamRtPredictFunction(InferenceSettings settings, SqlSurface surface, PredictionColumns columns) {
        this.inference = new InferenceFunction<>(settings, StreamRtPredictFunction::text,
                surface.pair() != null ? StreamRtPredictFunction::pair : null, null, null, surface);
        this.columns = columns;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        inference.open(context.getMetricGroup(), context.getExternalResourceInfos(GpuAssignment.RESOURCE_NAME));
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        CompletableFuture<Collection<RowData>> rows = new CompletableFuture<>();
        inference.asyncInvoke(input, new ResultFuture<>() {
            @Override
            public void complete(Collection<InferenceResult<RowData>> results) {
                rows.complete(results.stream().map(columns::row).toList());
            }

            @Override
            public void completeExceptionally(Throwable error) {
                rows.completeExceptionally(error);
            }

            @Override
            public void complete(CollectionSupplier<InferenceResult<RowData>> results) {
                try {
                    complete(results.get());
                } catch (Exception e) {
                    completeExceptionally(e);
                }
            }
        });
        return rows;
    }

    @Override
    public void close() throws Exception {
        inference.close();
    }

    private static String text(RowData row) {
        return row.isNullAt(0) ? null : row.getString(0).toString();
    }

    private static String pair(RowData row) {
        return row.isNullAt(1) ? null : row.getString(1).toString();
    }
}
