package io.streamrt.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A built engine in the {@link EngineRegistry} and what hangs off it: its guarded view, its id, its attachments. */
final class BuiltEngine {
    final InferenceEngine engine;
    /** What leases and attachments see: the engine, watched for fatal failures. */
    final InferenceEngine guarded;
    final ModelFiles model;
    final String engineId;
    /** Insertion order is creation order, which close reverses. Guarded by itself. */
    final Map<List<Object>, Object> attachments = new LinkedHashMap<>();

    BuiltEngine(EngineRegistry registry, RegistryEntry entry, InferenceEngine engine, ModelFiles model,
            String engineId) {
        this.engine = engine;
        this.guarded = new GuardedEngine(registry, entry, this);
        this.model = model;
        this.engineId = engineId;
    }
}
