package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.operators.BatchingMode;
import io.streamrt.operators.internal.InferenceRequest.FailureScope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed batch run again in halves: only the records that fail alone fail, at a bounded cost. Static batching with
 * a long delay makes each test's requests one full batch.
 */
class BatchSchedulerIsolationTest {

    private static final long POISON = 31_337;
    private static final int BATCH = 64;

    private EngineLease lease;
    private BatchScheduler scheduler;
    private final Map<Integer, Object> outcomes = new ConcurrentHashMap<>();

    @BeforeEach
    void open() {
        ScriptedEngine.reset();
        lease = EngineRegistry.shared().acquire(
                new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "scripted", 0, BATCH, 32, 1));
        scheduler = new BatchScheduler(lease.engine(), new SchedulerConfig(BatchingMode.STATIC, BATCH, 32,
                (long) BATCH * 32, TimeUnit.SECONDS.toNanos(30)), "isolation-test", new BatchStatistics());
    }

    @AfterEach
    void close() {
        scheduler.close();
        lease.close();
    }

    /** Submits one full batch; rows at {@code poisoned} positions hold the poison token. */
    private void runOneBatch(List<Integer> poisoned) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(BATCH);
        long now = scheduler.nowNanos();
        for (int i = 0; i < BATCH; i++) {
            int row = i;
            long[] ids = {101, 1000 + i, poisoned.contains(i) ? POISON : 2000, 102};
            scheduler.submit(new InferenceRequest(ids, now, now + TimeUnit.SECONDS.toNanos(30), this,
                    new InferenceRequest.Callback() {
                        @Override
                        public void onResult(InferenceRequest.Row result, int batchSize, long queueNanos, long runNanos) {
                            outcomes.put(row, result.output().hiddenState().row(result.index()));
                            done.countDown();
                        }

                        @Override
                        public void onFailure(Throwable error, FailureScope scope) {
                            outcomes.put(row, scope + ": " + error.getMessage());
                            done.countDown();
                        }
                    }));
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).as("every request answered").isTrue();
    }

    @Test
    void onePoisonRecordCostsAtMostTwoRunsPerHalvingAndFailsAlone() throws Exception {
        ScriptedEngine.poison(POISON, "Reshape: cannot reshape 1152 elements to [1, 3, 385]");
        runOneBatch(List.of(45));

        assertThat(outcomes).hasSize(BATCH);
        assertThat(outcomes.get(45)).isEqualTo("RECORD: Reshape: cannot reshape 1152 elements to [1, 3, 385]");
        assertThat(outcomes.entrySet()).filteredOn(e -> e.getKey() != 45)
                .allSatisfy(e -> assertThat(e.getValue()).isInstanceOf(float[].class));
        // log2(64) = 6 halvings, two runs each; the first, failed run is not an isolation run.
        assertThat(scheduler.isolationRuns()).isBetween(6L, 12L);
        assertThat(ScriptedEngine.runs()).isEqualTo(1 + (int) scheduler.isolationRuns());
        assertThat(scheduler.recordsIsolated()).isEqualTo(1);
    }

    @Test
    void severalPoisonRecordsEachFailAloneAndNothingElseFails() throws Exception {
        ScriptedEngine.poison(POISON, "rejected");
        runOneBatch(List.of(0, 17, 18, 63));

        assertThat(outcomes.entrySet()).filteredOn(e -> e.getValue() instanceof String)
                .extracting(Map.Entry::getKey).containsExactlyInAnyOrder(0, 17, 18, 63);
        assertThat(scheduler.recordsIsolated()).isEqualTo(4);
        assertThat(scheduler.isolationRuns()).isLessThanOrEqualTo(4 * 12);
    }

    @Test
    void aFatalFailureIsNotIsolatedItFailsTheWholeBatchAsTheEngines() throws Exception {
        ScriptedEngine.failNextFatally("device lost");
        runOneBatch(List.of());

        assertThat(outcomes.values()).hasSize(BATCH).allSatisfy(o -> assertThat(o).isEqualTo("ENGINE: device lost"));
        assertThat(scheduler.isolationRuns()).isZero();
        assertThat(ScriptedEngine.runs()).isEqualTo(1);
    }
}
