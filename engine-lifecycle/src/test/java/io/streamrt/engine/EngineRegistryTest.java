package io.streamrt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.streamrt.engine.internal.onnxruntime.OnnxRuntimeProvider;
import io.streamrt.engine.internal.tensorrt.TensorRtProvider;
import io.streamrt.engine.task.TaskPlan;
import io.streamrt.engine.testing.ManualGraceTimer;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.engine.testing.ScriptedEngineProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineRegistryTest {

    /** Settings named as a SQL model's WITH options are. */
    private static final SettingText.Writer SQL_WORDS = new SettingText.Writer() {
        @Override
        public String name(Setting setting) {
            return "'" + setting.id() + "'";
        }

        @Override
        public String set(Setting setting, String value) {
            return name(setting) + " = '" + value + "'";
        }
    };

    private static final Duration GRACE = Duration.ofSeconds(30);

    private final ManualGraceTimer timer = new ManualGraceTimer();
    private final EngineRegistry registry =
            new EngineRegistry(List.of(new ScriptedEngineProvider()), GRACE, timer);
    private ExecutorService pool;

    @BeforeEach
    void reset() {
        ScriptedEngine.reset();
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void stop() {
        ScriptedEngine.reset();
        pool.shutdownNow();
    }

    private static EngineSpec scripted(int maxBatchSize) {
        return new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, ScriptedEngineProvider.NAME, 0, maxBatchSize, 64, 1);
    }

    @Test
    void concurrentAcquiresOfOneSpecBuildOnceAndShareTheEngine() throws Exception {
        ScriptedEngine.holdBuilds();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Future<EngineLease>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(pool.submit(() -> {
                threads.add(Thread.currentThread());
                return registry.acquire(scripted(8));
            }));
        }
        awaitAllWaiting(threads, 8);
        ScriptedEngine.releaseBuilds();

        Set<String> ids = new HashSet<>();
        Set<InferenceEngine> engines = new HashSet<>();
        for (Future<EngineLease> future : futures) {
            EngineLease lease = future.get(30, TimeUnit.SECONDS);
            ids.add(lease.engineId());
            engines.add(lease.engine());
        }
        assertThat(ScriptedEngine.created()).isEqualTo(1);
        assertThat(ids).hasSize(1);
        assertThat(ids.iterator().next()).contains("-scripted-all-minilm-l6-v2-int8");
        assertThat(engines).hasSize(1);
        assertThat(registry.openLeases()).isEqualTo(8);
        assertThat(registry.openEngines()).isEqualTo(1);
    }

    @Test
    void differentSpecsGetDifferentEngines() {
        try (EngineLease a = registry.acquire(scripted(8)); EngineLease b = registry.acquire(scripted(16))) {
            assertThat(a.engineId()).isNotEqualTo(b.engineId());
            assertThat(a.engine()).isNotSameAs(b.engine());
            assertThat(b.engine().info().maxBatchSize()).isEqualTo(16);
            assertThat(ScriptedEngine.created()).isEqualTo(2);
            assertThat(registry.openEngines()).isEqualTo(2);
        }
    }

    @Test
    void lastReleaseClosesAfterTheGracePeriodOnly() {
        EngineLease first = registry.acquire(scripted(8));
        EngineLease second = registry.acquire(scripted(8));
        ScriptedEngine engine = ScriptedEngine.last();

        first.close();
        assertThat(timer.pending()).as("a lease is still open").isZero();
        second.close();

        assertThat(timer.pending()).isEqualTo(1);
        assertThat(timer.lastDelay()).isEqualTo(GRACE);
        assertThat(engine.isClosed()).as("within the grace period").isFalse();
        assertThat(registry.openEngines()).isEqualTo(1);
        assertThat(registry.openLeases()).isZero();

        assertThat(timer.fireAll()).isEqualTo(1);
        assertThat(engine.isClosed()).isTrue();
        assertThat(ScriptedEngine.closed()).isEqualTo(1);
        assertThat(registry.openEngines()).isZero();
    }

    @Test
    void reacquireWithinTheGracePeriodKeepsTheEngine() {
        EngineLease first = registry.acquire(scripted(8));
        String id = first.engineId();
        first.close();

        EngineLease again = registry.acquire(scripted(8));
        assertThat(again.engineId()).isEqualTo(id);
        assertThat(timer.pending()).as("the pending close is called off").isZero();
        // A timer that fires despite the cancel (it raced with the acquire) must not close a used engine.
        timer.fireAllIgnoringCancel();
        assertThat(ScriptedEngine.closed()).isZero();
        assertThat(ScriptedEngine.created()).isEqualTo(1);
        assertThat(again.engine().run(EncoderBatch.pad(List.of(new long[] {101, 7, 102}))).hiddenState().rows()).isEqualTo(1);

        again.close();
        timer.fireAll();
        assertThat(ScriptedEngine.closed()).isEqualTo(1);

        try (EngineLease rebuilt = registry.acquire(scripted(8))) {
            assertThat(rebuilt.engineId()).as("a new engine after the old one closed").isNotEqualTo(id);
            assertThat(ScriptedEngine.created()).isEqualTo(2);
        }
    }

    @Test
    void attachmentsAreSharedAndClosedBeforeTheEngineNewestFirst() {
        List<String> closeOrder = new CopyOnWriteArrayList<>();
        AtomicInteger made = new AtomicInteger();
        EngineLease a = registry.acquire(scripted(8));
        EngineLease b = registry.acquire(scripted(8));
        ScriptedEngine engine = ScriptedEngine.last();

        Scheduler fromA = a.attachment(Scheduler.class, e -> {
            made.incrementAndGet();
            return new Scheduler("scheduler", closeOrder, e);
        });
        Scheduler fromB = b.attachment(Scheduler.class, e -> new Scheduler("other", closeOrder, e));
        Metrics metrics = b.attachment(Metrics.class, e -> new Metrics("metrics", closeOrder, e));

        assertThat(fromB).isSameAs(fromA);
        assertThat(made).hasValue(1);
        a.close();
        b.close();
        assertThat(closeOrder).isEmpty();

        timer.fireAll();

        assertThat(closeOrder).containsExactly("metrics (engine open)", "scheduler (engine open)");
        assertThat(engine.isClosed()).isTrue();
        assertThat(metrics.closed).isTrue();
    }

    @Test
    void closeKeepsGoingWhenAnAttachmentFails() {
        List<String> closeOrder = new CopyOnWriteArrayList<>();
        EngineLease lease = registry.acquire(scripted(8));
        ScriptedEngine engine = ScriptedEngine.last();
        lease.attachment(Scheduler.class, e -> new Scheduler("scheduler", closeOrder, e));
        lease.attachment(Failing.class, e -> new Failing());
        lease.close();

        timer.fireAll();

        assertThat(closeOrder).containsExactly("scheduler (engine open)");
        assertThat(engine.isClosed()).isTrue();
    }

    @Test
    void zeroGracePeriodClosesWithTheLastLease() {
        EngineRegistry eager = new EngineRegistry(List.of(new ScriptedEngineProvider()), Duration.ZERO, timer);
        EngineLease lease = eager.acquire(scripted(8));
        ScriptedEngine engine = ScriptedEngine.last();

        lease.close();

        assertThat(engine.isClosed()).isTrue();
        assertThat(timer.pending()).isZero();
        assertThat(eager.openEngines()).isZero();
    }

    @Test
    void doubleCloseOfALeaseIsHarmless() {
        EngineLease kept = registry.acquire(scripted(8));
        EngineLease twice = registry.acquire(scripted(8));

        twice.close();
        twice.close();

        assertThat(registry.openLeases()).isEqualTo(1);
        assertThat(timer.pending()).as("the other lease still holds the engine").isZero();
        assertThatThrownBy(twice::engine)
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("is closed")
                .hasMessageContaining("acquire a new lease");
        kept.close();
        assertThat(registry.openLeases()).isZero();
        assertThat(timer.pending()).isEqualTo(1);
    }

    @Test
    void aFailedBuildReachesEveryWaiterAndIsNotKept() throws Exception {
        ScriptedEngine.holdBuilds();
        ScriptedEngine.failNextBuild("scripted build failure");
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Future<EngineLease>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(pool.submit(() -> {
                threads.add(Thread.currentThread());
                return registry.acquire(scripted(8));
            }));
        }
        awaitAllWaiting(threads, 4);
        ScriptedEngine.releaseBuilds();

        for (Future<EngineLease> future : futures) {
            assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(EngineException.class)
                    .hasMessageContaining("scripted build failure");
        }
        assertThat(registry.openEngines()).isZero();
        assertThat(registry.openLeases()).isZero();

        try (EngineLease retried = registry.acquire(scripted(8))) {
            assertThat(retried.engine().info().backend()).isEqualTo("scripted");
            assertThat(ScriptedEngine.created()).isEqualTo(1);
        }
    }

    @Test
    void aFatalFailureBreaksTheEngineAndTheNextAcquireBuildsANewOne() {
        EncoderBatch batch = oneRow();
        EngineLease old = registry.acquire(scripted(8));
        String oldId = old.engineId();
        ScriptedEngine oldEngine = ScriptedEngine.last();

        ScriptedEngine.failNextFatally("CUDA call cudaStreamSynchronize failed with status 700");
        assertThatThrownBy(() -> old.engine().run(batch))
                .isInstanceOf(EngineFailedException.class)
                .hasMessage("CUDA call cudaStreamSynchronize failed with status 700");
        int runs = ScriptedEngine.runs();
        assertThatThrownBy(() -> old.engine().run(batch))
                .as("a broken engine refuses batches without running them")
                .isInstanceOf(EngineFailedException.class)
                .hasMessageContaining("engine " + oldId + " is broken (CUDA call cudaStreamSynchronize failed")
                .hasMessageContaining("acquire a new one from the EngineRegistry");
        assertThat(ScriptedEngine.runs()).isEqualTo(runs);
        assertThat(oldEngine.isClosed()).as("a lease still holds it").isFalse();

        EngineLease fresh = registry.acquire(scripted(8));
        assertThat(fresh.engineId()).isNotEqualTo(oldId);
        assertThat(ScriptedEngine.created()).isEqualTo(2);
        assertThat(fresh.engine().run(batch).hiddenState().rows()).isEqualTo(1);
        assertThat(registry.openEngines()).isEqualTo(2);

        old.close();
        assertThat(oldEngine.isClosed()).as("closed with its last lease, no grace period").isTrue();
        assertThat(oldEngine.closeCalls()).isEqualTo(1);
        assertThat(timer.pending()).isZero();
        assertThat(registry.openEngines()).isEqualTo(1);
        old.close();
        assertThat(registry.openLeases()).isEqualTo(1);

        fresh.close();
        assertThat(timer.fireAll()).isEqualTo(1);
        assertThat(ScriptedEngine.closed()).isEqualTo(2);
        assertThat(registry.openLeases()).isZero();
        assertThat(registry.openEngines()).isZero();
    }

    @Test
    void allLeasesOfABrokenEngineCloseCleanlyAndItClosesOnce() {
        List<EngineLease> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(registry.acquire(scripted(8)));
        }
        ScriptedEngine broken = ScriptedEngine.last();
        List<String> closeOrder = new CopyOnWriteArrayList<>();
        leases.get(0).attachment(Scheduler.class, e -> new Scheduler("scheduler", closeOrder, e));

        ScriptedEngine.failNextFatally("device lost");
        assertThatThrownBy(() -> leases.get(1).engine().run(oneRow()))
                .isInstanceOf(EngineFailedException.class);

        leases.get(2).close();
        leases.get(0).close();
        assertThat(broken.isClosed()).isFalse();
        leases.get(1).close();

        assertThat(closeOrder).containsExactly("scheduler (engine open)");
        assertThat(broken.closeCalls()).isEqualTo(1);
        assertThat(timer.pending()).isZero();
        assertThat(registry.openLeases()).isZero();
        assertThat(registry.openEngines()).isZero();
    }

    @Test
    void anEngineThatBreaksWithinItsGracePeriodClosesAtOnce() {
        EngineLease lease = registry.acquire(scripted(8));
        String id = lease.engineId();
        ScriptedEngine engine = ScriptedEngine.last();
        // A scheduler keeps the engine after the lease that made it is gone (the grace period).
        InferenceEngine seenByScheduler = lease.attachment(InferenceEngine.class, e -> e);
        lease.close();
        assertThat(timer.pending()).isEqualTo(1);

        ScriptedEngine.failNextFatally("cudaErrorLaunchFailure");
        assertThatThrownBy(() -> seenByScheduler.run(oneRow())).isInstanceOf(EngineFailedException.class);

        assertThat(engine.isClosed()).isTrue();
        assertThat(timer.fireAll()).as("the pending grace close is called off").isZero();
        assertThat(engine.closeCalls()).isEqualTo(1);
        try (EngineLease next = registry.acquire(scripted(8))) {
            assertThat(next.engineId()).isNotEqualTo(id);
        }
    }

    @Test
    void anOrdinaryFailureLeavesTheEngineInService() {
        try (EngineLease lease = registry.acquire(scripted(8))) {
            String id = lease.engineId();
            ScriptedEngine.failNext("batch rejected");
            assertThatThrownBy(() -> lease.engine().run(oneRow()))
                    .isExactlyInstanceOf(EngineException.class);
            assertThat(lease.engine().run(oneRow()).hiddenState().rows()).isEqualTo(1);
            try (EngineLease again = registry.acquire(scripted(8))) {
                assertThat(again.engineId()).isEqualTo(id);
            }
        }
        assertThat(ScriptedEngine.created()).isEqualTo(1);
    }

    @Test
    void closingTheEngineSeenThroughALeaseDoesNotCloseTheSharedEngine() {
        try (EngineLease a = registry.acquire(scripted(8)); EngineLease b = registry.acquire(scripted(8))) {
            a.engine().close();
            assertThat(ScriptedEngine.last().isClosed()).isFalse();
            assertThat(b.engine().run(oneRow()).hiddenState().rows()).isEqualTo(1);
        }
    }

    @Test
    void tensorRtOnThisMachineFailsWithWhatIsMissing() {
        EngineRegistry withTensorRt = new EngineRegistry(
                List.of(new TensorRtProvider(), new OnnxRuntimeProvider()), GRACE, timer);
        EngineProvider.Availability availability = new TensorRtProvider().availability();
        assumeFalse(availability.available(), "TensorRT is usable here: this test checks a machine without it");
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_FP32, null, EngineSpec.TENSORRT, 0, 8, 64, 1);

        assertThatThrownBy(() -> withTensorRt.acquire(spec))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("engine 'tensorrt' is not available here: " + availability.reason())
                .hasMessageContaining("use engine onnxruntime");
        assertThat(withTensorRt.openEngines()).isZero();
        assertThat(withTensorRt.openLeases()).isZero();
    }

    @Test
    void autoFallsBackToOnnxRuntimeWhenTensorRtCannotRunHere() {
        assumeFalse(new TensorRtProvider().availability().available(),
                "TensorRT is usable here: auto picks it, this test checks a machine without it");
        EngineRegistry auto = new EngineRegistry(
                List.of(new TensorRtProvider(), new OnnxRuntimeProvider()), GRACE, timer);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 4, 32, 1);

        assertThat(auto.check(spec)).isEqualTo(EngineSpec.ONNXRUNTIME);
    }

    private static EncoderBatch oneRow() {
        return EncoderBatch.pad(List.of(new long[] {101, 7, 102}));
    }

    @Test
    void tensorRtIsNotAvailableInThisBuild() {
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.TENSORRT, 0, 8, 64, 1);
        EngineRegistry withOrt = new EngineRegistry(
                List.of(new OnnxRuntimeProvider(), new ScriptedEngineProvider()), GRACE, timer);

        assertThatThrownBy(() -> withOrt.acquire(spec))
                .isInstanceOf(EngineException.class)
                .hasMessage("engine 'tensorrt' is not available in this build: no TensorRT backend is on the "
                        + "classpath; use engine onnxruntime or engine auto (available engines: onnxruntime, "
                        + "scripted, auto)");
        assertThat(withOrt.openEngines()).isZero();
    }

    @Test
    void aNamedProviderThatCannotRunHereGivesItsReason() {
        EngineRegistry broken = new EngineRegistry(
                List.of(new FakeProvider("tensorrt", 100, "libnvinfer.so.11 not found: install TensorRT 11")), GRACE,
                timer);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "TensorRT", 0, 8, 64, 1);

        assertThatThrownBy(() -> broken.acquire(spec))
                .isInstanceOf(EngineException.class)
                .hasMessage("engine 'TensorRT' is not available here: libnvinfer.so.11 not found: install TensorRT 11;"
                        + " or use engine auto");
    }

    @Test
    void theEnginesToUseInsteadAreNamedInTheUsersWords() {
        EngineRegistry gpuOnly = new EngineRegistry(List.of(new OnnxRuntimeProvider(),
                new FakeProvider("tensorrt", 100, "no GPU is visible to this process")), GRACE, timer);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "tensorrt", 0, 8, 64, 1);
        SettingText.Writer sql = SQL_WORDS;

        EngineException failure = catchThrowableOfType(EngineException.class, () -> gpuOnly.acquire(spec));
        assertThat(failure).hasMessage("engine 'tensorrt' is not available here: no GPU is visible to this process; "
                + "or use engine onnxruntime or engine auto");
        assertThat(failure.writtenFor(sql)).isExactlyInstanceOf(EngineException.class)
                .hasMessage("engine 'tensorrt' is not available here: no GPU is visible to this process; or use "
                        + "'engine' = 'onnxruntime' or 'engine' = 'auto'");
        assertThat(sql.messageOf(catchThrowable(() -> gpuOnly.check(spec, TaskPlan.Choices.detect()))))
                .endsWith("or use 'engine' = 'onnxruntime' or 'engine' = 'auto'");
        assertThat(gpuOnly.openLeases()).isZero();
    }

    @Test
    void aTaskThatWaitedForAFailedBuildGetsTheSettingsItsMessageNames() {
        ModelRejectedException built = new ModelRejectedException(SettingText.of("no tokenizer; pass ")
                .set(Setting.TOKENIZER, "PATH"));

        EngineException waiter = EngineException.again(built);

        assertThat(waiter).isNotSameAs(built).hasCause(built).hasMessage("no tokenizer; pass tokenizer PATH");
        assertThat(waiter.settingText()).isEqualTo(built.settingText());
        assertThat(built.writtenFor(SQL_WORDS)).isExactlyInstanceOf(ModelRejectedException.class)
                .hasMessage("no tokenizer; pass 'tokenizer' = 'PATH'");
    }

    @Test
    void forAClusterTheModelIsCheckedAgainstTheNamedBackendWithoutAskingThisMachine() {
        EngineRegistry client = new EngineRegistry(List.of(new OnnxRuntimeProvider(),
                new FakeProvider("tensorrt", 100, "no GPU is visible to this process")), GRACE, timer);
        EngineSpec tensorRt = new EngineSpec(ModelFiles.BUILTIN_MINILM_FP32, null, "tensorrt", 0, 8, 64, 1);

        assertThatThrownBy(() -> client.check(tensorRt, TaskPlan.Choices.detect()))
                .hasMessageContaining("is not available here: no GPU is visible");
        ModelCheck there = client.checkForCluster(tensorRt, TaskPlan.Choices.detect());
        assertThat(there.backend()).startsWith("tensorrt, on the TaskManagers");
        assertThat(there.plan().describe()).startsWith("task embedding");
        ModelCheck auto = client.checkForCluster(new EngineSpec(ModelFiles.BUILTIN_MINILM_FP32, null, "auto", 0, 8,
                64, 1), TaskPlan.Choices.detect());
        assertThat(auto.backend()).startsWith("auto, decided on each TaskManager");
        assertThatThrownBy(() -> client.checkForCluster(new EngineSpec(ModelFiles.BUILTIN_MINILM_FP32, null,
                "gpu-magic", 0, 8, 64, 1), TaskPlan.Choices.detect()))
                .isInstanceOf(EngineException.class)
                .hasMessage("engine 'gpu-magic' is not available in this build: no backend named 'gpu-magic' is on "
                        + "the classpath; use engine onnxruntime or engine auto (available engines: onnxruntime, "
                        + "auto)");
        assertThat(client.openEngines()).as("nothing built").isZero();
    }

    @Test
    void autoPicksOnnxRuntimeWhenItIsTheOnlyAvailableRankedBackend() {
        EngineRegistry auto = new EngineRegistry(List.of(
                new FakeProvider("tensorrt", 100, "no CUDA driver (libcuda.so.1 missing)"),
                new OnnxRuntimeProvider(),
                new ScriptedEngineProvider()), GRACE, timer);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 4, 32, 1);

        try (EngineLease lease = auto.acquire(spec)) {
            assertThat(lease.engine().info().backend()).isEqualTo("onnxruntime");
            assertThat(lease.engineId()).endsWith("-onnxruntime-all-minilm-l6-v2-int8");
            assertThat(lease.model().tokenizer()).isRegularFile();
        }
        timer.fireAll();
        assertThat(auto.openEngines()).isZero();
    }

    @Test
    void autoWithNothingUsableSaysWhy() {
        EngineRegistry none = new EngineRegistry(
                List.of(new FakeProvider("tensorrt", 100, "no GPU"), new ScriptedEngineProvider()), GRACE, timer);
        EngineSpec spec = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 4, 32, 1);

        assertThatThrownBy(() -> none.acquire(spec))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("engine 'auto' found no usable backend")
                .hasMessageContaining("tensorrt: no GPU")
                .hasMessageContaining("scripted: never picked by auto");
    }

    @Test
    void sharedRegistryFindsTheBackendsOnTheClasspath() {
        List<String> names = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(p -> names.add(p.name()));

        assertThat(names).contains("onnxruntime", "scripted");
        assertThat(new OnnxRuntimeProvider().availability().available()).isTrue();
        assertThat(EngineRegistry.shared()).isSameAs(EngineRegistry.shared());
    }

    /**
     * Waits, without a timed sleep, until every thread is parked inside acquire: the builder on the build gate, the
     * others on the shared build. Nothing else in these tasks parks, so WAITING means lined up.
     */
    @Test
    void aTaskInterruptedWhileItsEngineBuildsStopsWaitingAtOnceAndTheEngineIsClosedWhenBuilt() throws Exception {
        // A build is minutes of native code for a TensorRT plan that no interrupt stops: the task that asked must
        // not sit in it past Flink's cancellation timeout. With no grace period, the engine built for nobody closes.
        EngineRegistry eager = new EngineRegistry(List.of(new ScriptedEngineProvider()), Duration.ZERO, timer);
        assertThat(interruptedWhileItBuilds(eager)).hasMessageContaining("interrupted while waiting for the engine "
                + "for model").hasMessageContaining("the build goes on");
        assertThat(eager.openLeases()).isZero();

        ScriptedEngine.releaseBuilds();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ScriptedEngine.closed() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the build finishes on its own thread
        }
        assertThat(ScriptedEngine.created()).isEqualTo(1);
        assertThat(ScriptedEngine.last().isClosed()).as("built for nobody, closed once built").isTrue();
        assertThat(eager.openEngines()).isZero();
    }

    @Test
    void withAGracePeriodAnEngineBuiltForATaskThatGaveUpWaitsItsGraceForTheRestart() throws Exception {
        interruptedWhileItBuilds(registry);
        ScriptedEngine.releaseBuilds();

        // The restarted task finds the engine (built meanwhile, or still building) instead of building another.
        try (EngineLease restarted = registry.acquire(scripted(8))) {
            assertThat(ScriptedEngine.created()).isEqualTo(1);
            assertThat(restarted.engine().info().maxBatchSize()).isEqualTo(8);
        }
        assertThat(timer.fireAll()).isGreaterThanOrEqualTo(1);
        assertThat(ScriptedEngine.last().isClosed()).isTrue();
    }

    /**
     * Holds builds, has a pool thread acquire {@code scripted(8)} and interrupts it while it waits for the build;
     * the builds stay held. Returns what the acquire threw.
     */
    private Throwable interruptedWhileItBuilds(EngineRegistry target) throws Exception {
        ScriptedEngine.holdBuilds();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        Future<EngineLease> waiting = pool.submit(() -> {
            threads.add(Thread.currentThread());
            return target.acquire(scripted(8));
        });
        awaitAllWaiting(threads, 1);
        threads.get(0).interrupt();
        try {
            waiting.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(EngineException.class);
            return e.getCause();
        }
        throw new AssertionError("the interrupted acquire returned a lease");
    }

    private static void awaitAllWaiting(List<Thread> threads, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (threads.size() < count
                || !threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads did not all wait for the build: " + threads.stream()
                        .map(Thread::getState).toList());
            }
            Thread.onSpinWait();
        }
    }

    private static class Recorder implements AutoCloseable {
        final String name;
        final List<String> closeOrder;
        final ScriptedEngine engine;
        volatile boolean closed;

        Recorder(String name, List<String> closeOrder, InferenceEngine engine) {
            this.name = name;
            this.closeOrder = closeOrder;
            this.engine = ScriptedEngine.last();
        }

        @Override
        public void close() {
            closed = true;
            closeOrder.add(name + (engine.isClosed() ? " (engine closed)" : " (engine open)"));
        }
    }

    private static final class Scheduler extends Recorder {
        Scheduler(String name, List<String> closeOrder, InferenceEngine engine) {
            super(name, closeOrder, engine);
        }
    }

    private static final class Metrics extends Recorder {
        Metrics(String name, List<String> closeOrder, InferenceEngine engine) {
            super(name, closeOrder, engine);
        }
    }

    private static final class Failing implements AutoCloseable {
        @Override
        public void close() {
            throw new IllegalStateException("attachment close failure");
        }
    }

    @Test
    void autoPassesOverABackendThatCannotRunTheModelAndSaysWhy() {
        // Usable here, ranked above ONNX Runtime, but not for this model: auto must not pick it (the task would fail
        // in open() and restart forever), and a job that names it fails before it starts, with the reason.
        EngineProvider picky = new EngineProvider() {
            @Override
            public String name() {
                return "picky";
            }

            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public Availability availabilityFor(ModelFiles model) {
                return Availability.no("model '" + model.name() + "' is not picky's kind");
            }

            @Override
            public int autoRank() {
                return 1_000;
            }

            @Override
            public InferenceEngine create(EngineSpec spec, ModelFiles model) {
                throw new AssertionError("must not be asked to build a model it cannot run");
            }
        };
        EngineRegistry registry = new EngineRegistry(List.of(picky, new OnnxRuntimeProvider()), GRACE, timer);
        EngineSpec auto = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 8, 64, 1);
        assertThat(registry.check(auto)).isEqualTo(EngineSpec.ONNXRUNTIME);

        EngineSpec named = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "picky", 0, 8, 64, 1);
        assertThatThrownBy(() -> registry.check(named))
                .hasMessageContaining("engine 'picky' is not available here: model 'all-minilm-l6-v2-int8' is not "
                        + "picky's kind");
    }

    @Test
    void autoRunsTheSubstituteAHigherRankedBackendOffersForAModelItCannotRun() throws Exception {
        // A GPU-like backend: usable here, refuses the dynamically quantized default builtin, offers its FP32 form
        // (as TensorRT does). auto must run it with the substitute, and the lease must say which model runs.
        List<ModelFiles> built = new java.util.ArrayList<>();
        EngineProvider gpuLike = new EngineProvider() {
            @Override
            public String name() {
                return "gpu-like";
            }

            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public Availability availabilityFor(ModelFiles model) {
                return model.name().endsWith("-int8") ? Availability.no("no dynamic quantization here")
                        : Availability.yes();
            }

            @Override
            public java.util.Optional<ModelFiles> substituteFor(ModelFiles model) {
                return java.util.Optional.of(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null));
            }

            @Override
            public int autoRank() {
                return 1_000;
            }

            @Override
            public InferenceEngine create(EngineSpec spec, ModelFiles model) {
                built.add(model);
                return new OnnxRuntimeProvider().create(spec, model);
            }
        };
        EngineRegistry registry = new EngineRegistry(List.of(gpuLike, new OnnxRuntimeProvider()), GRACE, timer);
        EngineSpec auto = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, 8, 64, 1);

        ModelCheck check = registry.check(auto, io.streamrt.engine.task.TaskPlan.Choices.detect());
        assertThat(check.backend()).isEqualTo("gpu-like");
        assertThat(check.model().name()).isEqualTo("all-minilm-l6-v2");
        try (EngineLease lease = registry.acquire(auto)) {
            assertThat(lease.model().name()).isEqualTo("all-minilm-l6-v2");
            assertThat(built).extracting(ModelFiles::name).containsExactly("all-minilm-l6-v2");
        }
        // Named, the backend gets the model asked for, or fails with its reason: no substitute.
        EngineSpec named = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, "gpu-like", 0, 8, 64, 1);
        assertThatThrownBy(() -> registry.check(named)).hasMessageContaining("no dynamic quantization here");
    }

    private record FakeProvider(String name, int autoRank, String reason) implements EngineProvider {
        @Override
        public Availability availability() {
            return Availability.no(reason);
        }

        @Override
        public InferenceEngine create(EngineSpec spec, ModelFiles model) {
            throw new AssertionError("an unavailable provider must not be asked to build");
        }
    }
}
