package io.streamrt.engine;

import java.util.function.Function;

/**
 * A counted use of a shared engine. Close it when done (the async function does so in its {@code close()});
 * the engine stays open while any lease is open, and for the registry's grace period after the last one.
 *
 * <pre>{@code
 * try (EngineLease lease = EngineRegistry.shared().acquire(spec)) {
 *     BatchScheduler scheduler = lease.attachment(BatchScheduler.class, BatchScheduler::new);
 * }
 * }</pre>
 */
public interface EngineLease extends AutoCloseable {

    /** The shared engine; valid until this lease is closed. */
    InferenceEngine engine();

    /** The model files the engine was built from (its tokenizer, for one). */
    ModelFiles model();

    /** Identifies the engine instance: equal for leases that share one, different after a rebuild. */
    String engineId();

    /**
     * A per-engine singleton, made on first use from the engine and closed (if {@link AutoCloseable}) before the
     * engine is. Used to share one batch scheduler among all slots that share an engine.
     */
    <T> T attachment(Class<T> type, Function<InferenceEngine, T> factory);

    /**
     * As {@link #attachment(Class, Function)}, one instance per type and {@code key} (equal keys share one): e.g.
     * one scheduler per batching configuration on a shared engine.
     */
    <T> T attachment(Class<T> type, Object key, Function<InferenceEngine, T> factory);

    /** Releases this lease; idempotent. */
    @Override
    void close();
}
