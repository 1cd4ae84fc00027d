package io.streamrt.engine.internal.tensorrt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.ModelSignature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.LayerType;
import org.bytedeco.tensorrt.global.nvinfer.NetworkDefinitionCreationFlag;
import org.bytedeco.tensorrt.global.nvinfer.OptProfileSelector;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX model parsed into a strongly typed TensorRT network, ready to be built into a serialized plan.
 *
 * <p>Strongly typed ({@code kSTRONGLY_TYPED}, the only way in TensorRT 11): each tensor keeps the type the model
 * gives it, so INT8 comes from the model's Q/DQ nodes, FP16 from its fp16 tensors, FP32 elsewhere; there are no
 * precision flags to set. The parser keeps the weights the network points to, so it lives as long as the network.
 *
 * <pre>{@code
 * try (TensorRtPlanBuilder parsed = TensorRtPlanBuilder.parse(model)) {
 *     byte[] plan = parsed.build(OptimizationProfile.forLimits(64, 256), 2, true, timingCacheFile);
 * }
 * }</pre>
 */
final class TensorRtPlanBuilder implements AutoCloseable {


    private static final Logger LOG = LoggerFactory.getLogger(TensorRtPlanBuilder.class);

    private final NativeStack natives;
    private final IBuilder builder;
    private final INetworkDefinition network;
    private final List<String> inputs;
    private final String precision;

    private TensorRtPlanBuilder(NativeStack natives, IBuilder builder, INetworkDefinition network, List<String> inputs,
            String precision) {
        this.natives = natives;
        this.builder = builder;
        this.network = network;
        this.inputs = inputs;
        this.precision = precision;
    }

    /** Parses in this JVM so far: a plan loaded from the cache must not add one (the GPU tests check). */
    private static final AtomicLong PARSES = new AtomicLong();

    /** Parses the model; the caller closes the result. */
    static TensorRtPlanBuilder parse(ModelFiles model) {
        PARSES.incrementAndGet();
        NativeStack natives = new NativeStack();
        try {
            IBuilder builder = notNull(createInferBuilder(TrtLogger.INSTANCE), "createInferBuilder");
            natives.push("IBuilder", () -> free(builder));
            INetworkDefinition network = notNull(
                    builder.createNetworkV2(1 << NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value),
                    "IBuilder.createNetworkV2(kSTRONGLY_TYPED)");
            natives.push("INetworkDefinition", () -> free(network));
            IParser parser = notNull(createParser(network, TrtLogger.INSTANCE), "createParser");
            // Not an INoCopy (its destructor is not its first virtual member): left to the presets, which free
            // nothing. Parsing happens only when a plan is built (a cached plan loads without it), once per build.
            natives.push("IParser", () -> {
                parser.deallocate();
                return 0;
            });
            if (!parser.parseFromFile(model.onnx().toString(), ILogger.Severity.kWARNING.value)) {
                throw new EngineException(TensorRtErrors.parser(model.name(), model.onnx().toString(),
                        parserErrors(parser)));
            }
            List<String> inputs = new ArrayList<>();
            for (int i = 0; i < network.getNbInputs(); i++) {
                inputs.add(network.getInput(i).getName());
            }
            checkInputs(model.name(), inputs);
            keepOnlyServedOutput(model.name(), network);
            return new TensorRtPlanBuilder(natives.transfer(), builder, network, List.copyOf(inputs),
                    precisionOf(network));
        } catch (RuntimeException | Error e) {
            closeAfterFailure(natives, e);
            throw e;
        }
    }

    /**
     * Unmarks every network output but the one StreamRT reads ({@link EncoderContract#servedOutput}, decided as on the
     * ONNX file): TensorRT then leaves out the layers only the others need (a BERT pooler beside the hidden state),
     * and each execution context has one output to bind ({@code enqueueV3} wants an address for every output).
     */
    private static void keepOnlyServedOutput(String model, INetworkDefinition network) {
        List<ITensor> tensors = new ArrayList<>();
        List<ModelSignature.Tensor> outputs = new ArrayList<>();
        for (int i = 0; i < network.getNbOutputs(); i++) {
            ITensor tensor = network.getOutput(i);
            tensors.add(tensor);
            outputs.add(new ModelSignature.Tensor(tensor.getName(), TensorRtEngine.typeName(tensor.getType().value),
                    values(tensor.getDimensions())));
        }
        String served = EncoderContract.servedOutput(model, outputs).name();
        for (int i = 0; i < tensors.size(); i++) {
            if (!outputs.get(i).name().equals(served)) {
                network.unmarkOutput(tensors.get(i));
                LOG.info("Model {}: output {} is left out of the TensorRT plan (StreamRT reads {})", model,
                        outputs.get(i), served);
            }
        }
    }

