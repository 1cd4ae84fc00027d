package io.streamrt.engine;

/**
 * An engine failure that leaves the engine unusable (a CUDA error that poisons the context, a lost device): the
 * {@link EngineRegistry} marks the engine broken, fails its later batches, closes it once its leases are released,
 * and builds a new one on the next {@link EngineRegistry#acquire}. The inference operator fails its task on it,
 * whatever its failure policy, so that Flink restarts the task, which acquires the new engine; the records of the
 * failed batch are replayed from the checkpoint rather than dead-lettered.
 *
 * <p>Some failures poison more than the engine: after a sticky CUDA error (an illegal address, a kernel fault, a
 * device-side assert) every later CUDA call in the process fails the same way, and CUDA's documentation says the
 * process must be terminated and relaunched. Those say so with {@link #poisonsProcess()}; the operator then ends the
 * TaskManager process (Flink's fatal-error exit) so that the cluster replaces it.
 *
 * <p>Plain {@link EngineException}s (a batch over the limits, one input the model rejects, a closed engine) leave the
 * engine usable.
 *
 * <pre>{@code
 * throw new EngineFailedException("CUDA call cudaStreamSynchronize failed with status 700 (cudaErrorIllegalAddress)"
 *         + " on device 0", true);
 * }</pre>
 */
public class EngineFailedException extends EngineException {

    private static final long serialVersionUID = 1L;

    private final boolean poisonsProcess;

    /** A failure of this engine alone: a new engine in the same process can work. */
    public EngineFailedException(String message) {
        this(message, false);
    }

    public EngineFailedException(String message, Throwable cause) {
        super(message, cause);
        this.poisonsProcess = false;
    }

    /**
     * @param poisonsProcess true if no engine on this device can work in this process any more (a sticky CUDA error)
     */
    public EngineFailedException(String message, boolean poisonsProcess) {
        super(message);
        this.poisonsProcess = poisonsProcess;
    }

    private EngineFailedException(String message, Throwable cause, boolean poisonsProcess) {
        super(message, cause);
        this.poisonsProcess = poisonsProcess;
    }

    @Override
    protected EngineException withMessage(String message) {
        return new EngineFailedException(message, getCause(), poisonsProcess);
    }

    /** Whether the process must be replaced, not just the engine: see the class description. */
    public boolean poisonsProcess() {
        return poisonsProcess;
    }
}
