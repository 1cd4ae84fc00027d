package io.streamrt.operators.internal;

import io.streamrt.engine.EngineFailedException;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import org.apache.flink.annotation.Internal;

/**
 * What the operator does with a record that has no result: the decision, apart from its effects so that it is
 * tested on its own.
 *
 * <ul>
 *   <li>a fatal engine failure ({@link FailureScope#ENGINE}) fails the task whatever the policy: dead-lettering
 *       would send every later record of a broken engine to the dead-letter topic while the job looks healthy;
 *       the restart acquires a new engine and replays the record from the checkpoint;</li>
 *   <li>one that poisons the process (a sticky CUDA error) also ends the TaskManager process, which no new engine
 *       in it could survive;</li>
 *   <li>anything else (the record failed alone, a timeout, a user function threw) follows the policy.</li>
 * </ul>
 *
 * <pre>{@code
 * FailureAction action = FailureAction.decide(FailureScope.RECORD, error, FailurePolicy.DEAD_LETTER);
 * }</pre>
 */
@Internal
public enum FailureAction {
    /** Emit a failed result: the record goes to the dead-letter route. */
    DEAD_LETTER,
    /** Fail the task; Flink restarts it from the last checkpoint. */
    FAIL_TASK,
    /** Fail the task and end the TaskManager process ({@link ProcessExit}). */
    FAIL_TASK_AND_EXIT_PROCESS;

    /**
     * @param error the failure, or an exception that has it among its causes
     */
    public static FailureAction decide(FailureScope scope, Throwable error, FailurePolicy policy) {
        if (scope == FailureScope.ENGINE) {
            return poisonsProcess(error) ? FAIL_TASK_AND_EXIT_PROCESS : FAIL_TASK;
        }
        return policy == FailurePolicy.DEAD_LETTER ? DEAD_LETTER : FAIL_TASK;
    }

    private static boolean poisonsProcess(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EngineFailedException fatal && fatal.poisonsProcess()) {
                return true;
            }
        }
        return false;
    }
}
