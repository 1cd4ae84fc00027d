package io.streamrt.engine.internal.onnxruntime;

import io.streamrt.engine.EncoderContract;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.onnx.ModelSignature;

/**
 * The ONNX Runtime (CPU) backend, found through {@code META-INF/services}.
 *
 * <pre>{@code
 * InferenceEngine engine = new OnnxRuntimeProvider().create(spec, ModelFiles.resolve(spec.model(), null));
 * }</pre>
 */
public final class OnnxRuntimeProvider implements EngineProvider {

    /** Ranked below a GPU backend, above test backends (0). */
    static final int AUTO_RANK = 10;

    @Override
    public String name() {
        return EngineSpec.ONNXRUNTIME;
    }

    @Override
    public Availability availability() {
        return Probe.VERDICT;
    }

    @Override
    public int autoRank() {
        return AUTO_RANK;
    }

    @Override
    public void checkModel(ModelFiles model) {
        EncoderContract.check(model.name(), ModelSignature.read(model.onnx()), OnnxRuntimeEngine.INPUT_TYPES);
    }

    @Override
    public InferenceEngine create(EngineSpec spec, ModelFiles model) {
        return OnnxRuntimeEngine.open(spec, model);
    }

    /** Loading the native library can happen only once per JVM, so the verdict is taken once and kept. */
    private static final class Probe {
        static final Availability VERDICT = probe();

        private static Availability probe() {
            try {
                OrtEnvironments.get();
                return Availability.yes();
            } catch (Throwable t) {
                // An UnsatisfiedLinkError or NoClassDefFoundError is the expected failure here, not a bug.
                return Availability.no("ONNX Runtime could not load its native library (" + t
                        + "); this build bundles it only for linux-x64: run on linux-x64, or check that "
                        + "java.io.tmpdir is writable and not mounted noexec");
            }
        }
    }
}
