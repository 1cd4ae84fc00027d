package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan cache trusts nothing it did not write for exactly this key, and builds once per key at a time. */
class PlanCacheTest {

    private static final OptimizationProfile PROFILE = OptimizationProfile.forLimits(64, 256);
    private static final PlanKey KEY = new PlanKey("a".repeat(64), "11.2.1", "8.9", "fp32", true, PROFILE, 1);
    private static final PlanKey OTHER = new PlanKey("b".repeat(64), "11.2.1", "8.9", "fp32", true, PROFILE, 1);
    private static final byte[] PLAN = "pretend this is a serialized TensorRT engine".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final AtomicInteger builds = new AtomicInteger();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private Supplier<byte[]> counting(byte[] plan) {
        return () -> {
            builds.incrementAndGet();
            return plan.clone();
        };
    }

    @Test
    void aStoredPlanLoadsBackAndIsNotRebuilt() throws IOException {
        PlanCache cache = new PlanCache(dir);

        PlanCache.Plan first = cache.getOrBuild(KEY, counting(PLAN));
        PlanCache.Plan second = new PlanCache(dir).getOrBuild(KEY, counting(PLAN));

        assertThat(first.loaded()).isFalse();
        assertThat(second.loaded()).isTrue();
        assertThat(second.bytes()).isEqualTo(PLAN);
        assertThat(builds).hasValue(1);
        assertThat(cache.load(KEY)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(PLAN));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("no temporary files are left behind").containsExactly(KEY.fileName());
        }
    }

    @Test
    void aMissingDirectoryIsCreatedAndAnAbsentPlanIsNoError() {
        PlanCache cache = new PlanCache(dir.resolve("not/yet/there"));

        assertThat(cache.load(KEY)).isEmpty();
        cache.store(KEY, PLAN);
        assertThat(cache.load(KEY)).isPresent();
    }

    @Test
    void corruptPlanBytesAreRejectedDeletedAndRebuilt() throws IOException {
        PlanCache cache = storedThenRewritten(bytes -> {
            bytes[bytes.length - 3] ^= 0x40;
            return bytes;
        });

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .startsWith("its plan bytes do not match their SHA-256 (expected ")
                .endsWith("): the file is corrupt");
        assertRebuilt(cache);
    }

    @Test
    void aTruncatedPlanIsRejectedAndRebuilt() throws IOException {
        PlanCache cache = storedThenRewritten(bytes -> Arrays.copyOf(bytes, bytes.length - 10));

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .isEqualTo("it is truncated: the header announces " + PLAN.length + " plan bytes, the file holds "
                        + (PLAN.length - 10));
        assertRebuilt(cache);
    }

    @Test
    void aFileCutInsideItsHeaderIsRejected() throws IOException {
        PlanCache cache = storedThenRewritten(bytes -> Arrays.copyOf(bytes, 20));

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem()).isEqualTo("it is truncated inside its header");
        assertRebuilt(cache);
    }

    @Test
    void bytesAfterThePlanAreRejected() throws IOException {
        PlanCache cache = new PlanCache(dir);
        cache.store(KEY, PLAN);
        Files.write(cache.fileFor(KEY), new byte[] {0, 0}, StandardOpenOption.APPEND);

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .isEqualTo("it has 2 bytes after the " + PLAN.length + "-byte plan");
        assertRebuilt(cache);
    }

    @Test
    void aPlanRenamedFromAnotherKeyIsNeverLoaded() throws IOException {
        PlanCache cache = new PlanCache(dir);
        cache.store(OTHER, PLAN);
        Files.copy(cache.fileFor(OTHER), cache.fileFor(KEY));

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .isEqualTo("it holds the plan for another key (" + OTHER.canonical() + "), expected " + KEY.canonical()
                        + ": it was renamed or copied from another cache entry");
        assertRebuilt(cache);
        assertThat(cache.load(OTHER)).as("the genuine entry is untouched").isPresent();
    }

    @Test
    void aFileWithoutTheMagicIsNotAPlanFile() throws IOException {
        PlanCache cache = new PlanCache(dir);
        Files.createDirectories(dir);
        Files.write(cache.fileFor(KEY), "#!/bin/sh\necho not a plan\n".getBytes(StandardCharsets.UTF_8));

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .isEqualTo("it does not start with the plan cache's magic bytes, so it is not a StreamRT plan file");
        assertRebuilt(cache);
    }

    @Test
    void anotherFormatVersionIsRebuiltNotMisread() throws IOException {
        PlanCache cache = storedThenRewritten(bytes -> {
            bytes[PlanCache.MAGIC.length + 3] = 9;
            return bytes;
        });

        assertThat(PlanCache.inspect(cache.fileFor(KEY), KEY).problem())
                .isEqualTo("it has format version 9, expected " + PlanCache.FORMAT_VERSION);
        assertRebuilt(cache);
    }

    /** A cache in {@link #dir} holding the plan for {@link #KEY}, whose file's bytes {@code damage} then rewrites. */
    private PlanCache storedThenRewritten(UnaryOperator<byte[]> damage) throws IOException {
        PlanCache cache = new PlanCache(dir);
        cache.store(KEY, PLAN);
        Path file = cache.fileFor(KEY);
        Files.write(file, damage.apply(Files.readAllBytes(file)));
        return cache;
    }

    /** The bad file is deleted on load, the next getOrBuild builds, and the new file is good. */
    private void assertRebuilt(PlanCache cache) {
        assertThat(cache.load(KEY)).isEmpty();
        assertThat(cache.fileFor(KEY)).doesNotExist();
        PlanCache.Plan plan = cache.getOrBuild(KEY, counting(PLAN));
        assertThat(plan.loaded()).isFalse();
        assertThat(builds).hasValue(1);
        assertThat(cache.load(KEY)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(PLAN));
    }

    @Test
    void concurrentCallsForOneKeyBuildOnceAndShareThePlan() throws Exception {
        PlanCache cache = new PlanCache(dir);
        CountDownLatch buildStarted = new CountDownLatch(1);
        CountDownLatch finishBuild = new CountDownLatch(1);
        Supplier<byte[]> slowBuild = blockedBuild(buildStarted, finishBuild);
        Future<PlanCache.Plan> first = pool.submit(() -> cache.getOrBuild(KEY, slowBuild));
        assertThat(buildStarted.await(30, TimeUnit.SECONDS)).isTrue();

        List<Thread> waiters = new CopyOnWriteArrayList<>();
        List<Future<PlanCache.Plan>> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A second cache over the same folder: builds are shared per JVM, not per cache object.
            PlanCache sameFolder = i == 0 ? cache : new PlanCache(dir);
            others.add(pool.submit(() -> {
                waiters.add(Thread.currentThread());
                return sameFolder.getOrBuild(KEY, slowBuild);
            }));
        }
        awaitAllWaiting(waiters, 3);
        assertThat(builds).as("nobody else started a build").hasValue(1);
        finishBuild.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS).bytes()).isEqualTo(PLAN);
        for (Future<PlanCache.Plan> other : others) {
            assertThat(other.get(30, TimeUnit.SECONDS).bytes()).isEqualTo(PLAN);
        }
        assertThat(builds).hasValue(1);
        assertThat(cache.load(KEY)).isPresent();
    }

    @Test
    void aFailedBuildReachesTheWaitersAndTheNextCallBuildsAgain() throws Exception {
        PlanCache cache = new PlanCache(dir);
        CountDownLatch buildStarted = new CountDownLatch(1);
        CountDownLatch failBuild = new CountDownLatch(1);
        Future<PlanCache.Plan> first = pool.submit(() -> cache.getOrBuild(KEY, () -> {
            buildStarted.countDown();
            awaitLatch(failBuild);
            throw new EngineException("out of GPU memory while building");
        }));
        assertThat(buildStarted.await(30, TimeUnit.SECONDS)).isTrue();
        List<Thread> waiters = new CopyOnWriteArrayList<>();
        Future<PlanCache.Plan> waiter = pool.submit(() -> {
            waiters.add(Thread.currentThread());
            return cache.getOrBuild(KEY, counting(PLAN));
        });
        awaitAllWaiting(waiters, 1);
        failBuild.countDown();

        assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(EngineException.class)
                .hasMessageContaining("out of GPU memory while building");
        assertThatThrownBy(() -> waiter.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(EngineException.class)
                .hasMessageContaining("the TensorRT plan build this task waited for failed: out of GPU memory");
        assertThat(builds).as("the waiter did not build on its own").hasValue(0);
        assertThat(cache.fileFor(KEY)).doesNotExist();

        assertThat(cache.getOrBuild(KEY, counting(PLAN)).loaded()).isFalse();
        assertThat(builds).hasValue(1);
    }

    @Test
    void differentKeysBuildIndependently() throws Exception {
        PlanCache cache = new PlanCache(dir);
        CountDownLatch buildStarted = new CountDownLatch(1);
        CountDownLatch finishBuild = new CountDownLatch(1);
        Future<PlanCache.Plan> slow = pool.submit(() -> cache.getOrBuild(KEY, blockedBuild(buildStarted, finishBuild)));
        assertThat(buildStarted.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(cache.getOrBuild(OTHER, counting(PLAN)).loaded()).as("not blocked by the other key").isFalse();
        finishBuild.countDown();
        assertThat(slow.get(30, TimeUnit.SECONDS).loaded()).isFalse();
    }

    @Test
    void anUnwritableCacheStillServesTheBuiltPlan() throws IOException {
        Path file = Files.write(dir.resolve("a-file"), new byte[] {1});
        PlanCache cache = new PlanCache(file.resolve("plans"));

        assertThatThrownBy(() -> cache.store(KEY, PLAN))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("could not write the TensorRT plan cache file")
                .hasMessageContaining("point " + TensorRtOptions.PLAN_CACHE_DIR_PROPERTY + " at a writable one");
        assertThat(cache.getOrBuild(KEY, counting(PLAN)).bytes()).isEqualTo(PLAN);
    }

    /** A counted build that says it has started, then returns the plan once {@code finish} is released. */
    private Supplier<byte[]> blockedBuild(CountDownLatch started, CountDownLatch finish) {
        return () -> {
            builds.incrementAndGet();
            started.countDown();
            awaitLatch(finish);
            return PLAN.clone();
        };
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Without a timed sleep: a waiter parks in CompletableFuture.get, so WAITING means lined up behind the build. */
    private static void awaitAllWaiting(List<Thread> threads, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (threads.size() < count || !threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads did not all wait for the build: "
                        + threads.stream().map(Thread::getState).toList());
            }
            Thread.onSpinWait();
        }
    }
}
