package io.streamrt.engine;

/** The one exception type at the engine API boundary. Messages say what was expected, what was found, and the fix. */
public class EngineException extends RuntimeException {

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
