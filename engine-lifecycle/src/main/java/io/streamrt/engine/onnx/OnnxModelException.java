package io.streamrt.engine.onnx;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.ModelRejectedException;

/**
 * An ONNX model that cannot be read, written or transformed: the message says what was expected, what was found
 * and what to do.
 *
 * <pre>{@code
 * try {
 *     OnnxModel.read(Path.of("model.onnx"));
 * } catch (OnnxModelException e) {
 *     System.err.println(e.getMessage());   // e.g. "... is truncated: ..."
 * }
 * }</pre>
 */
public class OnnxModelException extends ModelRejectedException {

    private static final long serialVersionUID = 1L;

    public OnnxModelException(String message) {
        super(message);
    }

    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    protected EngineException withMessage(String message) {
        return new OnnxModelException(message, getCause());
    }
}
