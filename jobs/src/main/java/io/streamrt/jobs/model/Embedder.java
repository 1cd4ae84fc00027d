package io.streamrt.jobs.model;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sentence embeddings (mean-pooled, L2-normalised) of tokenized texts on ONNX Runtime (CPU), with the speed of the
 * run: one unmeasured warm-up batch, then every batch, as many at once as the engine runs usefully (one per core).
 *
 * <pre>{@code
 * Embedder.Result a = Embedder.embed(ModelSource.of("model.onnx"), tokenizer, batches, 16, 128);
 * System.out.println(a.textsPerSecond() + " texts/s");
 * }</pre>
 */
final class Embedder {

    /**
     * @param embeddings one unit vector per text, in input order
     * @param textsPerSecond texts over the wall-clock time of all batches, warm-up excluded
     * @param seconds that wall-clock time
     * @param parallelBatches batches run at once
     */
    record Result(float[][] embeddings, double textsPerSecond, double seconds, int parallelBatches) {}

    private Embedder() {}

    static Result embed(ModelSource model, TokenizerChoice tokenizer, List<EncoderBatch> batches, int maxBatchSize,
            int maxSequenceLength) {
        EngineSpec spec = new EngineSpec(model.onnx().toString(), tokenizer.path().toString(), EngineSpec.ONNXRUNTIME,
                0, maxBatchSize, maxSequenceLength, 0);
        try (EngineLease lease = EngineRegistry.shared().acquire(spec)) {
            InferenceEngine engine = lease.engine();
            engine.run(batches.get(0));
            int parallel = Math.max(1, Math.min(engine.info().maxConcurrentBatches(), batches.size()));
            AtomicInteger threads = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
                Thread thread = new Thread(r, "streamrt-model-evaluate-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            try {
                long started = System.nanoTime();
                List<Future<float[][]>> futures = new ArrayList<>();
                for (EncoderBatch batch : batches) {
                    futures.add(pool.submit(() -> engine.run(batch).meanPooledNormalized(batch.lengths())));
                }
                List<float[]> embeddings = new ArrayList<>();
                for (Future<float[][]> future : futures) {
                    embeddings.addAll(Arrays.asList(get(future, model)));
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                return new Result(embeddings.toArray(new float[0][]), embeddings.size() / seconds, seconds, parallel);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static float[][] get(Future<float[][]> future, ModelSource model) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while embedding texts with " + model.reference(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new EngineException("embedding texts with " + model.reference() + " failed: " + e.getCause(),
                    e.getCause());
        }
    }
}
