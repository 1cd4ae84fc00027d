package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.EngineLease;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.testing.TestModels;
import io.streamrt.operators.internal.InferenceFunction;
import io.streamrt.operators.internal.ProcessExit;
import io.streamrt.operators.internal.Surface;
import io.streamrt.serde.InferenceOutput;
import io.streamrt.serde.TextChunker;
import io.streamrt.serde.TextWindows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * long-text chunk on the FP32 MiniLM and heads on it, against a reference computed here: the model run on each window
 * alone.
 */
class LongTextChunkingTest {

    private static final String FP32 = ModelFiles.BUILTIN_MINILM_FP32;

    /** About 700 tokens: six windows of 126 tokens, one every 94. */
    private static final String LONG = IntStream.range(0, 120).mapToObj(i -> "Sentence " + i + " tells of "
            + "tokenization, windows and Flink's checkpointing.").collect(Collectors.joining(" "));

    @TempDir
    Path dir;

    private static StreamInference.Builder<String> builder(String model) {
        return StreamInference.builder((SerializableFunction<String, String>) s -> s).model(model)
                .engine(EngineSpec.ONNXRUNTIME).maxBatchSize(8).longText(LongText.CHUNK);
    }

    private static List<InferenceResult<String>> run(StreamInference<String> inference, String... texts)
            throws Exception {
        InferenceFunction<String> function = new InferenceFunction<>(inference.settings(), s -> s, null, null, null,
                Surface.DATASTREAM, () -> ScriptedHarness.REGISTRY, ProcessExit.flinkFatalExit());
        var harness = ScriptedHarness.of(function);
        harness.open();
        for (String text : texts) {
            harness.processElement(text, 1L);
        }
        harness.endInput();
        List<InferenceResult<String>> results = new ArrayList<>(harness.extractOutputValues());
        harness.close();
        return results;
    }

