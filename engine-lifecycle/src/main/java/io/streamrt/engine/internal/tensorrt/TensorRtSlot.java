package io.streamrt.engine.internal.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaEventBlockingSync;
import static org.bytedeco.cuda.global.cudart.cudaEventCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaEventDestroy;
import static org.bytedeco.cuda.global.cudart.cudaEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cudaEventRecord;
import static org.bytedeco.cuda.global.cudart.cudaEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineFailedException;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.internal.tensorrt.TensorRtEngine.Cuda;
import java.util.List;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;

/**
 * One CUDA stream with its execution context, device buffers and pinned host buffers, sized once for the largest
 * batch. Used by one batch at a time (the engine hands slots out from a queue).
 *
 * <pre>{@code
 * TensorRtSlot slot = TensorRtSlot.create(engine, layout, device, 0, natives);   // profile 0
 * EncoderOutput out = slot.run(batch);
 * }</pre>
 */
final class TensorRtSlot {

    /**
     * Where tensors are and how big they get.
     *
     * @param inputs the engine's input names, e.g. {@code input_ids, attention_mask, token_type_ids}
     * @param inputTypes TensorRT data type of each input ({@code kINT64} or {@code kINT32})
     * @param output the output's name: {@code [batch, sequence, hidden]} (a hidden state, a token classifier's logits),
     *     or with {@code perRow} {@code [batch, hidden]} (a pooled embedding, a classifier's logits)
     * @param halfOutput whether the output is fp16 (converted to float on the host)
     * @param hidden the output's last dimension
     * @param maxBatch largest batch
     * @param maxSequence longest sequence
     * @param perRow whether the output has one vector per row (a model that pools itself, {@code model convert
     *     --pooling mean}, or a classifier) instead of one per token
     */
    record Layout(List<String> inputs, List<Integer> inputTypes, String output, boolean halfOutput, int hidden,
            int maxBatch, int maxSequence, boolean perRow) {
        long maxTokens() {
            return (long) maxBatch * maxSequence;
        }

        /** Output vectors for a batch: one per token, or one per row. */
        long outputVectors(long rows, long sequence) {
            return perRow ? rows : rows * sequence;
        }
    }

    private final Layout layout;
    private final int device;
    private final CUstream_st stream;
    private final CUevent_st start;
    private final CUevent_st stop;
    private final IExecutionContext context;
    private final Pointer[] deviceInputs;
    private final Pointer[] hostInputs;
    private final Pointer hostOutput;
    private final Pointer deviceOutput;

    private TensorRtSlot(Layout layout, int device, CUstream_st stream, CUevent_st start, CUevent_st stop,
            IExecutionContext context, Pointer[] deviceInputs, Pointer[] hostInputs, Pointer deviceOutput,
            Pointer hostOutput) {
        this.layout = layout;
        this.device = device;
        this.stream = stream;
        this.start = start;
        this.stop = stop;
        this.context = context;
        this.deviceInputs = deviceInputs;
        this.hostInputs = hostInputs;
        this.deviceOutput = deviceOutput;
        this.hostOutput = hostOutput;
    }

