package io.streamrt.engine.internal.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineFailedException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.internal.NativeGuard;
import io.streamrt.engine.onnx.ModelSignature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.TensorIOMode;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BERT-family encoder on TensorRT: the plan comes from the {@link PlanCache} (built on a miss), and batches run
 * on {@link TensorRtOptions#streams()} CUDA streams, each with its own execution context and buffers, so up to that
 * many batches overlap (the copies of one with the compute of another).
 *
 * <p>Native resources are created once, at the profile's largest shapes, and freed in reverse order on
 * {@link #close()}, which waits for batches in flight. A CUDA or TensorRT failure during a batch is an
 * {@link EngineFailedException}: the registry then replaces the engine.
 *
 * <pre>{@code
 * try (InferenceEngine engine = TensorRtEngine.open(spec, model, TensorRtOptions.fromSystemProperties(), "11.2.1")) {
 *     EncoderOutput out = engine.run(EncoderBatch.pad(List.of(ids)));
 * }
 * }</pre>
 */
public final class TensorRtEngine implements InferenceEngine {

    private static final Logger LOG = LoggerFactory.getLogger(TensorRtEngine.class);

    private final EngineInfo info;
    private final int device;
    private final NativeStack natives;
    private final BlockingQueue<TensorRtSlot> idle;
    private final boolean planLoaded;

    private final NativeGuard guard = new NativeGuard();

    private final GpuStatsReader stats;

    private TensorRtEngine(EngineInfo info, int device, NativeStack natives, List<TensorRtSlot> slots,
            boolean planLoaded) {
        this.info = info;
        this.device = device;
        this.stats = new GpuStatsReader(device);
        this.natives = natives;
        this.idle = new ArrayBlockingQueue<>(slots.size(), false, slots);
        this.planLoaded = planLoaded;
    }

    /**
     * Loads the cached plan for this model, GPU and settings, or builds it (minutes), then sets up the streams.
     *
     * @param tensorRtVersion the loaded libnvinfer's version, part of the plan cache key
     * @throws EngineException naming the failing call, its status, and the fix
     */
    public static TensorRtEngine open(EngineSpec spec, ModelFiles model, TensorRtOptions options,
            String tensorRtVersion) {
        int device = spec.device();
        Cuda.check(cudaSetDevice(device), "cudaSetDevice", device, false);
        String computeCapability = computeCapability(device);
        OptimizationProfile profile = OptimizationProfile.forLimits(spec.maxBatchSize(), spec.maxSequenceLength());
        PlanCache cache = new PlanCache(options.planCacheDirectory());
        Path timingCache = options.planCacheDirectory()
                .resolve("timing-trt" + tensorRtVersion + "-sm" + computeCapability + ".cache");
        // The key from the ONNX file alone: a cached plan loads without TensorRT parsing the model.
        PlanKey.ModelIdentity identity = PlanKey.identify(model.onnx());
        String precision = identity.precision();
        int streams = options.streams();
        PlanKey key = new PlanKey(identity.sha256(), tensorRtVersion, computeCapability, precision,
                options.sparseWeights(), profile, streams);

        NativeStack natives = new NativeStack();
        try {
            IRuntime runtime = TensorRtPlanBuilder.notNull(createInferRuntime(TrtLogger.INSTANCE), "createInferRuntime");
            natives.push("IRuntime", () -> TensorRtPlanBuilder.free(runtime));
            ICudaEngine engine = null;
            boolean loaded = false;
            // Twice at most: a cached plan that passed the cache's checks but that TensorRT still refuses (another
            // TensorRT build of the same version, say) is deleted and built afresh.
            for (int attempt = 0; attempt < 2 && engine == null; attempt++) {
                PlanCache.Plan plan = cache.getOrBuild(key, () -> {
                    try (TensorRtPlanBuilder parsed = TensorRtPlanBuilder.parse(model)) {
                        if (!parsed.precision().equals(precision)) {
                            LOG.warn("Model {}: its ONNX types say {}, TensorRT's network {}; the plan is cached "
                                    + "under {}", model.name(), precision, parsed.precision(), precision);
                        }
                        return parsed.build(profile, streams, options.sparseWeights(), timingCache);
                    }
                });
                engine = deserialize(runtime, plan.bytes());
                loaded = plan.loaded();
                if (engine == null) {
                    if (!plan.loaded()) {
                        throw new EngineException(TensorRtErrors.tensorRt("IRuntime.deserializeCudaEngine",
                                "a plan built a moment ago was refused", TrtLogger.INSTANCE.takeRecentErrors()));
                    }
                    LOG.warn("TensorRT refused the cached plan {}; deleting it and building a new one",
                            cache.fileFor(key));
                    deleteQuietly(cache.fileFor(key));
                }
            }
            if (engine == null) {
                throw new EngineException("TensorRT refused the plan for model '" + model.name() + "' twice; delete "
                        + cache.directory() + " and retry");
            }
            ICudaEngine built = engine;
            natives.push("ICudaEngine", () -> TensorRtPlanBuilder.free(built));
            if (built.getNbOptimizationProfiles() < streams) {
                throw new EngineException("the plan for model '" + model.name() + "' holds "
                        + built.getNbOptimizationProfiles() + " optimization profiles, fewer than the " + streams
                        + " streams that each need their own; delete " + cache.fileFor(key) + " and retry");
            }
            TensorRtSlot.Layout layout = layout(model.name(), built, spec);
            List<TensorRtSlot> slots = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                slots.add(TensorRtSlot.create(built, layout, device, i, natives));
            }
            EngineInfo info = new EngineInfo(EngineSpec.TENSORRT, model.name(), precision, spec.maxBatchSize(),
                    spec.maxSequenceLength(), List.of(new ModelSignature.Tensor(layout.output(),
                            layout.halfOutput() ? "float16" : "float32", layout.perRow()
                                    ? new long[] {-1, layout.hidden()} : new long[] {-1, -1, layout.hidden()})),
                    streams);
            LOG.info("TensorRT engine for {} on GPU {} (sm {}, TensorRT {}): plan {}, {}, {} streams, a profile each",
                    model.name(), device, computeCapability, tensorRtVersion,
                    loaded ? "loaded from cache (no parse)" : "built", profile.canonical(), streams);
            return new TensorRtEngine(info, device, natives.transfer(), slots, loaded);
        } catch (RuntimeException | Error e) {
            // An Error too (an UnsatisfiedLinkError, an OutOfMemoryError): the natives made so far are freed either way.
            TensorRtPlanBuilder.closeAfterFailure(natives, e);
            throw e;
        }
    }

    /** Whether the plan came from the cache (true) or was built by this open (false). */
    public boolean planLoadedFromCache() {
        return planLoaded;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    /** The GPU's memory (CUDA) and utilization (NVML, where the driver's library is visible). */
    @Override
    public java.util.Optional<io.streamrt.engine.DeviceStats> deviceStats() {
        return guard.isClosed() ? java.util.Optional.empty() : stats.read();
    }

    @Override
    public EncoderOutput run(EncoderBatch batch) {
        return guard.whileOpen(info::closedError, () -> {
            info.checkFits(batch);
            TensorRtSlot slot = takeSlot();
            try {
                Cuda.check(cudaSetDevice(device), "cudaSetDevice", device, true);
                return slot.run(batch);
            } finally {
                idle.add(slot);
            }
        });
    }

    private TensorRtSlot takeSlot() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for a free CUDA stream on engine " + info.model()
                    + "; the batch was not run", e);
        }
    }

    @Override
    public void close() {
        guard.close(() -> {
            cudaSetDevice(device);
            natives.close();
        });
    }

    @Override
    public String toString() {
        return "TensorRtEngine[" + info.model() + ", GPU " + device + ", " + info.maxConcurrentBatches() + " streams]";
    }

    private static ICudaEngine deserialize(IRuntime runtime, byte[] plan) {
        try (BytePointer bytes = new BytePointer(plan)) {
            ICudaEngine engine = runtime.deserializeCudaEngine(bytes, plan.length);
            return engine == null || engine.isNull() ? null : engine;
        }
    }

    /** Finds the inputs, the output StreamRT reads ({@link EncoderContract#servedOutput}) and their types in the plan. */
    private static TensorRtSlot.Layout layout(String model, ICudaEngine engine, EngineSpec spec) {
        List<ModelSignature.Tensor> inputs = new ArrayList<>();
        List<ModelSignature.Tensor> outputs = new ArrayList<>();
        List<String> inputNames = new ArrayList<>();
        List<Integer> inputTypes = new ArrayList<>();
        java.util.Map<String, Integer> outputTypes = new java.util.HashMap<>();
        for (int i = 0; i < engine.getNbIOTensors(); i++) {
            String name = engine.getIOTensorName(i);
            int type = engine.getTensorDataType(name).value;
            ModelSignature.Tensor tensor = new ModelSignature.Tensor(name, typeName(type),
                    TensorRtPlanBuilder.values(engine.getTensorShape(name)));
            if (engine.getTensorIOMode(name).value == TensorIOMode.kINPUT.value) {
                inputs.add(tensor);
                inputNames.add(name);
                inputTypes.add(type);
            } else {
                outputs.add(tensor);
                outputTypes.put(name, type);
            }
        }
        EncoderContract.Checked checked =
                EncoderContract.check(model, new ModelSignature(inputs, outputs), TensorRtProvider.INPUT_TYPES);
        // One output (the plan keeps no other): the hidden state the embedding task pools, a classifier's logits, or
        // the [batch, hidden] embedding of a model that pools itself (model convert --pooling mean), of which one
        // vector per row comes back instead of one per token.
        ModelSignature.Tensor output = EncoderContract.servedOutput(model, checked.outputs());
        return new TensorRtSlot.Layout(inputNames, inputTypes, output.name(),
                outputTypes.get(output.name()) == DataType.kHALF.value, (int) output.shape()[output.rank() - 1],
                spec.maxBatchSize(), spec.maxSequenceLength(), output.rank() == 2);
    }

    /** TensorRT's data type as {@link ModelSignature} names ONNX's. */
    static String typeName(int dataType) {
        if (dataType == DataType.kINT64.value) {
            return "int64";
        } else if (dataType == DataType.kINT32.value) {
            return "int32";
        } else if (dataType == DataType.kFLOAT.value) {
            return "float32";
        } else if (dataType == DataType.kHALF.value) {
            return "float16";
        } else if (dataType == DataType.kBF16.value) {
            return "bfloat16";
        }
        return "tensorrt-type-" + dataType;
    }

    private static String computeCapability(int device) {
        int[] major = new int[1];
        int[] minor = new int[1];
        Cuda.check(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device),
                "cudaDeviceGetAttribute(ComputeCapabilityMajor)", device, false);
        Cuda.check(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device),
                "cudaDeviceGetAttribute(ComputeCapabilityMinor)", device, false);
        return major[0] + "." + minor[0];
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", file, e.toString());
        }
    }

    /** CUDA status checks: a failed call becomes an exception naming it, its status and the GPU. */
    static final class Cuda {
        private Cuda() {}

        /**
         * @param fatal true during a batch: a failing CUDA call there means the context or the device is gone, so
         *     the engine must be replaced ({@link EngineFailedException}); false while opening
         */
        static void check(int status, String call, int device, boolean fatal) {
            if (status == cudaSuccess) {
                return;
            }
            String message = TensorRtErrors.cuda(call, status, cudaGetErrorName(status).getString(),
                    cudaGetErrorString(status).getString(), device);
            if (!fatal) {
                throw new EngineException(message + "; check nvidia-smi for the GPU's state and free memory");
            }
            boolean sticky = TensorRtErrors.poisonsProcess(status);
            throw new EngineFailedException(message + (sticky
                    ? "; a sticky CUDA error: no CUDA work can succeed in this process any more, so the TaskManager"
                            + " process must be replaced"
                    : "; the engine is replaced on the next acquire"), sticky);
        }
    }
}
