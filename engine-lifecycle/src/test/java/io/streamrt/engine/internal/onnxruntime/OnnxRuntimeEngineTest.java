package io.streamrt.engine.internal.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.streamrt.engine.Embeddings;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.testing.EncoderTexts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the real builtin models: what a user of the CPU backend relies on. */
class OnnxRuntimeEngineTest {

    private static final int MAX_BATCH = 32;
    private static final int MAX_SEQUENCE = 128;

    private static final List<String> SENTENCES = EncoderTexts.everydayAnd(
            "The bridge was closed for repairs after the earthquake.",
            "Hi.",
            "A long sentence about nothing in particular, written only to make this batch contain one row that is "
                    + "much longer than the others, so that padding is exercised across very different lengths, "
                    + "with commas, clauses and a few more words for good measure.",
            "Volcanic eruptions can cool the global climate for several years.",
            "The new smartphone has a faster processor and a better camera.",
            "Don't forget to water the plants while I'm away.");

    /** Each pair says the same thing in different words. */
    private static final List<String[]> PARAPHRASES = List.of(
            new String[] {"The cat is sleeping on the sofa.", "A kitten naps on the couch."},
            new String[] {"The central bank raised interest rates.", "Borrowing costs were increased by the central bank."},
            new String[] {"How do I reset my password?", "What are the steps to change my forgotten password?"},
            new String[] {"The train was late this morning.", "This morning the train arrived behind schedule."},
            new String[] {"He bought a new car yesterday.", "Yesterday he purchased a new automobile."},
            new String[] {"The soup is too salty to eat.", "There is far too much salt in this soup."});

    private static HuggingFaceTokenizer tokenizer;
    private static OnnxRuntimeEngine int8;
    private static OnnxRuntimeEngine fp32;

