package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.operators.BatchStatistics;
import io.streamrt.operators.BatchingMode;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchSchedulerLifecycleTest {

    @Test
    void aClosedSchedulerIsForgottenButWhatItRanStaysInTheTotals() throws Exception {
        ScriptedEngine.reset();
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "scripted", 0, 8, 32, 1);
        try (EngineLease lease = EngineRegistry.shared().acquire(spec)) {
            BatchStatistics statistics = new BatchStatistics();
            for (int rebuild = 0; rebuild < 3; rebuild++) {
                BatchScheduler scheduler = new BatchScheduler(lease.engine(),
                        new SchedulerConfig(BatchingMode.ADAPTIVE, 8, 32, 256, 0), "lifecycle-" + rebuild, statistics);
                CountDownLatch done = new CountDownLatch(1);
                long now = scheduler.nowNanos();
                scheduler.submit(new InferenceRequest(new long[] {101, 2000, 102}, now, now + 1_000_000, this,
                        new InferenceRequest.Callback() {
                            @Override
                            public void onResult(InferenceRequest.Row row, int batchSize, long queueNanos, long runNanos) {
                                done.countDown();
                            }

                            @Override
                            public void onFailure(Throwable error, InferenceRequest.FailureScope scope) {}
                        }));
                assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(statistics.snapshot()).extracting(BatchStatistics.Entry::engineId)
                        .containsExactly("lifecycle-" + rebuild);
                scheduler.close();
                assertThat(statistics.snapshot()).as("schedulers kept after close").isEmpty();
            }
            BatchStatistics.Totals ran = statistics.totals();
            assertThat(ran.records()).as("records run by the three closed schedulers").isEqualTo(3);
            assertThat(ran.batches()).isEqualTo(3);
        }
    }
}
