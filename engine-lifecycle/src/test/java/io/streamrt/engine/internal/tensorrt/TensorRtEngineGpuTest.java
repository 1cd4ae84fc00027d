package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.streamrt.engine.Embeddings;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.internal.onnxruntime.OnnxRuntimeEngine;
import io.streamrt.engine.testing.EncoderTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorRT on a real GPU: embeddings against ONNX Runtime FP32, batch timings, the plan cache's reload path. Skipped,
 * with TensorRT's availability reason, wherever TensorRT cannot run.
 *
 * <p>The other precisions' models come from the {@code model} tools ({@code convert --fp16}, {@code quantize},
 * {@code sparsify} then {@code quantize}): pass their paths with {@code -Dstreamrt.test.fp16-model=...},
 * {@code -Dstreamrt.test.qdq-model=...} and {@code -Dstreamrt.test.sparse-qdq-model=...}; each is compared with
 * ONNX Runtime running the same model.
 */
@Tag("gpu")
class TensorRtEngineGpuTest {

    static final String QDQ_MODEL_PROPERTY = "streamrt.test.qdq-model";
    static final String SPARSE_QDQ_MODEL_PROPERTY = "streamrt.test.sparse-qdq-model";
    static final String FP16_MODEL_PROPERTY = "streamrt.test.fp16-model";

    private static final int MAX_BATCH = 64;
    private static final int MAX_SEQUENCE = 128;

    private static final List<String> SENTENCES = EncoderTexts.everydayAnd(
            "Hi.",
            "A long sentence about nothing in particular, written only to make this batch contain one row that is "
                    + "much longer than the others, so that padding is exercised across very different lengths.");

    @TempDir
    static Path planCache;

    private static ModelFiles fp32Files;
    private static HuggingFaceTokenizer tokenizer;
    private static OnnxRuntimeEngine reference;
    private static TensorRtEngine fp32;
    private static long fp32OpenMillis;

    private static EngineProvider.Availability availability;

    @BeforeAll
    static void open() throws IOException {
        availability = new TensorRtProvider().availability();
        if (!availability.available()) {
            return; // each test reports the skip with the reason (an assumption here would hide them from the report)
        }
        fp32Files = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        tokenizer = EncoderTexts.tokenizer(fp32Files.tokenizer(), MAX_SEQUENCE);
        reference = OnnxRuntimeEngine.open(spec(ModelFiles.BUILTIN_MINILM_FP32, EngineSpec.ONNXRUNTIME), fp32Files);
        long start = System.nanoTime();
        fp32 = openTensorRt(fp32Files, planCache);
        fp32OpenMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("TensorRT FP32 MiniLM opened in %d ms (plan %s)%n", fp32OpenMillis,
                fp32.planLoadedFromCache() ? "loaded" : "built");
    }

    @BeforeEach
    void requireTensorRt() {
        assumeTrue(availability.available(), () -> "GPU test skipped: TensorRT cannot run here: " + availability.reason());
    }