    /** Each window's embedding with the model run on it alone: mean-pooled and normalized, as the builtin is. */
    private static List<float[]> reference(String text, int overlap, int maxChunks) {
        EngineSpec spec = new EngineSpec(FP32, null, EngineSpec.ONNXRUNTIME, 0, 1, 128, 1);
        try (EngineLease lease = ScriptedHarness.REGISTRY.acquire(spec);
                TextChunker chunker = TextChunker.open(lease.model().tokenizer(), 128, overlap, maxChunks)) {
            List<float[]> embeddings = new ArrayList<>();
            for (TextWindows.Window window : chunker.windows("", text).windows()) {
                EncoderBatch batch = EncoderBatch.pad(List.of(window.tokens().ids()));
                EncoderOutput output = lease.engine().run(batch);
                embeddings.add(output.meanPooledNormalized(batch.lengths())[0]);
            }
            return embeddings;
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void aLongTextsEmbeddingIsTheMeanOfItsWindowsEachRunAlone() throws Exception {
        List<float[]> windows = reference(LONG, 32, 64);
        assertThat(windows).hasSizeGreaterThanOrEqualTo(5);

        InferenceOutput output = run(builder(FP32).chunkOutput(ChunkOutput.CHUNKS).build(), LONG).get(0).getOutput();

        assertThat(output.getChunks()).hasSize(windows.size());
        for (int w = 0; w < windows.size(); w++) {
            assertThat(cosine(output.getChunks()[w].getEmbedding(), windows.get(w))).as("window %d", w)
                    .isGreaterThanOrEqualTo(0.999);
            assertThat(output.getChunks()[w].getIndex()).isEqualTo(w);
        }
        float[] mean = new float[windows.get(0).length];
        for (float[] window : windows) {
            for (int d = 0; d < mean.length; d++) {
                mean[d] += window[d] / windows.size();
            }
        }
        assertThat(cosine(output.getEmbedding(), mean)).isGreaterThanOrEqualTo(0.999);
        assertThat(cosine(output.getEmbedding(), output.getEmbedding())).isCloseTo(1.0, org.assertj.core.data
                .Offset.offset(1e-5));
        assertThat(output.isTruncated()).isFalse();
        assertThat(output.getChunks()[0].getStart()).isZero();
        assertThat(output.getChunks()[windows.size() - 1].getEnd()).isEqualTo(LONG.length());
    }

    @Test
    void aTextThatFitsIsOneWindowAndGivesWhatTruncateGives() throws Exception {
        String text = "Flink meets TensorRT in one operator.";
        InferenceOutput chunked = run(builder(FP32).build(), text).get(0).getOutput();
        InferenceOutput truncated = run(builder(FP32).longText(LongText.TRUNCATE).build(), text).get(0).getOutput();

        assertThat(chunked.getEmbedding()).containsExactly(truncated.getEmbedding());
        assertThat(chunked.getChunks()).isNull();
    }

    @Test
    void theWindowLimitCutsTheRecordAndMarksIt() throws Exception {
        InferenceOutput output = run(builder(FP32).maxChunks(2).chunkOutput(ChunkOutput.CHUNKS).build(), LONG)
                .get(0).getOutput();

        assertThat(output.getChunks()).hasSize(2);
        assertThat(output.isTruncated()).isTrue();
        assertThat(output.getChunks()[1].getEnd()).isLessThan(LONG.length() / 2);
    }

    @Test
    void aClassifiersScoresAreTheMeanOrTheMaxOfItsWindows() throws Exception {
        String classifier = TestModels.minilmClassifier(dir, 3).toString();
        InferenceOutput mean = run(builder(classifier).topK(3).chunkOutput(ChunkOutput.CHUNKS).build(), LONG)
                .get(0).getOutput();
        InferenceOutput max = run(builder(classifier).topK(3).chunkAggregation(ChunkAggregation.MAX).build(), LONG)
                .get(0).getOutput();

        assertThat(mean.getChunks()).hasSizeGreaterThanOrEqualTo(5).allSatisfy(chunk -> {
            assertThat(chunk.getLabel()).startsWith("LABEL_");
            assertThat(chunk.getScoreLabels()).as("the window's own top-k").hasSize(3).startsWith(chunk.getLabel());
        });
        for (int l = 0; l < 3; l++) {
            String label = mean.getScoreLabels()[l];
            double sum = 0;
            for (InferenceOutput.Chunk chunk : mean.getChunks()) {
                sum += chunk.getScoreValues()[java.util.Arrays.asList(chunk.getScoreLabels()).indexOf(label)];
            }
            assertThat(mean.getScoreValues()[l]).as("%s: the mean of the windows' probabilities", label)
                    .isCloseTo(sum / mean.getChunks().length, org.assertj.core.data.Offset.offset(1e-6));
        }
        double sum = 0;
        for (double score : mean.getScoreValues()) {
            sum += score;
        }
        assertThat(sum).as("a mean of probabilities is one").isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(mean.getLabel()).isEqualTo(mean.getScoreLabels()[0]);
        double best = 0;
        for (InferenceOutput.Chunk chunk : mean.getChunks()) {
            best = Math.max(best, chunk.getScore());
        }
        assertThat(max.getScore()).as("max: the best window's probability of the record's label")
                .isGreaterThanOrEqualTo((float) mean.getScore()).isLessThanOrEqualTo((float) best + 1e-6f);
    }

    @Test
    void entitiesComeFromEveryWindowOnceWithOffsetsIntoTheWholeText() throws Exception {
        String tagger = TestModels.minilmTokenClassifier(dir, 3).toString();
        InferenceOutput output = run(builder(tagger).chunkOutput(ChunkOutput.CHUNKS).build(), LONG).get(0)
                .getOutput();

        InferenceOutput.Entity[] entities = output.getEntities();
        assertThat(entities).isNotEmpty();
        Set<Integer> starts = new HashSet<>();
        int previousEnd = -1;
        for (InferenceOutput.Entity entity : entities) {
            assertThat(starts.add(entity.getStart())).as("entity at %d once", entity.getStart()).isTrue();
            assertThat(entity.getStart()).isGreaterThanOrEqualTo(previousEnd);
            assertThat(LONG.substring(entity.getStart(), entity.getEnd()).toLowerCase())
                    .contains(entity.getWord().replace("##", "").split(" ")[0]);
            previousEnd = entity.getEnd();
        }
        assertThat(entities[entities.length - 1].getEnd()).as("past the first window: token 128 is near char 600")
                .isGreaterThan(LONG.length() * 3 / 4);
        InferenceOutput.Chunk last = output.getChunks()[output.getChunks().length - 1];
        assertThat(last.getEntities()).as("a window's own entities lie in it").isNotEmpty().allSatisfy(e ->
                assertThat(e.getStart()).isBetween(last.getStart(), last.getEnd()));
    }

    @Test
    void oneOutputPerWindowCarriesWhichWindowItIsAndItsOwnResults() throws Exception {
        List<float[]> windows = reference(LONG, 32, 64);

        List<InferenceResult<String>> results = run(builder(FP32).chunkOutput(ChunkOutput.RECORDS).build(), LONG,
                "A short one.");

        List<InferenceResult<String>> long_ = results.stream().filter(r -> r.getInput().equals(LONG)).toList();
        assertThat(long_).hasSize(windows.size());
        for (InferenceResult<String> result : long_) {
            InferenceOutput.Chunk chunk = result.getOutput().getChunk();
            assertThat(chunk.getCount()).isEqualTo(windows.size());
            assertThat(cosine(result.getOutput().getEmbedding(), windows.get(chunk.getIndex())))
                    .as("window %d", chunk.getIndex()).isGreaterThanOrEqualTo(0.999);
            assertThat(chunk.getEnd()).isGreaterThan(chunk.getStart());
        }
        assertThat(long_).extracting(r -> r.getOutput().getChunk().getIndex())
                .containsExactlyElementsOf(IntStream.range(0, windows.size()).boxed().toList());
        assertThat(results.stream().filter(r -> !r.getInput().equals(LONG))).singleElement()
                .satisfies(r -> assertThat(r.getOutput().getChunk().getCount()).isEqualTo(1));
    }

    @Test
    void aPairModelIsRefused() {
        assertThatThrownBy(() -> builder(FP32).textPair(s -> s).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("long-text chunk cuts a single text into windows");
    }
}
