package io.streamrt.engine;

/**
 * A loaded model that runs one batch of token sequences at a time and returns the encoder's output.
 *
 * <p>Calls are synchronous: the caller (the batch scheduler) owns the threading and blocking policy.
 * Implementations accept up to {@link EngineInfo#maxConcurrentBatches()} concurrent {@link #run} calls,
 * refuse use after {@link #close()}, and let {@code close()} wait for batches in flight.
 *
 * <pre>{@code
 * try (EngineLease lease = EngineRegistry.shared().acquire(spec)) {
 *     EncoderOutput out = lease.engine().run(batch);
 *     float[][] sentences = out.meanPooledNormalized(batch.lengths());
 * }
 * }</pre>
 */
public interface InferenceEngine extends AutoCloseable {

    /** What this engine takes and gives: limits, precision, backend. */
    EngineInfo info();

    /**
     * Runs one batch.
     *
     * @return the batch's output, the caller's to keep: its arrays are fresh, never a buffer that a later
     *     {@code run} writes again (the batch scheduler post-processes one batch's output while the engine runs the
     *     next); an engine that computes into a reused buffer copies out of it
     * @throws EngineException if the batch exceeds the engine's limits, the engine is closed, or the backend
     *     fails; the message names the call and what to do
     */
    EncoderOutput run(EncoderBatch batch) throws EngineException;

    /**
     * Memory and utilization of the device this engine runs on, where the backend can read them (a GPU backend);
     * empty on CPU or when the driver does not tell. Cheap enough for a metrics gauge.
     */
    default java.util.Optional<DeviceStats> deviceStats() {
        return java.util.Optional.empty();
    }

    /** Frees native resources after in-flight batches finish. Idempotent. */
    @Override
    void close();
}
