package io.streamrt.engine.testing;

import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;

/**
 * Backend {@code scripted}: builds {@link ScriptedEngine}s. Always available, never picked by {@code auto}.
 *
 * <pre>{@code
 * EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, ScriptedEngineProvider.NAME, 0, 8, 32, 1);
 * }</pre>
 */
public final class ScriptedEngineProvider implements EngineProvider {

    /** The engine name to put in an {@link EngineSpec}. */
    public static final String NAME = "scripted";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public int autoRank() {
        return 0;
    }

    @Override
    public InferenceEngine create(EngineSpec spec, ModelFiles model) {
        return ScriptedEngine.build(spec, model.name());
    }
}