    /**
     * Creates the stream, events, buffers and context; pushes how to free each onto {@code natives}. The context uses
     * optimization profile {@code profile}, which no other slot's context uses.
     */
    static TensorRtSlot create(ICudaEngine engine, Layout layout, int device, int profile, NativeStack natives) {
        CUstream_st stream = new CUstream_st();
        Cuda.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags", device, false);
        natives.push("cudaStreamDestroy", () -> cudaStreamDestroy(stream));
        CUevent_st start = event(device, natives);
        CUevent_st stop = event(device, natives);

        int inputs = layout.inputs().size();
        Pointer[] deviceInputs = new Pointer[inputs];
        Pointer[] hostInputs = new Pointer[inputs];
        for (int i = 0; i < inputs; i++) {
            long bytes = layout.maxTokens() * elementBytes(layout.inputTypes().get(i));
            deviceInputs[i] = deviceBuffer(bytes, layout.inputs().get(i), device, natives);
            // Token types too: a text pair's second segment has 1s, so they change per batch.
            hostInputs[i] = hostBuffer(bytes, layout.inputs().get(i), device, natives);
        }
        long outputBytes = layout.outputVectors(layout.maxBatch(), layout.maxSequence()) * layout.hidden()
                * (layout.halfOutput() ? 2 : 4);
        Pointer deviceOutput = deviceBuffer(outputBytes, layout.output(), device, natives);
        Pointer hostOutput = hostBuffer(outputBytes, layout.output(), device, natives);

        IExecutionContext context =
                TensorRtPlanBuilder.notNull(engine.createExecutionContext(), "ICudaEngine.createExecutionContext");
        natives.push("IExecutionContext", () -> TensorRtPlanBuilder.free(context));
        // A new context starts on profile 0; contexts that run at once must each have their own (dynamic shapes).
        if (!context.setOptimizationProfileAsync(profile, stream)) {
            throw new EngineException(TensorRtErrors.tensorRt("IExecutionContext.setOptimizationProfileAsync(" + profile
                    + ")", "the profile was refused", TrtLogger.INSTANCE.takeRecentErrors()));
        }
        Cuda.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize(profile switch)", device, false);
        // The buffers never move, so their addresses are bound once; only the shapes change per batch.
        for (int i = 0; i < inputs; i++) {
            bind(context, layout.inputs().get(i), deviceInputs[i]);
        }
        bind(context, layout.output(), deviceOutput);
        return new TensorRtSlot(layout, device, stream, start, stop, context, deviceInputs, hostInputs, deviceOutput,
                hostOutput);
    }

