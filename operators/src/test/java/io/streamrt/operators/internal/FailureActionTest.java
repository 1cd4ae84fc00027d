package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineFailedException;
import io.streamrt.operators.FailurePolicy;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FailureActionTest {

    private static final EngineFailedException ENGINE_GONE = new EngineFailedException("device lost");
    private static final EngineFailedException STICKY =
            new EngineFailedException("CUDA status 700 (cudaErrorIllegalAddress)", true);

    @Test
    void aBrokenEngineFailsTheTaskWhateverThePolicy() {
        for (FailurePolicy policy : FailurePolicy.values()) {
            assertThat(FailureAction.decide(FailureScope.ENGINE, ENGINE_GONE, policy)).as("%s", policy)
                    .isEqualTo(FailureAction.FAIL_TASK);
        }
    }

    @Test
    void aStickyGpuErrorAlsoEndsTheProcessEvenWhenWrapped() {
        for (FailurePolicy policy : FailurePolicy.values()) {
            assertThat(FailureAction.decide(FailureScope.ENGINE, STICKY, policy))
                    .isEqualTo(FailureAction.FAIL_TASK_AND_EXIT_PROCESS);
            assertThat(FailureAction.decide(FailureScope.ENGINE,
                    new InferenceFailedException("engine e-1 failed: ...", STICKY), policy))
                    .isEqualTo(FailureAction.FAIL_TASK_AND_EXIT_PROCESS);
        }
    }

    @Test
    void recordAndBatchFailuresFollowThePolicy() {
        EngineException rejected = new EngineException("Reshape: wrong element count");
        for (FailureScope scope : new FailureScope[] {FailureScope.RECORD, FailureScope.BATCH}) {
            assertThat(FailureAction.decide(scope, rejected, FailurePolicy.DEAD_LETTER))
                    .isEqualTo(FailureAction.DEAD_LETTER);
            assertThat(FailureAction.decide(scope, rejected, FailurePolicy.FAIL)).isEqualTo(FailureAction.FAIL_TASK);
        }
        assertThat(FailureAction.decide(FailureScope.BATCH, new TimeoutException("late"), FailurePolicy.DEAD_LETTER))
                .isEqualTo(FailureAction.DEAD_LETTER);
        // A sticky error reported for one record only still follows the policy: only ENGINE scope ends processes.
        assertThat(FailureAction.decide(FailureScope.RECORD, STICKY, FailurePolicy.DEAD_LETTER))
                .isEqualTo(FailureAction.DEAD_LETTER);
    }
}
