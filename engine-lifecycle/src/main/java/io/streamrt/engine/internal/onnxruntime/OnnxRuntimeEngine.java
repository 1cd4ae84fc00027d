package io.streamrt.engine.internal.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.ModelRejectedException;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.internal.NativeGuard;
import io.streamrt.engine.onnx.ModelSignature;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-family encoder on ONNX Runtime (CPU). Input and output names are read from the model, not assumed.
 *
 * <pre>{@code
 * try (InferenceEngine engine = OnnxRuntimeEngine.open(spec, ModelFiles.resolve(spec.model(), null))) {
 *     EncoderOutput out = engine.run(EncoderBatch.pad(List.of(ids)));
 * }
 * }</pre>
 */
public final class OnnxRuntimeEngine implements InferenceEngine {

    static final String INPUT_IDS = EncoderContract.INPUT_IDS;
    static final String ATTENTION_MASK = EncoderContract.ATTENTION_MASK;
    static final String TOKEN_TYPE_IDS = EncoderContract.TOKEN_TYPE_IDS;

    /** The input types this engine feeds: token ids, masks and types as the model declares them. */
    static final Set<String> INPUT_TYPES = Set.of("int64", "int32");

    private final OrtEnvironment env;
    private final OrtSession session;
    private final EngineInfo info;
    private final EncoderContract.Checked model;
    private final Set<String> requestedOutputs;

    private final NativeGuard guard = new NativeGuard();

    private OnnxRuntimeEngine(OrtEnvironment env, OrtSession session, EngineInfo info, EncoderContract.Checked model) {
        this.env = env;
        this.session = session;
        this.info = info;
        this.model = model;
        Set<String> outputs = new LinkedHashSet<>();
        model.outputs().forEach(output -> outputs.add(output.name()));
        this.requestedOutputs = Collections.unmodifiableSet(outputs);
    }

