package io.streamrt.engine;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** A lease the {@link EngineRegistry} handed out: the guarded engine and its attachments, until closed. */
final class RegistryLease implements EngineLease {
    private final EngineRegistry registry;
    private final RegistryEntry entry;
    private final BuiltEngine built;
    private final AtomicBoolean closed = new AtomicBoolean();

    RegistryLease(EngineRegistry registry, RegistryEntry entry, BuiltEngine built) {
        this.registry = registry;
        this.entry = entry;
        this.built = built;
    }

    @Override
    public InferenceEngine engine() {
        checkOpen("engine()");
        return built.guarded;
    }

    @Override
    public ModelFiles model() {
        return built.model;
    }

    @Override
    public String engineId() {
        return built.engineId;
    }

    @Override
    public <T> T attachment(Class<T> type, Function<InferenceEngine, T> factory) {
        return attachment(type, "", factory);
    }

    @Override
    public <T> T attachment(Class<T> type, Object key, Function<InferenceEngine, T> factory) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(factory, "factory");
        checkOpen("attachment()");
        List<Object> slot = List.of(type, key);
        synchronized (built.attachments) {
            Object existing = built.attachments.get(slot);
            if (existing != null) {
                return type.cast(existing);
            }
            // Made under the lock: two slots asking at once must share one scheduler, not race to make two.
            T created = Objects.requireNonNull(factory.apply(built.guarded),
                    () -> "attachment factory for " + type.getName() + " returned null");
            built.attachments.put(slot, created);
            return created;
        }
    }

    private void checkOpen(String call) {
        if (closed.get()) {
            throw new EngineException("lease on engine " + built.engineId + " is closed: " + call
                    + " was called after close(); acquire a new lease from the EngineRegistry");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            registry.leaseClosed(entry);
        }
    }

    @Override
    public String toString() {
        return "EngineLease[" + built.engineId + (closed.get() ? ", closed]" : "]");
    }
}
