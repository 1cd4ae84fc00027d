package io.streamrt.operators.internal;

import io.streamrt.engine.EncoderOutput;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a {@link BatchScheduler} calls its requests' callbacks: daemon threads of its own ({@code
 * streamrt-results-<name>-<i>}), so that the worker that ran a batch goes back to the engine at once while the
 * batch's rows are post-processed (the task head per record, as DJL's {@code Translator.processOutput} is apart from
 * the engine) and their result futures completed. One task per batch: its requests' callbacks in row order.
 *
 * <pre>{@code
 * ResultStage results = new ResultStage("engine-7", 1);
 * results.results(requests, output, batch.lengths(), startNanos, runNanos);  // returns at once
 * results.close();                                                           // delivers what it holds first
 * }</pre>
 *
 * <p>The queue of batches waiting for their callbacks is not bounded here: every request in it is a record in flight,
 * and the operators' async capacity bounds those. A batch handed over after {@link #close} has its callbacks called on
 * the caller's thread, so none is lost.
 */
final class ResultStage implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultStage.class);

    private final String name;
    private final ThreadPoolExecutor executor;

    /**
     * @param name for the thread names, e.g. the engine id
     * @param threads how many batches' callbacks may run at once
     */
    ResultStage(String name, int threads) {
        this.name = name;
        AtomicInteger index = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "streamrt-results-" + name + "-" + index.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                },
                (task, closed) -> task.run());
    }

    /**
     * Hands over a batch's results: each request gets its row of {@code output}.
     *
     * @param lengths each row's real length, as the padded batch has them
     * @param startNanos when the batch started (the end of its requests' queue time)
     * @param runNanos the batch's run time
     */
    void results(List<InferenceRequest> requests, EncoderOutput output, int[] lengths, long startNanos, long runNanos) {
        int rows = requests.size();
        executor.execute(() -> {
            Error first = null;
            for (int i = 0; i < rows; i++) {
                InferenceRequest request = requests.get(i);
                InferenceRequest.Row row = new InferenceRequest.Row(output, i, lengths[i]);
                first = call(() -> request.callback.onResult(row, rows, startNanos - request.arrivalNanos, runNanos),
                        first);
            }
            rethrow(first);
        });
    }

    /** Hands over the failure of every one of {@code requests}. */
    void failures(List<InferenceRequest> requests, Throwable error, FailureScope scope) {
        executor.execute(() -> failNow(requests, error, scope));
    }

    /** Fails every one of {@code requests} on the caller's thread. */
    static void failNow(List<InferenceRequest> requests, Throwable error, FailureScope scope) {
        Error first = null;
        for (InferenceRequest request : requests) {
            first = call(() -> request.callback.onFailure(error, scope), first);
        }
        rethrow(first);
    }

    /**
     * Calls one callback. A runtime exception is dropped: callbacks handle their own failures, and what gets here is
     * an owner that closed between cut and completion, whose records are in its checkpoint and will be replayed. An
     * error does not stop the other requests' callbacks: it is kept, the first one thrown after them.
     */
    private static Error call(Runnable callback, Error first) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.debug("Dropping a result for a closed owner: {}", e.toString());
        } catch (Error e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
        }
        return first;
    }

    private static void rethrow(Error error) {
        if (error != null) {
            throw error;
        }
    }

    /** Delivers every batch handed over so far, waiting up to 30 seconds, then stops the threads. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Results on engine {} were still being delivered 30 s after its batch scheduler closed ({} "
                        + "batches waiting); records left without one fail by their timeout", name,
                        executor.getQueue().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
