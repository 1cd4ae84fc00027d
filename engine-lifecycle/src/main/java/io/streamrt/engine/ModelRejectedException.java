package io.streamrt.engine;

/**
 * The model cannot run here, and retrying will not change that: a file that is missing or not a model, inputs or
 * outputs the engine cannot feed or read, types it does not take. Checked where the job is submitted when the
 * model is reachable there; thrown again where an engine opens. The inference operator fails the job on it without
 * restarting it (restarts would fail the same way, forever), with this message.
 *
 * <pre>{@code
 * throw new ModelRejectedException("model 'm' input 'input_ids' is int32, expected int64; ...");
 * }</pre>
 */
public class ModelRejectedException extends EngineException {

    private static final long serialVersionUID = 1L;

    public ModelRejectedException(String message) {
        super(message);
    }

    public ModelRejectedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A rejection whose fix is a setting: see {@link EngineException#EngineException(SettingText)}. */
    public ModelRejectedException(SettingText message) {
        super(message);
    }

    @Override
    protected EngineException withMessage(String message) {
        return new ModelRejectedException(message, getCause());
    }
}
