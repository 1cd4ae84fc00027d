package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderOutput;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * One record waiting for a batch. After {@link BatchScheduler#submit} the scheduler owns it until it calls exactly
 * one of the callback's methods, or until the submitter takes it back with {@link BatchScheduler#cancel}: a request
 * cancelled while queued is never run; one cancelled once its batch is cut (running, or prepared ahead and waiting for
 * the engine) still gets a callback, which the submitter ignores.
 */
@Internal
public final class InferenceRequest {

    /** Why a request failed: decides whether the failure policy applies or the task must fail. */
    public enum FailureScope {
        /**
         * The engine failed on this record run alone (the other records of its batch were run again without it):
         * a poison record. The failure policy applies.
         */
        RECORD,
        /** The batch failed for a reason no single record explains (not an engine error). The failure policy applies. */
        BATCH,
        /**
         * The engine itself is gone ({@code EngineFailedException}): the task must fail whatever the policy, so that
         * its restart acquires a new engine and replays the record.
         */
        ENGINE
    }

    /**
     * A request's share of its batch's output: the engine's tensors for the whole batch, this request's row in
     * them and its real (unpadded) length. What the row means (a hidden state to pool, logits) is the task's
     * business, not the scheduler's.
     *
     * @param output the batch's output
     * @param index this request's row
     * @param length its tokens, special ones included
     */
    public record Row(EncoderOutput output, int index, int length) {}

    /**
     * Told the outcome of a request, on one of the scheduler's results threads, never the one that runs the engine.
     * Must not block: the results of the batches behind it wait. The row's output is the callback's to read while
     * the engine runs other batches: no run writes into it again.
     */
    public interface Callback {
        /**
         * @param row this request's row of the batch's output
         * @param batchSize rows in the batch that carried it
         * @param queueNanos arrival to batch start
         * @param runNanos the batch's run time on the engine
         */
        void onResult(Row row, int batchSize, long queueNanos, long runNanos);

        void onFailure(Throwable error, FailureScope scope);
    }

    final long[] ids;
    /** Token type ids (a text pair's second segment has 1s); null for a single text: all 0. */
    final long[] typeIds;
    final long arrivalNanos;
    final long deadlineNanos;
    final Object owner;
    final Callback callback;

    /**
     * @param ids token ids, special tokens included, at most the engine's maximum sequence length
     * @param arrivalNanos when the record reached the operator (scheduler clock)
     * @param deadlineNanos when its result is due: arrival plus the latency target
     * @param owner identifies the submitter, for {@link BatchScheduler#cancel(Object)}
     */
    public InferenceRequest(long[] ids, long arrivalNanos, long deadlineNanos, Object owner, Callback callback) {
        this(ids, null, arrivalNanos, deadlineNanos, owner, callback);
    }

    /**
     * @param typeIds token type ids, as long as {@code ids}; null for a single text (all 0)
     */
    public InferenceRequest(long[] ids, long[] typeIds, long arrivalNanos, long deadlineNanos, Object owner,
            Callback callback) {
        this.ids = Objects.requireNonNull(ids, "ids");
        if (typeIds != null && typeIds.length != ids.length) {
            throw new IllegalArgumentException(ids.length + " token ids but " + typeIds.length + " token types");
        }
        this.typeIds = typeIds;
        this.arrivalNanos = arrivalNanos;
        this.deadlineNanos = deadlineNanos;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.callback = Objects.requireNonNull(callback, "callback");
    }

    int length() {
        return ids.length;
    }
}