    /** How many times {@link #parse} has run in this JVM. */
    static long parses() {
        return PARSES.get();
    }

    /** The precision the model's tensors give the network: {@code int8-qdq}, {@code fp16}, {@code bf16} or {@code fp32}. */
    String precision() {
        return precision;
    }

    /**
     * Builds the serialized plan: {@code copies} identical optimization profiles over every input (one per
     * execution context: contexts running at once must not share one), {@code kSPARSE_WEIGHTS} if asked, and the
     * timing cache read from and written back to {@code timingCacheFile} (so later builds, for other profiles too,
     * skip kernel timings already measured on this GPU). Takes minutes for large models.
     */
    byte[] build(OptimizationProfile profile, int copies, boolean sparseWeights, Path timingCacheFile) {
        try (NativeStack scratch = new NativeStack()) {
            IBuilderConfig config = notNull(builder.createBuilderConfig(), "IBuilder.createBuilderConfig");
            scratch.push("IBuilderConfig", () -> free(config));
            for (int copy = 0; copy < copies; copy++) {
                // Owned by the builder: not freed here.
                IOptimizationProfile optimization =
                        notNull(builder.createOptimizationProfile(), "IBuilder.createOptimizationProfile");
                for (String input : inputs) {
                    setShapes(optimization, input, profile);
                }
                if (config.addOptimizationProfile(optimization) != copy) {
                    throw new EngineException(TensorRtErrors.tensorRt("IBuilderConfig.addOptimizationProfile",
                            "copy " + copy + " of the profile " + profile.canonical() + " was refused",
                            TrtLogger.INSTANCE.takeRecentErrors()));
                }
            }
            if (sparseWeights) {
                config.setFlag(BuilderFlag.kSPARSE_WEIGHTS);
            }
            ITimingCache timingCache = readTimingCache(config, timingCacheFile);
            scratch.push("ITimingCache", () -> free(timingCache));
            if (!config.setTimingCache(timingCache, false)) {
                LOG.warn("TensorRT refused the timing cache {}; building without it", timingCacheFile);
            }
            long start = System.nanoTime();
            IHostMemory serialized = builder.buildSerializedNetwork(network, config);
            if (serialized == null || serialized.isNull()) {
                throw new EngineException(TensorRtErrors.tensorRt("IBuilder.buildSerializedNetwork",
                        "no plan was built for profile " + profile.canonical()
                                + "; check GPU memory (nvidia-smi) and the TensorRT errors above",
                        TrtLogger.INSTANCE.takeRecentErrors()));
            }
            scratch.push("IHostMemory(plan)", () -> free(serialized));
            byte[] plan = copy(serialized);
            LOG.info("Built a TensorRT plan ({} MB, precision {}, {} x {}, sparse weights {}) in {} s",
                    plan.length >> 20, precision, copies, profile.canonical(), sparseWeights,
                    (System.nanoTime() - start) / 1_000_000_000L);
            writeTimingCache(timingCache, timingCacheFile);
            return plan;
        }
    }

    @Override
    public void close() {
        natives.close();
    }

    private void setShapes(IOptimizationProfile optimization, String input, OptimizationProfile profile) {
        try (Dims64 min = dims(profile.minBatch(), profile.minSequence());
                Dims64 opt = dims(profile.optBatch(), profile.optSequence());
                Dims64 max = dims(profile.maxBatch(), profile.maxSequence())) {
            if (!optimization.setDimensions(input, OptProfileSelector.kMIN, min)
                    || !optimization.setDimensions(input, OptProfileSelector.kOPT, opt)
                    || !optimization.setDimensions(input, OptProfileSelector.kMAX, max)) {
                throw new EngineException(TensorRtErrors.tensorRt("IOptimizationProfile.setDimensions(" + input + ")",
                        "shapes " + profile.canonical() + " were refused; the input must be [batch, sequence] with "
                                + "both dimensions dynamic", TrtLogger.INSTANCE.takeRecentErrors()));
            }
        }
    }

    /** The values of {@code dims}, which TensorRT returned and this closes: e.g. {@code [-1, -1, 384]}. */
    static long[] values(Dims64 dims) {
        try (dims) {
            long[] values = new long[dims.nbDims()];
            for (int d = 0; d < values.length; d++) {
                values[d] = dims.d(d);
            }
            return values;
        }
    }