    /**
     * Runs one batch: ids and mask host to device, {@code enqueueV3}, output device to host, all on this slot's
     * stream between two events (their interval is the batch's GPU time), then waits for the stream.
     */
    EncoderOutput run(EncoderBatch batch) {
        int rows = batch.size();
        int sequence = batch.sequenceLength();
        long tokens = (long) rows * sequence;
        long[] mask = batch.attentionMask();
        for (int i = 0; i < layout.inputs().size(); i++) {
            String name = layout.inputs().get(i);
            setShape(name, rows, sequence);
            writeHost(i, switch (name) {
                case EncoderContract.ATTENTION_MASK -> mask;
                case EncoderContract.TOKEN_TYPE_IDS -> batch.tokenTypeIds();
                default -> batch.inputIds();
            });
        }
        long[] dims = TensorRtPlanBuilder.values(context.getTensorShape(layout.output()));
        if (layout.perRow()) {
            HostTensors.checkRowOutputShape(layout.output(), dims, rows, layout.hidden());
        } else {
            HostTensors.checkOutputShape(layout.output(), dims, rows, sequence, layout.hidden());
        }
        Cuda.check(cudaEventRecord(start, stream), "cudaEventRecord(start)", device, true);
        for (int i = 0; i < layout.inputs().size(); i++) {
            long bytes = tokens * elementBytes(layout.inputTypes().get(i));
            Cuda.check(cudaMemcpyAsync(deviceInputs[i], hostInputs[i], bytes, cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(" + layout.inputs().get(i) + ", host to device)", device, true);
        }
        if (!context.enqueueV3(stream)) {
            throw new EngineFailedException(TensorRtErrors.tensorRt("IExecutionContext.enqueueV3",
                    "the batch of " + rows + " x " + sequence + " tokens was not enqueued",
                    TrtLogger.INSTANCE.takeRecentErrors()));
        }
        long outputBytes = layout.outputVectors(rows, sequence) * layout.hidden() * (layout.halfOutput() ? 2 : 4);
        Cuda.check(cudaMemcpyAsync(hostOutput, deviceOutput, outputBytes, cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(" + layout.output() + ", device to host)", device, true);
        Cuda.check(cudaEventRecord(stop, stream), "cudaEventRecord(stop)", device, true);
        // The stop event is blocking-sync: the worker sleeps until the GPU is done instead of spinning a core, as
        // cudaStreamSynchronize does under the default device scheduling (the cores are Kafka's and Flink's too).
        Cuda.check(cudaEventSynchronize(stop), "cudaEventSynchronize", device, true);
        float[] millis = new float[1];
        Cuda.check(cudaEventElapsedTime(millis, start, stop), "cudaEventElapsedTime", device, true);
        int values = Math.toIntExact(layout.outputVectors(rows, sequence) * layout.hidden());
        float[] hidden = new float[values];
        if (layout.halfOutput()) {
            short[] halves = new short[values];
            new ShortPointer(hostOutput).capacity(values).get(halves, 0, values);
            hidden = HostTensors.halvesToFloats(halves);
        } else {
            new FloatPointer(hostOutput).capacity(values).get(hidden, 0, values);
        }
        long[] shape = layout.perRow() ? new long[] {rows, layout.hidden()}
                : new long[] {rows, sequence, layout.hidden()};
        return EncoderOutput.of((long) (millis[0] * 1_000_000.0), new OutputTensor(layout.output(), shape, hidden));
    }

    private void setShape(String input, int rows, int sequence) {
        try (Dims64 dims = TensorRtPlanBuilder.dims(rows, sequence)) {
            if (!context.setInputShape(input, dims)) {
                throw new EngineException(TensorRtErrors.tensorRt("IExecutionContext.setInputShape(" + input + ")",
                        "shape [" + rows + ", " + sequence + "] is outside the engine's profile "
                                + "[1.." + layout.maxBatch() + ", 1.." + layout.maxSequence() + "]",
                        TrtLogger.INSTANCE.takeRecentErrors()));
            }
        }
    }

    private void writeHost(int input, long[] values) {
        if (layout.inputTypes().get(input) == DataType.kINT64.value) {
            new LongPointer(hostInputs[input]).capacity(values.length).put(values, 0, values.length);
        } else {
            int[] narrowed = HostTensors.narrow(values);
            new IntPointer(hostInputs[input]).capacity(narrowed.length).put(narrowed, 0, narrowed.length);
        }
    }

    private static long elementBytes(int tensorRtType) {
        return tensorRtType == DataType.kINT64.value ? 8 : 4;
    }

    private static CUevent_st event(int device, NativeStack natives) {
        CUevent_st event = new CUevent_st();
        Cuda.check(cudaEventCreateWithFlags(event, cudaEventBlockingSync), "cudaEventCreateWithFlags", device, false);
        natives.push("cudaEventDestroy", () -> cudaEventDestroy(event));
        return event;
    }

    private static Pointer deviceBuffer(long bytes, String tensor, int device, NativeStack natives) {
        Pointer buffer = new Pointer();
        Cuda.check(cudaMalloc(buffer, bytes), "cudaMalloc(" + tensor + ", " + bytes + " bytes)", device, false);
        natives.push("cudaFree(" + tensor + ")", () -> cudaFree(buffer));
        return buffer;
    }

    private static Pointer hostBuffer(long bytes, String tensor, int device, NativeStack natives) {
        Pointer buffer = new Pointer();
        Cuda.check(cudaMallocHost(buffer, bytes), "cudaMallocHost(" + tensor + ", " + bytes + " bytes)", device, false);
        natives.push("cudaFreeHost(" + tensor + ")", () -> cudaFreeHost(buffer));
        return buffer;
    }

    private static void bind(IExecutionContext context, String tensor, Pointer buffer) {
        if (!context.setTensorAddress(tensor, buffer)) {
            throw new EngineException(TensorRtErrors.tensorRt("IExecutionContext.setTensorAddress(" + tensor + ")",
                    "the buffer was refused", TrtLogger.INSTANCE.takeRecentErrors()));
        }
    }
}