    /** Loads the model; the caller owns (and closes) the engine. */
    public static OnnxRuntimeEngine open(EngineSpec spec, ModelFiles model) {
        OrtEnvironment env = OrtEnvironments.get();
        int threads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // One batch per thread, `threads` batches at once (the scheduler runs that many): on 2 cores this ran
            // 400+ records/s at batch size 1 where one batch at a time on 2 intra-op threads ran 200-280, and no
            // less at large batches: small encoder ops do not split well across threads, whole batches do.
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // No thread spins waiting for work: in a TaskManager the cores are shared with Kafka clients, Flink's
            // threads and the JIT.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = env.createSession(model.onnx().toString(), options);
        } catch (OrtException e) {
            throw new ModelRejectedException("ONNX Runtime could not load model '" + model.name() + "' from " + model.onnx()
                    + " (OrtEnvironment.createSession): " + e.getMessage()
                    + "; check that the file is a valid ONNX model", e);
        }
        try {
            EncoderContract.Checked checked = EncoderContract.check(model.name(), signature(session), INPUT_TYPES);
            EngineInfo info = new EngineInfo(EngineSpec.ONNXRUNTIME, model.name(), precisionOf(spec), spec.maxBatchSize(),
                    spec.maxSequenceLength(), checked.outputs(), threads);
            return new OnnxRuntimeEngine(env, session, info, checked);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session, e);
            if (e instanceof EngineException engineException) {
                throw engineException;
            }
            throw new EngineException("ONNX Runtime could not read the inputs and outputs of model '" + model.name()
                    + "' (OrtSession.getInputInfo/getOutputInfo): " + e.getMessage(), e);
        }
    }

    /** The session's inputs and outputs in the terms {@link EncoderContract} checks. */
    static ModelSignature signature(OrtSession session) throws OrtException {
        return new ModelSignature(tensors(session.getInputInfo()), tensors(session.getOutputInfo()));
    }

    /** ONNX Runtime's element type as {@link ModelSignature} names it: int64, float32, float16, ... */
    static String typeName(TensorInfo.OnnxTensorType type) {
        String name = type.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length()).toLowerCase(Locale.ROOT);
        return switch (name) {
            case "float" -> "float32";
            case "double" -> "float64";
            default -> name;
        };
    }

    private static List<ModelSignature.Tensor> tensors(Map<String, NodeInfo> nodes) {
        List<ModelSignature.Tensor> tensors = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            if (node.getInfo() instanceof TensorInfo tensor) {
                tensors.add(new ModelSignature.Tensor(node.getName(), typeName(tensor.onnxType), tensor.getShape()));
            } else {
                tensors.add(new ModelSignature.Tensor(node.getName(), "non-tensor", new long[0]));
            }
        }
        return tensors;
    }

    /** Only the builtins are known for sure; reading quantization from an arbitrary graph is left for later. */
    private static String precisionOf(EngineSpec spec) {
        return switch (spec.model()) {
            case ModelFiles.BUILTIN_MINILM_INT8 -> "int8-dynamic";
            case ModelFiles.BUILTIN_MINILM_FP32 -> "fp32";
            default -> "unknown";
        };
    }

    private static void closeQuietly(OrtSession session, Exception primary) {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public EncoderOutput run(EncoderBatch batch) {
        return guard.whileOpen(info::closedError, () -> {
            info.checkFits(batch);
            return runOpen(batch);
        });
    }

    private EncoderOutput runOpen(EncoderBatch batch) {
        int rows = batch.size();
        int seq = batch.sequenceLength();
        long[] shape = {rows, seq};
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>(4);
        try {
            for (ModelSignature.Tensor input : model.inputs()) {
                long[] values = switch (input.name()) {
                    case INPUT_IDS -> batch.inputIds();
                    case ATTENTION_MASK -> batch.attentionMask();
                    default -> batch.tokenTypeIds();
                };
                feeds.put(input.name(), "int32".equals(input.type())
                        ? OnnxTensor.createTensor(env, IntBuffer.wrap(narrow(values)), shape)
                        : OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
            }
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(feeds, requestedOutputs)) {
                long runNanos = System.nanoTime() - start;
                Map<String, OutputTensor> outputs = new LinkedHashMap<>();
                for (ModelSignature.Tensor expected : model.outputs()) {
                    OnnxTensor tensor = (OnnxTensor) result.get(expected.name()).orElseThrow(() ->
                            new EngineException("ONNX Runtime returned no '" + expected.name() + "' output"));
                    long[] outShape = tensor.getInfo().getShape();
                    if (outShape.length != expected.rank() || outShape[0] != rows) {
                        throw new EngineException("output '" + expected.name() + "' has shape "
                                + java.util.Arrays.toString(outShape) + ", expected " + expected.rank()
                                + " dimensions, the first " + rows + " (the batch's rows), as the model declares "
                                + expected);
                    }
                    outputs.put(expected.name(), new OutputTensor(expected.name(), outShape,
                            floats(tensor.getFloatBuffer())));
                }
                return new EncoderOutput(outputs, runNanos);
            }
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed in OrtSession.run for a batch of " + rows + " x " + seq
                    + " tokens on model '" + info.model() + "': " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * The values of an output copied out of ONNX Runtime: {@code getFloatBuffer()} already copies the native tensor
     * into a fresh heap buffer, whose array is taken as it is; copying it again into a new array cost 55 µs per
     * record at 64 x 40 x 384 (bench --stages-only), more than decoding the record.
     */
    private static float[] floats(FloatBuffer buffer) {
        if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0
                && buffer.remaining() == buffer.array().length) {
            return buffer.array();
        }
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    /** Token ids, masks and types as int32, for models exported with int32 inputs: they always fit. */
    private static int[] narrow(long[] values) {
        int[] narrowed = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            narrowed[i] = (int) values[i];
        }
        return narrowed;
    }

    @Override
    public void close() {
        guard.close(() -> {
            try {
                session.close();
            } catch (OrtException e) {
                throw new EngineException("ONNX Runtime failed to close the session of model '" + info.model()
                        + "' (OrtSession.close): " + e.getMessage(), e);
            }
        });
    }

    @Override
    public String toString() {
        return "OnnxRuntimeEngine[" + info.model() + ", outputs " + requestedOutputs + "]";
    }
}
