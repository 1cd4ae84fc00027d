package io.streamrt.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The controls the operator tests rely on. */
class ScriptedEngineTest {

    private final ScriptedEngine engine = ScriptedEngine.build(
            new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, ScriptedEngineProvider.NAME, 0, 4, 16, 1), "m");

    @BeforeEach
    @AfterEach
    void reset() {
        ScriptedEngine.reset();
    }

    @Test
    void equalInputsGiveEqualEmbeddingsWhateverThePadding() {
        long[] row = {101, 2023, 2003, 102};
        EncoderBatch alone = EncoderBatch.pad(List.of(row));
        EncoderBatch padded = EncoderBatch.pad(List.of(new long[] {101, 1, 2, 3, 4, 5, 102}, row));

        float[] a = engine.run(alone).meanPooledNormalized(alone.lengths())[0];
        float[] b = engine.run(padded).meanPooledNormalized(padded.lengths())[1];
        float[] other = engine.run(padded).meanPooledNormalized(padded.lengths())[0];

        assertThat(b).containsExactly(a);
        assertThat(other).isNotEqualTo(a);
        assertThat(ScriptedEngine.runs()).isEqualTo(3);
        assertThat(ScriptedEngine.rowsRun()).isEqualTo(5);
        assertThat(ScriptedEngine.batchSizes()).containsExactly(1, 2, 2);
    }

    @Test
    void holdBlocksRunsUntilRelease() throws Exception {
        ScriptedEngine.hold();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(
                () -> engine.run(EncoderBatch.pad(List.of(new long[] {101, 102}))).hiddenState().rows());
        while (ScriptedEngine.held() == 0) {
            Thread.onSpinWait();
        }
        assertThat(run).isNotDone();
        assertThat(ScriptedEngine.runs()).isZero();

        ScriptedEngine.release();

        assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(ScriptedEngine.runs()).isEqualTo(1);
    }

    @Test
    void failNextFailsOnlyTheNextRun() {
        EncoderBatch batch = EncoderBatch.pad(List.of(new long[] {101, 102}));
        ScriptedEngine.failNext("scripted failure");

        assertThatThrownBy(() -> engine.run(batch)).isInstanceOf(EngineException.class).hasMessage("scripted failure");
        assertThat(engine.run(batch).hiddenState().rows()).isEqualTo(1);
    }

    @Test
    void refusesUseAfterCloseAndCountsOneClose() {
        engine.close();
        engine.close();

        assertThat(ScriptedEngine.closed()).isEqualTo(1);
        assertThatThrownBy(() -> engine.run(EncoderBatch.pad(List.of(new long[] {101, 102}))))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("is closed");
    }
}