    @BeforeAll
    static void open() throws IOException {
        ModelFiles int8Files = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        tokenizer = EncoderTexts.tokenizer(int8Files.tokenizer(), MAX_SEQUENCE);
        int8 = OnnxRuntimeEngine.open(spec(ModelFiles.BUILTIN_MINILM_INT8), int8Files);
        fp32 = OnnxRuntimeEngine.open(spec(ModelFiles.BUILTIN_MINILM_FP32),
                ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null));
    }

    @AfterAll
    static void close() {
        int8.close();
        fp32.close();
        tokenizer.close();
    }

    private static EngineSpec spec(String model) {
        return new EngineSpec(model, null, EngineSpec.ONNXRUNTIME, 0, MAX_BATCH, MAX_SEQUENCE, 2);
    }

    @Test
    void describesTheBuiltinModels() {
        assertThat(int8.info().backend()).isEqualTo("onnxruntime");
        assertThat(int8.info().model()).isEqualTo("all-minilm-l6-v2-int8");
        assertThat(int8.info().precision()).isEqualTo("int8-dynamic");
        assertThat(int8.info().outputs()).extracting(Object::toString)
                .containsExactly("last_hidden_state: float32 [?, ?, 384]");
        assertThat(int8.info().maxBatchSize()).isEqualTo(MAX_BATCH);
        assertThat(int8.info().maxSequenceLength()).isEqualTo(MAX_SEQUENCE);
        assertThat(int8.info().maxConcurrentBatches()).as("one batch per CPU thread").isEqualTo(2);
        assertThat(fp32.info().model()).isEqualTo("all-minilm-l6-v2");
        assertThat(fp32.info().precision()).isEqualTo("fp32");
        assertThat(fp32.info().outputs()).extracting(Object::toString)
                .containsExactly("last_hidden_state: float32 [?, ?, 384]");
    }

    @Test
    void batchesRunAtOnceOnSeveralThreadsGiveTheSameEmbeddingsAsOneAtATime() throws Exception {
        List<String> texts = SENTENCES.subList(0, 8);
        float[][] alone = embedBatch(fp32, texts);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(pool.submit(() -> embedBatch(fp32, texts)));
            }
            for (java.util.concurrent.Future<float[][]> future : futures) {
                float[][] concurrent = future.get();
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(Embeddings.cosine(concurrent[i], alone[i])).isGreaterThan(0.9999);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void int8EmbeddingsStayCloseToFp32() {
        float[][] quantized = embedBatch(int8, SENTENCES);
        float[][] reference = embedBatch(fp32, SENTENCES);

        double sum = 0;
        double min = 1;
        for (int i = 0; i < SENTENCES.size(); i++) {
            double cosine = Embeddings.cosine(quantized[i], reference[i]);
            sum += cosine;
            min = Math.min(min, cosine);
        }
        assertThat(sum / SENTENCES.size()).as("mean INT8/FP32 cosine").isGreaterThanOrEqualTo(0.98);
        assertThat(min).as("lowest INT8/FP32 cosine").isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void int8RanksParaphrasesAboveUnrelatedSentences() {
        List<String> texts = new ArrayList<>();
        PARAPHRASES.forEach(pair -> texts.addAll(List.of(pair)));
        float[][] embeddings = embedBatch(int8, texts);

        double lowestParaphrase = 1;
        double highestUnrelated = -1;
        int pairs = PARAPHRASES.size();
        for (int p = 0; p < pairs; p++) {
            lowestParaphrase = Math.min(lowestParaphrase, Embeddings.cosine(embeddings[2 * p], embeddings[2 * p + 1]));
            // Unrelated: this pair's first sentence against the next pair's second one.
            int other = (p + 1) % pairs;
            highestUnrelated = Math.max(highestUnrelated, Embeddings.cosine(embeddings[2 * p], embeddings[2 * other + 1]));
        }
        assertThat(lowestParaphrase).as("lowest paraphrase cosine").isGreaterThan(highestUnrelated);
    }

    @Test
    void paddingInABatchDoesNotChangeEmbeddings() {
        for (OnnxRuntimeEngine engine : List.of(fp32, int8)) {
            float[][] batched = embedBatch(engine, SENTENCES);
            for (int i = 0; i < SENTENCES.size(); i++) {
                float[] single = embedBatch(engine, List.of(SENTENCES.get(i)))[0];
                // FP32: masking makes padding exact up to rounding. INT8 here is dynamic quantization: each
                // activation's scale is taken over the whole tensor, padded positions included, so padding moves the
                // embedding a little (measured: cosine >= 0.976 padded to 128, >= 0.978 in this batch). Batching by
                // length keeps that small; this bound catches a broken mask, which drops cosines far lower.
                double tolerance = engine == fp32 ? 1e-4 : 3e-2;
                assertThat(Embeddings.cosine(batched[i], single))
                        .as("%s, sentence %d, batched vs alone", engine.info().model(), i)
                        .isGreaterThan(1 - tolerance);
            }
        }
    }

    @Test
    void outputHasTheBatchShapeAndATiming() {
        EncoderBatch batch = EncoderBatch.pad(List.of(ids("one two three"), ids("four")));

        EncoderOutput out = int8.run(batch);

        assertThat(out.tensors().keySet()).containsExactly("last_hidden_state");
        assertThat(out.hiddenState().shape()).containsExactly(2, batch.sequenceLength(), 384);
        assertThat(out.hiddenState().data()).hasSize(2 * batch.sequenceLength() * 384);
        assertThat(out.runNanos()).isPositive();
    }

    @Test
    void batchLargerThanMaxBatchSizeIsRefusedWithExpectedAndActual() {
        List<long[]> rows = new ArrayList<>();
        for (int i = 0; i < MAX_BATCH + 1; i++) {
            rows.add(ids("row " + i));
        }
        EncoderBatch batch = EncoderBatch.pad(rows);

        assertThatThrownBy(() -> int8.run(batch))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("batch has 33 rows, more than this engine's maxBatchSize 32");
    }

    @Test
    void sequenceLongerThanMaxSequenceLengthIsRefusedWithExpectedAndActual() {
        EncoderBatch batch = EncoderBatch.pad(List.of(ids("short")), MAX_SEQUENCE + 1);

        assertThatThrownBy(() -> int8.run(batch))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("batch is padded to 129 tokens, more than this engine's maxSequenceLength 128");
    }

    @Test
    void runAfterCloseSaysTheEngineIsClosed() {
        OnnxRuntimeEngine engine = OnnxRuntimeEngine.open(spec(ModelFiles.BUILTIN_MINILM_INT8),
                ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null));
        engine.close();
        engine.close();

        assertThatThrownBy(() -> engine.run(EncoderBatch.pad(List.of(ids("too late")))))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("is closed")
                .hasMessageContaining("acquire a new lease");
    }

    @Test
    void closeWhileRunningLetsEveryRunFinishOrFailCleanly() throws Exception {
        OnnxRuntimeEngine engine = OnnxRuntimeEngine.open(spec(ModelFiles.BUILTIN_MINILM_INT8),
                ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null));
        EncoderBatch batch = EncoderBatch.pad(List.of(ids(SENTENCES.get(1)), ids(SENTENCES.get(2))));
        int threads = 3;
        CountDownLatch eachRanOnce = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    boolean counted = false;
                    while (true) {
                        try {
                            assertThat(engine.run(batch).hiddenState().rows()).isEqualTo(2);
                        } catch (EngineException e) {
                            return e.getMessage();
                        }
                        if (!counted) {
                            eachRanOnce.countDown();
                            counted = true;
                        }
                    }
                }));
            }
            assertThat(eachRanOnce.await(60, TimeUnit.SECONDS)).isTrue();
            engine.close();
            for (Future<String> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).contains("is closed");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long[] ids(String text) {
        return tokenizer.encode(text).getIds();
    }

    private static float[][] embedBatch(OnnxRuntimeEngine engine, List<String> texts) {
        EncoderBatch batch = EncoderTexts.batch(tokenizer, texts);
        return engine.run(batch).meanPooledNormalized(batch.lengths());
    }

}