    static Dims64 dims(long... values) {
        Dims64 dims = new Dims64();
        dims.nbDims(values.length);
        for (int i = 0; i < values.length; i++) {
            dims.d(i, values[i]);
        }
        return dims;
    }

    private static ITimingCache readTimingCache(IBuilderConfig config, Path file) {
        if (Files.isRegularFile(file)) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                try (BytePointer data = new BytePointer(bytes)) {
                    ITimingCache cache = config.createTimingCache(data, bytes.length);
                    if (cache != null && !cache.isNull()) {
                        return cache;
                    }
                }
                LOG.warn("TensorRT could not read the timing cache {}; deleting it and starting an empty one", file);
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("Could not read the timing cache {}: {}; starting an empty one", file, e.toString());
            }
        }
        return notNull(config.createTimingCache(null, 0), "IBuilderConfig.createTimingCache");
    }

    private static void writeTimingCache(ITimingCache cache, Path file) {
        IHostMemory serialized = cache.serialize();
        if (serialized == null || serialized.isNull()) {
            LOG.warn("TensorRT did not serialize the timing cache; the next build measures kernels again");
            return;
        }
        try {
            byte[] bytes = copy(serialized);
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(temp, bytes);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("Could not write the timing cache {}: {}", file, e.toString());
        } finally {
            free(serialized);
        }
    }

    static byte[] copy(IHostMemory memory) {
        long size = memory.size();
        if (size > Integer.MAX_VALUE - 16) {
            throw new EngineException("the serialized TensorRT plan is " + size + " bytes, more than a Java array holds");
        }
        byte[] bytes = new byte[(int) size];
        new BytePointer(memory.data()).capacity(size).get(bytes);
        return bytes;
    }

    private static List<TensorRtErrors.ParserError> parserErrors(IParser parser) {
        List<TensorRtErrors.ParserError> errors = new ArrayList<>();
        for (int i = 0; i < parser.getNbErrors(); i++) {
            IParserError error = parser.getError(i);
            errors.add(new TensorRtErrors.ParserError(String.valueOf(error.code()), error.desc(), error.nodeName(),
                    error.nodeOperator()));
        }
        return errors;
    }

    /** Needs {@code input_ids} and {@code attention_mask}; {@code token_type_ids} is optional; nothing else. */
    static void checkInputs(String model, List<String> inputs) {
        EncoderContract.checkInputNames(model, inputs, inputs);
    }

    private static String precisionOf(INetworkDefinition network) {
        boolean qdq = false;
        boolean half = false;
        boolean bf16 = false;
        for (int i = 0; i < network.getNbLayers(); i++) {
            ILayer layer = network.getLayer(i);
            int type = layer.getType().value;
            qdq |= type == LayerType.kQUANTIZE.value || type == LayerType.kDEQUANTIZE.value;
            for (int o = 0; o < layer.getNbOutputs(); o++) {
                int dataType = layer.getOutput(o).getType().value;
                half |= dataType == DataType.kHALF.value;
                bf16 |= dataType == DataType.kBF16.value;
            }
        }
        return precisionName(qdq, half, bf16);
    }

    /** Q/DQ wins (the matmuls run in INT8), then the narrowest float type any tensor has. */
    static String precisionName(boolean qdq, boolean half, boolean bf16) {
        return qdq ? "int8-qdq" : half ? "fp16" : bf16 ? "bf16" : "fp32";
    }

    static <T extends Pointer> T notNull(T pointer, String call) {
        if (pointer == null || pointer.isNull()) {
            throw new EngineException(TensorRtErrors.tensorRt(call, "it returned null",
                    TrtLogger.INSTANCE.takeRecentErrors()));
        }
        return pointer;
    }

    /**
     * Frees a TensorRT object (an {@code INoCopy}: every interface the library implements, not the ONNX parser) with
     * C++ {@code delete} ({@link NativeDelete}); pointers TensorRT returns carry no JavaCPP deallocator, so
     * {@code deallocate()} alone freed nothing. Where native deletion is unavailable, says so once and leaks.
     */
    static int free(Pointer pointer) {
        if (NativeDelete.available()) {
            NativeDelete.deleteNoCopy(pointer);
        } else {
            NativeDelete.warnIfUnavailable();
            pointer.deallocate();
        }
        return 0;
    }

    static void closeAfterFailure(NativeStack natives, Throwable primary) {
        try {
            natives.close();
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
