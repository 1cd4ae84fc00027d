package io.streamrt.engine.internal.simulated;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.onnx.ModelSignature.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An engine that takes as long as a GPU would and computes nothing: each batch holds one of its streams for
 * {@link GpuCostModel}'s time for the batch times the time scale, and returns deterministic pseudo-outputs of the
 * model's shapes (each token's vector depends on its id and position only). For capacity planning and for testing
 * the scheduler on a GPU-shaped cost curve; its figures are never GPU figures.
 *
 * <pre>{@code
 * InferenceEngine engine = new SimulatedGpuProvider().create(spec, model);   // spec.engine() = "simulated-gpu"
 * }</pre>
 */
final class SimulatedGpuEngine implements InferenceEngine {

    /** Distinct pseudo-random vectors a token's (id, position) picks from. */
    private static final int VECTORS = 256;

    private final EngineInfo info;
    private final double timeScale;
    private final Semaphore streams;
    private final List<Tensor> outputs;
    private final float[][][] vectors;
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private volatile boolean closed;

    SimulatedGpuEngine(EngineInfo info, double timeScale, int streams, List<Tensor> outputs) {
        this.info = info;
        this.timeScale = timeScale;
        this.streams = new Semaphore(streams, true);
        this.outputs = List.copyOf(outputs);
        this.vectors = new float[outputs.size()][][];
        SplittableRandom random = new SplittableRandom(42);
        for (int o = 0; o < outputs.size(); o++) {
            int width = (int) outputs.get(o).shape()[outputs.get(o).rank() - 1];
            vectors[o] = new float[VECTORS][width];
            for (float[] vector : vectors[o]) {
                for (int d = 0; d < width; d++) {
                    vector[d] = (float) (random.nextDouble() * 2 - 1);
                }
            }
        }
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    /** The batch's simulated time on the device: the published cost times the time scale. */
    long deviceNanos(EncoderBatch batch) {
        return Math.round(GpuCostModel.BERT_BASE_INT8_A100.millis(batch.size(), batch.sequenceLength()) * timeScale
                * 1e6);
    }

    @Override
    public EncoderOutput run(EncoderBatch batch) {
        info.checkFits(batch);
        if (!closing.readLock().tryLock()) {
            throw info.closedError();
        }
        try {
            if (closed) {
                throw info.closedError();
            }
            try {
                streams.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while waiting for a free simulated stream", e);
            }
            try {
                long started = System.nanoTime();
                long device = deviceNanos(batch);
                List<OutputTensor> tensors = new ArrayList<>();
                for (int o = 0; o < outputs.size(); o++) {
                    tensors.add(output(o, batch));
                }
                // The outputs' copying overlaps the device time, as a GPU's copies overlap its compute.
                long end = started + device;
                for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
                return EncoderOutput.of(device, tensors.toArray(new OutputTensor[0]));
            } finally {
                streams.release();
            }
        } finally {
            closing.readLock().unlock();
        }
    }

    /** A [batch, sequence, width] or [batch, width] output: each row's vectors picked by its token ids. */
    private OutputTensor output(int o, EncoderBatch batch) {
        Tensor tensor = outputs.get(o);
        float[][] table = vectors[o];
        int width = table[0].length;
        int rows = batch.size();
        int length = batch.sequenceLength();
        long[] ids = batch.inputIds();
        if (tensor.rank() == 3) {
            float[] data = new float[rows * length * width];
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < length; t++) {
                    int pick = (int) Math.floorMod(ids[r * length + t] * 31 + t, (long) VECTORS);
                    System.arraycopy(table[pick], 0, data, (r * length + t) * width, width);
                }
            }
            return new OutputTensor(tensor.name(), new long[] {rows, length, width}, data);
        }
        float[] data = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            long hash = 0;
            for (int t = 0; t < batch.lengths()[r]; t++) {
                hash = hash * 31 + ids[r * length + t];
            }
            System.arraycopy(table[(int) Math.floorMod(hash, (long) VECTORS)], 0, data, r * width, width);
        }
        return new OutputTensor(tensor.name(), new long[] {rows, width}, data);
    }

    @Override
    public void close() {
        closing.writeLock().lock();
        try {
            closed = true;
        } finally {
            closing.writeLock().unlock();
        }
    }

    /** For tests: the simulated device time of a batch of {@code rows} padded to {@code length}, in milliseconds. */
    double millis(int rows, int length) {
        return GpuCostModel.BERT_BASE_INT8_A100.millis(rows, length) * timeScale;
    }
}
