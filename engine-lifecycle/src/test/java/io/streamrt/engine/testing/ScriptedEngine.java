package io.streamrt.engine.testing;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineFailedException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.onnx.ModelSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake encoder for tests of what sits around engines (registry, scheduler, operator): hidden size 8, output a
 * pure function of each token id, so equal inputs give equal embeddings whatever the batch and padding.
 *
 * <p>Controls are static because tests reach engines through the registry, not by reference. They are safe to
 * use from several threads; call {@link #reset()} before each test.
 *
 * <pre>{@code
 * ScriptedEngine.reset();
 * ScriptedEngine.hold();                 // runs now block
 * // ... submit requests, check that nothing completed ...
 * ScriptedEngine.release();
 * ScriptedEngine.failNext("boom");       // the next run throws EngineException("boom")
 * ScriptedEngine.failNextFatally("gone"); // the next run throws EngineFailedException("gone"): the engine is broken
 * ScriptedEngine.poison(4242, "bad");    // every run holding token 4242 throws EngineException("bad")
 * ScriptedEngine.failFatallyAfter(3, "sticky", true); // the 4th run from now throws a process-poisoning failure
 * }</pre>
 *
 * <p>The registry hands out a view of each engine, not the engine itself: tests reach the instances through
 * {@link #instances()}.
 */
public final class ScriptedEngine implements InferenceEngine {

    /** Width of each token's output vector. */
    public static final int HIDDEN_SIZE = 8;

    /** Its one output, a hidden state {@code [batch, sequence, 8]}. */
    public static final String OUTPUT = "last_hidden_state";

    private static final AtomicReference<CountDownLatch> RUN_GATE = new AtomicReference<>();
    private static final AtomicReference<CountDownLatch> BUILD_GATE = new AtomicReference<>();
    private static final AtomicReference<String> FAIL_NEXT = new AtomicReference<>();
    private static final AtomicReference<String> FAIL_NEXT_FATALLY = new AtomicReference<>();
    private static final AtomicReference<Poison> POISON = new AtomicReference<>();
    private static final AtomicReference<FatalAfter> FATAL_AFTER = new AtomicReference<>();
    private static final List<ScriptedEngine> INSTANCES = new ArrayList<>();
    private static final AtomicReference<String> FAIL_NEXT_BUILD = new AtomicReference<>();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final AtomicLong ROWS = new AtomicLong();
    private static final AtomicInteger CREATED = new AtomicInteger();
    private static final AtomicInteger CLOSED = new AtomicInteger();
    private static final AtomicInteger HELD = new AtomicInteger();
    private static final List<Integer> BATCH_SIZES = new ArrayList<>();

    private final EngineInfo info;
    private final AtomicInteger closeCalls = new AtomicInteger();
    private volatile boolean closed;

    ScriptedEngine(EngineSpec spec, String model) {
        this.info = new EngineInfo(ScriptedEngineProvider.NAME, model, "fp32", spec.maxBatchSize(),
                spec.maxSequenceLength(), List.of(new ModelSignature.Tensor(OUTPUT, "float32",
                        new long[] {-1, -1, HIDDEN_SIZE})), 1);
    }

    /** Called by the provider: counts the build, honours {@link #holdBuilds()} and {@link #failNextBuild}. */
    static ScriptedEngine build(EngineSpec spec, String model) {
        await(BUILD_GATE.get(), "build");
        String failure = FAIL_NEXT_BUILD.getAndSet(null);
        if (failure != null) {
            throw new EngineException(failure);
        }
        CREATED.incrementAndGet();
        ScriptedEngine engine = new ScriptedEngine(spec, model);
        synchronized (INSTANCES) {
            INSTANCES.add(engine);
        }
        return engine;
    }

    /** Makes later {@code run} calls block until {@link #release()}. */
    public static void hold() {
        close(RUN_GATE);
    }

    /** Lets held and later {@code run} calls go. */
    public static void release() {
        open(RUN_GATE);
    }

    /** Makes later engine builds block until {@link #releaseBuilds()}, to line up concurrent acquires. */
    public static void holdBuilds() {
        close(BUILD_GATE);
    }

    /** Lets held and later builds go. */
    public static void releaseBuilds() {
        open(BUILD_GATE);
    }

    /** The next {@code run} (on any scripted engine) throws {@code EngineException(message)}. */
    public static void failNext(String message) {
        FAIL_NEXT.set(message);
    }

    /**
     * The next {@code run} (on any scripted engine) throws {@code EngineFailedException(message)}, as a CUDA error or
     * a lost device would: the registry marks that engine broken.
     */
    public static void failNextFatally(String message) {
        FAIL_NEXT_FATALLY.set(message);
    }

    /**
     * Every later {@code run} whose batch holds {@code tokenId} throws {@code EngineException(message)}, as a model
     * that rejects one input at run time does; the engine stays usable.
     */
    public static void poison(long tokenId, String message) {
        POISON.set(new Poison(tokenId, message));
    }

    /**
     * After {@code runs} more completed runs, the next one throws {@code EngineFailedException(message,
     * poisonsProcess)}, once.
     */
    public static void failFatallyAfter(int runs, String message, boolean poisonsProcess) {
        FATAL_AFTER.set(new FatalAfter(RUNS.get() + runs, message, poisonsProcess));
    }

    private record Poison(long tokenId, String message) {}

    private record FatalAfter(int atRun, String message, boolean poisonsProcess) {}

    /** The engines built since the last {@link #reset()}, oldest first. */
    public static List<ScriptedEngine> instances() {
        synchronized (INSTANCES) {
            return List.copyOf(INSTANCES);
        }
    }

    /** The engine built last; fails if none was. */
    public static ScriptedEngine last() {
        synchronized (INSTANCES) {
            if (INSTANCES.isEmpty()) {
                throw new IllegalStateException("no scripted engine was built since the last reset()");
            }
            return INSTANCES.get(INSTANCES.size() - 1);
        }
    }

    /** The next engine build throws {@code EngineException(message)}. */
    public static void failNextBuild(String message) {
        FAIL_NEXT_BUILD.set(message);
    }

    /** Releases every hold and clears failures and counters. */
    public static void reset() {
        release();
        releaseBuilds();
        FAIL_NEXT.set(null);
        FAIL_NEXT_FATALLY.set(null);
        FAIL_NEXT_BUILD.set(null);
        POISON.set(null);
        FATAL_AFTER.set(null);
        synchronized (INSTANCES) {
            INSTANCES.clear();
        }
        RUNS.set(0);
        ROWS.set(0);
        CREATED.set(0);
        CLOSED.set(0);
        synchronized (BATCH_SIZES) {
            BATCH_SIZES.clear();
        }
    }

    /** {@code run} calls that returned or threw (not counting those refused for limits or after close). */
    public static int runs() {
        return RUNS.get();
    }

    /** Rows in all completed runs. */
    public static long rowsRun() {
        return ROWS.get();
    }

    /** Engines built. */
    public static int created() {
        return CREATED.get();
    }

    /** Engines closed (each counted once). */
    public static int closed() {
        return CLOSED.get();
    }

    /** {@code run} calls blocked in {@link #hold()} right now. */
    public static int held() {
        return HELD.get();
    }

    /** Sizes of the completed batches, in completion order. */
    public static List<Integer> batchSizes() {
        synchronized (BATCH_SIZES) {
            return List.copyOf(BATCH_SIZES);
        }
    }

    /** The value this engine emits for dimension {@code d} of a token: a function of the id alone. */
    public static float valueOf(long tokenId, int d) {
        long h = tokenId * 0x9E3779B97F4A7C15L + d * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return ((h >>> 40) / (float) (1L << 24)) - 0.5f;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public EncoderOutput run(EncoderBatch batch) {
        if (closed) {
            throw new EngineException("engine scripted/" + info.model() + " is closed; acquire a new lease");
        }
        if (batch.size() > info.maxBatchSize() || batch.sequenceLength() > info.maxSequenceLength()) {
            throw new EngineException("batch " + batch.size() + " x " + batch.sequenceLength() + " exceeds limits "
                    + info.maxBatchSize() + " x " + info.maxSequenceLength());
        }
        long start = System.nanoTime();
        CountDownLatch gate = RUN_GATE.get();
        if (gate != null) {
            HELD.incrementAndGet();
            try {
                await(gate, "run");
            } finally {
                HELD.decrementAndGet();
            }
        }
        int run = RUNS.incrementAndGet();
        FatalAfter fatalAfter = FATAL_AFTER.get();
        if (fatalAfter != null && run > fatalAfter.atRun() && FATAL_AFTER.compareAndSet(fatalAfter, null)) {
            throw new EngineFailedException(fatalAfter.message(), fatalAfter.poisonsProcess());
        }
        Poison poison = POISON.get();
        if (poison != null) {
            for (long id : batch.inputIds()) {
                if (id == poison.tokenId()) {
                    throw new EngineException(poison.message());
                }
            }
        }
        String failure = FAIL_NEXT.getAndSet(null);
        if (failure != null) {
            throw new EngineException(failure);
        }
        String fatal = FAIL_NEXT_FATALLY.getAndSet(null);
        if (fatal != null) {
            throw new EngineFailedException(fatal);
        }
        float[] hidden = new float[batch.size() * batch.sequenceLength() * HIDDEN_SIZE];
        long[] ids = batch.inputIds();
        for (int i = 0; i < ids.length; i++) {
            for (int d = 0; d < HIDDEN_SIZE; d++) {
                hidden[i * HIDDEN_SIZE + d] = valueOf(ids[i], d);
            }
        }
        ROWS.addAndGet(batch.size());
        synchronized (BATCH_SIZES) {
            BATCH_SIZES.add(batch.size());
        }
        return EncoderOutput.of(System.nanoTime() - start, new OutputTensor(OUTPUT,
                new long[] {batch.size(), batch.sequenceLength(), HIDDEN_SIZE}, hidden));
    }

    /** Times this instance's {@code close()} was called, including repeats. */
    public int closeCalls() {
        return closeCalls.get();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closeCalls.incrementAndGet();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        CLOSED.incrementAndGet();
    }

    /** Holds callers of {@link #await} on {@code gate} from now on; a gate already closed stays as it is. */
    private static void close(AtomicReference<CountDownLatch> gate) {
        gate.compareAndSet(null, new CountDownLatch(1));
    }

    /** Lets the callers held at {@code gate} go, and later ones pass. */
    private static void open(AtomicReference<CountDownLatch> gate) {
        CountDownLatch latch = gate.getAndSet(null);
        if (latch != null) {
            latch.countDown();
        }
    }

    private static void await(CountDownLatch gate, String what) {
        if (gate == null) {
            return;
        }
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("scripted " + what + " interrupted while held", e);
        }
    }
}
