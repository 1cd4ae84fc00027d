package io.streamrt.operators.sql.internal;

import java.util.Collection;
import java.util.concurrent.ExecutionException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * {@code ML_PREDICT(..., MAP['async', 'false'])} on a {@code streamrt} model: each row waits for its result on the
 * task thread. Rows of one subtask then never share a batch; rows of other subtasks on the TaskManager still do.
 *
 * <pre>{@code
 * SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(text), MAP['async', 'false'])
 * }</pre>
 */
@Internal
public final class StreamRtSyncPredictFunction extends PredictFunction {

    private static final long serialVersionUID = 1L;

    private final StreamRtPredictFunction async;

    public StreamRtSyncPredictFunction(StreamRtPredictFunction async) {
        this.async = async;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        async.open(context);
    }

    @Override
    public Collection<RowData> predict(RowData input) {
        try {
            return async.asyncPredict(input).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an inference result", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() throws Exception {
        async.close();
    }
}
