package io.streamrt.engine;

import java.util.Optional;

/**
 * The one exception type at the engine API boundary. Messages say what was expected, what was found, and the fix.
 * A message whose fix is a setting the user changes carries it as a {@link SettingText}; the surface that shows the
 * failure writes it in its words ({@link #writtenFor}).
 */
public class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final SettingText settingText;

    public EngineException(String message) {
        super(message);
        this.settingText = null;
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
        this.settingText = null;
    }

    /** A failure whose message names settings; {@link #getMessage()} names them in no surface's words. */
    public EngineException(SettingText message) {
        super(message.toString());
        this.settingText = message;
    }

    public EngineException(SettingText message, Throwable cause) {
        super(message.toString(), cause);
        this.settingText = message;
    }

    /** A new failure of this type that reports {@code cause} again (for one more thread that waited on it). */
    static EngineException again(Throwable cause) {
        return cause instanceof EngineException engine && engine.settingText != null
                ? new EngineException(engine.settingText, cause) : new EngineException(cause.getMessage(), cause);
    }

    /** The message with the settings it names, for a surface to write; empty when it names none. */
    public Optional<SettingText> settingText() {
        return Optional.ofNullable(settingText);
    }

    /**
     * This failure with its message in {@code writer}'s words: the same type, cause and stack; itself when its message
     * names no setting.
     */
    public EngineException writtenFor(SettingText.Writer writer) {
        if (settingText == null) {
            return this;
        }
        EngineException written = withMessage(settingText.write(writer));
        written.setStackTrace(getStackTrace());
        return written;
    }

    /** This failure's type and cause with another message; each subclass with state of its own keeps it. */
    protected EngineException withMessage(String message) {
        return new EngineException(message, getCause());
    }
}
