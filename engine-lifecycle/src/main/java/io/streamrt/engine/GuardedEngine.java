package io.streamrt.engine;

import java.util.Optional;

/**
 * The registry's view of a shared engine: runs go straight through, but a fatal failure marks the engine broken,
 * and a broken engine refuses further batches. Closing it does nothing: the registry owns the engine, a user closes
 * the lease.
 */
final class GuardedEngine implements InferenceEngine {
    private final EngineRegistry registry;
    private final RegistryEntry entry;
    private final BuiltEngine built;

    GuardedEngine(EngineRegistry registry, RegistryEntry entry, BuiltEngine built) {
        this.registry = registry;
        this.entry = entry;
        this.built = built;
    }

    @Override
    public EngineInfo info() {
        return built.engine.info();
    }

    @Override
    public EncoderOutput run(EncoderBatch batch) {
        if (entry.broken) {
            throw new EngineFailedException("engine " + built.engineId + " is broken (" + entry.brokenBy
                    + "); the batch was not run: close this lease and acquire a new one from the EngineRegistry, "
                    + "which builds a new engine");
        }
        try {
            return built.engine.run(batch);
        } catch (EngineFailedException e) {
            registry.markBroken(entry, built, e);
            throw e;
        }
    }

    @Override
    public Optional<DeviceStats> deviceStats() {
        return built.engine.deviceStats();
    }

    @Override
    public void close() {
        // Owned by the registry: closed with the last lease (after the grace period), never by a user.
    }

    @Override
    public String toString() {
        return "registry view of " + built.engineId + (entry.broken ? " (broken)" : "");
    }
}
