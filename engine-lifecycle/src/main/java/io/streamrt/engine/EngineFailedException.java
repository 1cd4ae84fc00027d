package io.streamrt.engine;

/**
 * An engine failure that leaves the engine unusable (a CUDA error that poisons the context, a lost device): the
 * {@link EngineRegistry} marks the engine broken, fails its later batches, closes it once its leases are released,
 * and builds a new one on the next {@link EngineRegistry#acquire}. Batches in flight fail to the caller, which
 * retries them (on a new lease) or dead-letters them per its configuration.
 *
 * <p>Plain {@link EngineException}s (a batch over the limits, a closed engine) leave the engine usable.
 *
 * <pre>{@code
 * throw new EngineFailedException("CUDA call cudaStreamSynchronize failed with status 700 (cudaErrorIllegalAddress)"
 *         + " on device 0; the engine will be rebuilt on the next acquire");
 * }</pre>
 */
public class EngineFailedException extends EngineException {

    public EngineFailedException(String message) {
        super(message);
    }

    public EngineFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
