package io.streamrt.engine.internal.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.SimulatedGpu;
import io.streamrt.engine.internal.BackendSelector;
import io.streamrt.engine.internal.onnxruntime.OnnxRuntimeProvider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulated GPU: NVIDIA's published batch times interpolated, a run that holds its stream at least that long
 * (times the scale), deterministic outputs of the model's shape, and never chosen by {@code auto}.
 */
class SimulatedGpuEngineTest {

    private static final GpuCostModel TABLE = GpuCostModel.BERT_BASE_INT8_A100;

    @Test
    void thePublishedTimesAreKeptAndInterpolatedOverBatchSizeAndLength() {
        assertThat(TABLE.millis(1, 128)).isEqualTo(0.54);
        assertThat(TABLE.millis(64, 128)).isEqualTo(4.12);
        assertThat(TABLE.millis(128, 384)).isEqualTo(28.74);
        assertThat(TABLE.millis(8, 384)).isEqualTo(2.20);
        assertThat(TABLE.millis(3, 128)).as("between 2 and 4").isCloseTo((0.60 + 0.73) / 2, within(1e-9));
        assertThat(TABLE.millis(16, 256)).as("half-way between 128 and 384").isCloseTo((1.34 + 4.00) / 2,
                within(1e-9));
        assertThat(TABLE.millis(256, 128)).as("above 128: the slope from 64 to 128").isCloseTo(8.02 + 3.90 * 2,
                within(1e-9));
        // Shorter than 128: the work of rows * length / 128 full sequences, at least one.
        assertThat(TABLE.millis(32, 64)).isCloseTo(1.34, within(1e-9));
        assertThat(TABLE.millis(4, 16)).isEqualTo(0.54);
        // More rows or more tokens never cost less.
        for (int length : new int[] {8, 64, 128, 200, 384, 512}) {
            for (int rows = 1; rows < 200; rows++) {
                assertThat(TABLE.millis(rows + 1, length)).isGreaterThanOrEqualTo(TABLE.millis(rows, length));
                assertThat(TABLE.millis(rows, length + 1)).isGreaterThanOrEqualTo(TABLE.millis(rows, length));
            }
        }
    }

    @Test
    void aBatchHoldsItsStreamForTheScaledTimeAndGivesDeterministicOutputsOfTheModelsShape() {
        ModelFiles model = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.SIMULATED_GPU, 0, 64, 128,
                0, SimulatedGpu.options(10, 2));
        try (InferenceEngine engine = new SimulatedGpuProvider().create(spec, model)) {
            assertThat(engine.info().backend()).isEqualTo("simulated-gpu");
            assertThat(engine.info().maxConcurrentBatches()).isEqualTo(2);
            EncoderBatch batch = EncoderBatch.pad(List.of(new long[] {101, 2023, 2003, 102}, new long[] {101, 102}));
            long started = System.nanoTime();
            EncoderOutput out = engine.run(batch);
            long took = System.nanoTime() - started;

            // 2 rows of 4 tokens: the work of less than one full sequence, 0.54 ms, times 10.
            assertThat(out.runNanos()).isEqualTo(5_400_000L);
            assertThat(took).as("it holds the stream at least the simulated time").isGreaterThanOrEqualTo(5_400_000L);
            assertThat(out.tensor("last_hidden_state").shape()).containsExactly(2, 4, 384);
            EncoderOutput again = engine.run(batch);
            assertThat(again.tensor("last_hidden_state").data()).containsExactly(out.tensor("last_hidden_state")
                    .data());
            float[] first = out.tensor("last_hidden_state").row(0);
            float[] second = out.tensor("last_hidden_state").row(1);
            assertThat(java.util.Arrays.copyOfRange(first, 0, 384)).as("the [CLS] token, same id and position")
                    .containsExactly(java.util.Arrays.copyOfRange(second, 0, 384));
            assertThat(java.util.Arrays.copyOfRange(first, 384, 768)).isNotEqualTo(
                    java.util.Arrays.copyOfRange(second, 384, 768));
        }
    }

    @Test
    void autoNeverPicksItAndBadSettingsAreNamed() {
        EngineSpec auto = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 8, 32, 1);
        assertThat(BackendSelector.select(List.of(new SimulatedGpuProvider(), new OnnxRuntimeProvider()), auto,
                ModelFiles.resolve(auto.model(), null)).name()).isEqualTo("onnxruntime");
        assertThat(new SimulatedGpuProvider().autoRank()).isZero();

        EngineSpec bad = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.SIMULATED_GPU, 0, 8, 32, 1,
                Map.of(SimulatedGpu.TIME_SCALE, "-1"));
        assertThatThrownBy(() -> new SimulatedGpuProvider().create(bad,
                ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null)))
                .hasMessage("simulated time scale must be a positive number, found -1.0");
    }

    @Test
    void theRegistryBuildsItByNameAndRecordsSayWhatRanThem() {
        EngineRegistry registry = new EngineRegistry(List.of(new OnnxRuntimeProvider(), new SimulatedGpuProvider()),
                java.time.Duration.ZERO, EngineRegistry.daemonTimer());
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.SIMULATED_GPU, 0, 8, 32,
                1, SimulatedGpu.options(1, 1));
        assertThat(registry.check(spec)).isEqualTo("simulated-gpu");
        try (var lease = registry.acquire(spec)) {
            assertThat(lease.engine().info().backend()).isEqualTo("simulated-gpu");
        }
    }
}
