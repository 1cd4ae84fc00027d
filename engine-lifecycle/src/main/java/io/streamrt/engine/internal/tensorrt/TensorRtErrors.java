package io.streamrt.engine.internal.tensorrt;

import java.util.List;
import java.util.Set;

/**
 * The text of the TensorRT backend's failures: the call that failed, its status, where, and what to do. Kept apart
 * from the native calls so the messages are tested without a GPU.
 *
 * <pre>{@code
 * throw new EngineFailedException(TensorRtErrors.cuda("cudaStreamSynchronize", 700, "cudaErrorIllegalAddress",
 *         "an illegal memory access was encountered", 0));
 * }</pre>
 */
final class TensorRtErrors {

    private TensorRtErrors() {}

    /** One error the ONNX parser reported. */
    record ParserError(String code, String description, String node, String operator) {}

    /**
     * CUDA runtime statuses after which, in CUDA's words, "the process is left in an inconsistent state and any further
     * CUDA work will return the same error; to continue using CUDA, the process must be terminated and relaunched":
     * cudaErrorIllegalAddress (700), cudaErrorLaunchTimeout (702), cudaErrorAssert (710),
     * cudaErrorHardwareStackError (714), cudaErrorIllegalInstruction (715), cudaErrorMisalignedAddress (716),
     * cudaErrorInvalidAddressSpace (717), cudaErrorInvalidPc (718), cudaErrorLaunchFailure (719).
     */
    static final Set<Integer> STICKY_CUDA_STATUSES = Set.of(700, 702, 710, 714, 715, 716, 717, 718, 719);

    /** Whether a failed CUDA call poisons the whole process, not just the engine (see {@link #STICKY_CUDA_STATUSES}). */
    static boolean poisonsProcess(int cudaStatus) {
        return STICKY_CUDA_STATUSES.contains(cudaStatus);
    }

    /** A failed CUDA runtime call. */
    static String cuda(String call, int status, String name, String description, int device) {
        return "CUDA call " + call + " failed on GPU " + device + " with status " + status + " (" + name + ": "
                + description + ")";
    }

    /** A TensorRT call that returned false or null; {@code recentErrors} are the logger's last error lines. */
    static String tensorRt(String call, String what, List<String> recentErrors) {
        StringBuilder message = new StringBuilder("TensorRT call ").append(call).append(" failed: ").append(what);
        if (!recentErrors.isEmpty()) {
            message.append("; TensorRT reported: ").append(String.join(" | ", recentErrors));
        }
        return message.toString();
    }

    /** The ONNX parser's errors, numbered, with the node and operator each concerns. */
    static String parser(String model, String path, List<ParserError> errors) {
        StringBuilder message = new StringBuilder("TensorRT's ONNX parser rejected model '").append(model)
                .append("' (").append(path).append(") with ").append(errors.size())
                .append(errors.size() == 1 ? " error" : " errors").append(':');
        for (int i = 0; i < errors.size(); i++) {
            ParserError error = errors.get(i);
            message.append(' ').append(i + 1).append(") ").append(error.code()).append(": ")
                    .append(error.description());
            if (error.node() != null && !error.node().isEmpty()) {
                message.append(" at node '").append(error.node()).append('\'');
                if (error.operator() != null && !error.operator().isEmpty()) {
                    message.append(" (").append(error.operator()).append(')');
                }
            }
            message.append(';');
        }
        return message.append(" export the model with opset 17 or later and operators TensorRT 11 supports, or run it "
                + "on the onnxruntime engine").toString();
    }
}
