package io.streamrt.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A built engine in the {@link EngineRegistry} and what hangs off it: its guarded view, its id, its attachments. */
final class BuiltEngine {
    private static final Logger LOG = LoggerFactory.getLogger(BuiltEngine.class);

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

    /** Attachments first (they use the engine), newest first, then the engine; one failure does not skip the rest. */
    void close(String why) {
        RuntimeException failure = null;
        List<Object> closing;
        synchronized (attachments) {
            closing = new ArrayList<>(attachments.values());
            attachments.clear();
        }
        for (int i = closing.size() - 1; i >= 0; i--) {
            if (closing.get(i) instanceof AutoCloseable closeable) {
                failure = closeKeepingFirst(closeable, failure);
            }
        }
        failure = closeKeepingFirst(engine, failure);
        if (failure != null) {
            LOG.warn("Closing engine {} failed; its native resources may not all be freed", engineId, failure);
        } else {
            LOG.info("Closed engine {}: {}", engineId, why);
        }
    }

    private static RuntimeException closeKeepingFirst(AutoCloseable closeable, RuntimeException failure) {
        try {
            closeable.close();
        } catch (Exception e) {
            if (failure == null) {
                return e instanceof RuntimeException runtime ? runtime
                        : new EngineException("closing " + closeable.getClass().getName() + " failed: " + e, e);
            }
            failure.addSuppressed(e);
        }
        return failure;
    }
}