    @AfterAll
    static void close() {
        for (AutoCloseable closeable : new AutoCloseable[] {fp32, reference, tokenizer}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    private static EngineSpec spec(String model, String engine) {
        return new EngineSpec(model, null, engine, 0, MAX_BATCH, MAX_SEQUENCE, 2);
    }

    private static TensorRtEngine openTensorRt(ModelFiles files, Path cacheDir) {
        TensorRtOptions defaults = TensorRtOptions.fromSystemProperties();
        TensorRtOptions options = new TensorRtOptions(defaults.streams(), cacheDir, defaults.sparseWeights());
        return TensorRtEngine.open(spec(files.onnx().toString(), EngineSpec.TENSORRT), files, options,
                TensorRtProbe.verdict().tensorRtVersion());
    }

    @Test
    void describesTheEngine() {
        assertThat(fp32.info().backend()).isEqualTo("tensorrt");
        assertThat(fp32.info().precision()).isEqualTo("fp32");
        assertThat(fp32.info().outputs()).extracting(Object::toString)
                .containsExactly("last_hidden_state: float32 [?, ?, 384]");
        assertThat(fp32.info().maxBatchSize()).isEqualTo(MAX_BATCH);
        assertThat(fp32.info().maxConcurrentBatches()).isEqualTo(TensorRtOptions.fromSystemProperties().streams());
    }

    @Test
    void fp32EmbeddingsMatchOnnxRuntime() {
        double lowest = lowestCosine(fp32, SENTENCES);
        System.out.printf("TensorRT FP32 vs ONNX Runtime FP32, lowest cosine over %d sentences: %.5f%n",
                SENTENCES.size(), lowest);
        // FP32 on TensorRT may use TF32 matmuls: close to, not equal to, ONNX Runtime's FP32.
        assertThat(lowest).isGreaterThanOrEqualTo(0.999);
    }

    @Test
    void timesBatchesAtSequenceLengths32And128() {
        System.out.println("TensorRT FP32 all-MiniLM-L6-v2, GPU time per batch (CUDA events, copies included), "
                + "median of 20 after 5 warm-up runs");
        Map<String, Double> perSequence = new java.util.HashMap<>();
        System.out.println("| seq len | batch | ms/batch | sequences/s |");
        System.out.println("|---|---|---|---|");
        for (int sequence : new int[] {32, 128}) {
            for (int batchSize : new int[] {1, 2, 4, 8, 16, 32, 64}) {
                EncoderBatch batch = syntheticBatch(batchSize, sequence);
                long[] nanos = new long[20];
                for (int i = -5; i < nanos.length; i++) {
                    long runNanos = fp32.run(batch).runNanos();
                    if (i >= 0) {
                        nanos[i] = runNanos;
                    }
                }
                Arrays.sort(nanos);
                double millis = nanos[nanos.length / 2] / 1e6;
                System.out.printf("| %d | %d | %.3f | %.0f |%n", sequence, batchSize, millis, batchSize / (millis / 1e3));
                assertThat(millis).isPositive();
                perSequence.put(sequence + "x" + batchSize, millis / batchSize);
            }
        }
        // What the scheduler relies on: on a GPU a batch of 64 costs a sequence far less than a batch of one.
        assertThat(perSequence.get("128x64")).isLessThan(perSequence.get("128x1") / 4);
        assertThat(perSequence.get("32x64")).isLessThan(perSequence.get("32x1") / 4);
        // MiniLM-L6 is small: a full batch of 64 x 128 runs well inside 50 ms on any datacenter GPU.
        assertThat(perSequence.get("128x64") * 64).isLessThan(50.0);
    }

    @Test
    void twoStreamsRunningDifferentShapesAtOnceGiveWhatEachGivesAlone() throws Exception {
        assumeTrue(fp32.info().maxConcurrentBatches() >= 2, "one stream configured: nothing runs at once");
        EncoderBatch small = syntheticBatch(4, 32);
        EncoderBatch large = syntheticBatch(48, 128);
        float[] smallAlone = fp32.run(small).hiddenState().data().clone();
        float[] largeAlone = fp32.run(large).hiddenState().data().clone();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                java.util.concurrent.Future<float[]> a = pool.submit(() -> fp32.run(small).hiddenState().data());
                java.util.concurrent.Future<float[]> b = pool.submit(() -> fp32.run(large).hiddenState().data());
                assertThat(maxDifference(a.get(), smallAlone)).as("round %d, 4 x 32", round).isLessThan(1e-4);
                assertThat(maxDifference(b.get(), largeAlone)).as("round %d, 48 x 128", round).isLessThan(1e-4);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void openingAndClosingTenTimesGivesTheGpuMemoryBack(@TempDir Path cache) {
        // The first open builds the plan (and CUDA's own allocations settle); then the baseline.
        openTensorRt(fp32Files, cache).close();
        long baseline = usedBytes();
        for (int i = 0; i < 10; i++) {
            try (TensorRtEngine engine = openTensorRt(fp32Files, cache)) {
                engine.run(syntheticBatch(8, 64));
            }
        }
        long after = usedBytes();
        System.out.printf("GPU memory used: %d MB before ten open/close cycles, %d MB after%n", baseline >> 20,
                after >> 20);
        // A leaked engine (weights, activations, contexts) is tens of MB; allow the allocator's own slack.
        assertThat(after - baseline).isLessThan(32L << 20);
    }

    @Test
    void aCachedPlanLoadsWithoutParsingTheModel(@TempDir Path cache) {
        openTensorRt(fp32Files, cache).close();
        long parses = TensorRtPlanBuilder.parses();
        try (TensorRtEngine engine = openTensorRt(fp32Files, cache)) {
            assertThat(engine.planLoadedFromCache()).isTrue();
            assertThat(TensorRtPlanBuilder.parses()).as("parses during an open from the cache").isEqualTo(parses);
        }
    }

    private static long usedBytes() {
        return new GpuStatsReader(0).read().orElseThrow().memoryUsedBytes();
    }

    private static double maxDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void aSecondEngineLoadsThePlanInsteadOfBuildingIt(@TempDir Path freshCache) {
        long start = System.nanoTime();
        try (TensorRtEngine first = openTensorRt(fp32Files, freshCache)) {
            long buildMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(first.planLoadedFromCache()).isFalse();
            start = System.nanoTime();
            try (TensorRtEngine second = openTensorRt(fp32Files, freshCache)) {
                long loadMillis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("plan built in %d ms, loaded from the cache in %d ms%n", buildMillis, loadMillis);
                assertThat(second.planLoadedFromCache()).isTrue();
                assertThat(loadMillis).isLessThan(buildMillis);
                assertThat(lowestCosine(second, SENTENCES.subList(0, 4))).isGreaterThanOrEqualTo(0.99);
            }
        }
    }

    @Test
    void aModelThatPoolsItselfCopiesBackOneVectorPerRow(@TempDir Path dir) {
        Path onnx = dir.resolve("minilm-pooled.onnx");
        io.streamrt.engine.onnx.PoolingLayer.appendMean(io.streamrt.engine.onnx.OnnxModel.read(fp32Files.onnx()), true)
                .write(onnx);
        ModelFiles files = new ModelFiles("minilm-pooled", onnx, fp32Files.tokenizer(), dir);
        try (TensorRtEngine pooled = openTensorRt(files, planCache)) {
            assertThat(pooled.info().outputs()).extracting(Object::toString)
                    .containsExactly("sentence_embedding: float32 [?, 384]");
            EncoderBatch batch = syntheticBatch(8, 64);
            assertThat(pooled.run(batch).tensor("sentence_embedding").shape()).containsExactly(8, 384);
            double lowest = lowestCosine(pooled, SENTENCES);
            System.out.printf("TensorRT pooled in the network vs ONNX Runtime pooled in Java, lowest cosine: %.5f%n",
                    lowest);
            assertThat(lowest).isGreaterThanOrEqualTo(0.999);
        }
    }

    @Test
    void aClassifiersLogitsComeBackAloneAndMatchOnnxRuntime(@TempDir Path dir) {
        Path onnx = io.streamrt.engine.testing.TestModels.minilmClassifier(dir, 3);
        ModelFiles files = ModelFiles.resolve(onnx.toString(), null);
        EncoderBatch batch = EncoderTexts.batch(tokenizer, SENTENCES);
        try (TensorRtEngine engine = openTensorRt(files, planCache);
                OnnxRuntimeEngine sameModel = OnnxRuntimeEngine.open(spec(onnx.toString(), EngineSpec.ONNXRUNTIME),
                        files)) {
            assertThat(engine.info().outputs()).extracting(Object::toString).containsExactly("logits: float32 [?, 3]");
            float[] actual = engine.run(batch).tensor("logits").data();
            float[] expected = sameModel.run(batch).tensor("logits").data();
            assertThat(actual).hasSameSizeAs(expected).hasSize(SENTENCES.size() * 3);
            double lowest = 1;
            for (int row = 0; row < SENTENCES.size(); row++) {
                float[] a = Arrays.copyOfRange(actual, row * 3, row * 3 + 3);
                float[] e = Arrays.copyOfRange(expected, row * 3, row * 3 + 3);
                lowest = Math.min(lowest, Embeddings.cosine(a, e));
            }
            System.out.printf("TensorRT classifier logits vs ONNX Runtime, lowest cosine: %.5f%n", lowest);
            assertThat(lowest).isGreaterThanOrEqualTo(0.999);
        }
    }

    @Test
    void aModelWithAPooledOutputBesideItsHiddenStateKeepsOnlyTheHiddenState(@TempDir Path dir) {
        // sentence-transformers' export: enqueueV3 wants an address for every output the plan keeps.
        Path onnx = io.streamrt.engine.testing.TestModels.minilmWithPooledOutput(dir);
        ModelFiles files = ModelFiles.resolve(onnx.toString(), null);
        try (TensorRtEngine engine = openTensorRt(files, planCache)) {
            assertThat(engine.info().outputs()).extracting(Object::toString)
                    .containsExactly("last_hidden_state: float32 [?, ?, 384]");
            double lowest = lowestCosine(engine, SENTENCES);
            System.out.printf("TensorRT on a two-output export vs ONNX Runtime, lowest cosine: %.5f%n", lowest);
            assertThat(lowest).isGreaterThanOrEqualTo(0.999);
        }
    }

    @Test
    void theDefaultModelRunsOnTensorRtInItsGpuForm() {
        // What enrich with default flags decides on a GPU TaskManager: TensorRT, with the pooled FP16 MiniLM.
        EngineSpec defaults = new EngineSpec(ModelFiles.BUILTIN_MINILM_INT8, null, EngineSpec.AUTO, 0, MAX_BATCH,
                MAX_SEQUENCE, 0);
        io.streamrt.engine.ModelCheck check = io.streamrt.engine.EngineRegistry.shared().check(defaults,
                io.streamrt.engine.task.TaskPlan.Choices.detect());
        assertThat(check.backend()).isEqualTo(EngineSpec.TENSORRT);
        assertThat(check.model().name()).isEqualTo(TensorRtProvider.GPU_DEFAULT_NAME);
        assertThat(check.plan().describe()).contains("pooled by the model");
    }

    @Test
    void fp16ModelMatchesOnnxRuntimeOnTheSameModel() {
        checkModel(FP16_MODEL_PROPERTY, "fp16", 0.995);
    }

    @Test
    void qdqInt8ModelMatchesOnnxRuntimeOnTheSameModel() {
        checkModel(QDQ_MODEL_PROPERTY, "int8-qdq", 0.98);
    }

    @Test
    void sparseQdqInt8ModelMatchesOnnxRuntimeOnTheSameModel() {
        checkModel(SPARSE_QDQ_MODEL_PROPERTY, "int8-qdq", 0.98);
    }

    private void checkModel(String property, String precision, double bound) {
        String path = System.getProperty(property);
        assumeTrue(path != null && !path.isBlank(), () -> "no " + precision + " model given: set -D" + property
                + "=<model.onnx from the model tools> to run this test");
        Path onnx = Path.of(path);
        assumeTrue(Files.isRegularFile(onnx), () -> property + " names " + onnx + ", which does not exist");
        ModelFiles files = new ModelFiles(onnx.getFileName().toString().replace(".onnx", ""), onnx, fp32Files.tokenizer(),
                onnx.getParent());
        // Against ONNX Runtime running the same Q/DQ model: what TensorRT must reproduce is this model, not the
        // FP32 one (a 2:4-pruned model without sparse fine-tuning is far from FP32 by design).
        try (TensorRtEngine engine = openTensorRt(files, planCache);
                OnnxRuntimeEngine sameModel = OnnxRuntimeEngine.open(spec(onnx.toString(), EngineSpec.ONNXRUNTIME),
                        files)) {
            assertThat(engine.info().precision()).isEqualTo(precision);
            double lowest = lowestCosine(engine, sameModel, SENTENCES);
            System.out.printf("TensorRT %s (%s) vs ONNX Runtime on the same model, lowest cosine: %.5f%n",
                    files.name(), precision, lowest);
            assertThat(lowest).isGreaterThanOrEqualTo(bound);
        }
    }

    private static double lowestCosine(InferenceEngine engine, List<String> texts) {
        return lowestCosine(engine, reference, texts);
    }

    private static double lowestCosine(InferenceEngine engine, InferenceEngine reference, List<String> texts) {
        EncoderBatch batch = EncoderTexts.batch(tokenizer, texts);
        float[][] actual = engine.run(batch).meanPooledNormalized(batch.lengths());
        float[][] expected = reference.run(batch).meanPooledNormalized(batch.lengths());
        double lowest = 1;
        for (int i = 0; i < texts.size(); i++) {
            lowest = Math.min(lowest, Embeddings.cosine(actual[i], expected[i]));
        }
        return lowest;
    }

    /** Rows of real-looking ids ([CLS] words [SEP]) filling the whole length: timing needs no tokenizer. */
    private static EncoderBatch syntheticBatch(int rows, int sequence) {
        List<long[]> ids = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            long[] row = new long[sequence];
            row[0] = 101;
            for (int t = 1; t < sequence - 1; t++) {
                row[t] = 2000 + (r * 31L + t * 7L) % 20000;
            }
            row[sequence - 1] = 102;
            ids.add(row);
        }
        return EncoderBatch.pad(ids, sequence);
    }
}
