package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.engine.testing.ScriptedEngineExtension;
import io.streamrt.operators.internal.ModelNotRunnableException;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.EmbeddingEncoding;
import io.streamrt.serde.OutputFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator as Flink runs it (AsyncWaitOperator around our function), on the scripted engine so the test
 * decides when a batch completes.
 */
@ExtendWith(ScriptedEngineExtension.class)
class InferenceOperatorHarnessTest {

    private static final long TIMEOUT_MS = ScriptedHarness.TIMEOUT_MS;

    private static StreamInference<String> inference(FailurePolicy onFailure) {
        return ScriptedHarness.inference(onFailure, 4);
    }

    private static OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness(
            StreamInference<String> inference) throws Exception {
        return ScriptedHarness.of(ScriptedHarness.function(inference));
    }

    private static List<String> texts(int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add("record number " + i + " says hello");
        }
        return texts;
    }

    @Test
    void recordsInFlightAtASnapshotAreEmittedExactlyOnceAfterRestore() throws Exception {
        List<String> inputs = texts(10);
        OperatorSubtaskState snapshot;
        ScriptedEngine.hold();
        var first = harness(inference(FailurePolicy.FAIL));
        first.open();
        for (String text : inputs) {
            first.processElement(text, 1L);
        }
        snapshot = first.snapshot(1L, 2L);
        assertThat(first.extractOutputValues()).as("nothing completes while the engine is held").isEmpty();
        // A failure, not a clean stop: the task is torn down without draining.
        first.getOperator().close();

        var restored = harness(inference(FailurePolicy.FAIL));
        restored.initializeState(snapshot);
        restored.open();
        ScriptedEngine.release();
        restored.endInput();

        List<InferenceResult<String>> results = restored.extractOutputValues();
        assertThat(results).extracting(InferenceResult::getInput).containsExactlyInAnyOrderElementsOf(inputs);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.getOutput().getEmbedding()).hasSize(ScriptedEngine.HIDDEN_SIZE);
            assertThat(r.getOutput().getBatchSize()).isBetween(1, 4);
        });
        assertThat(restored.getProcessingTimeService().getNumActiveTimers()).as("timeout timers left").isZero();
        restored.close();
        assertThat(ScriptedHarness.REGISTRY.openLeases()).as("engine leases left").isZero();
    }

    @Test
    void aChunkedRecordInFlightAtASnapshotIsCutAgainAndEmittedOnceAfterRestore() throws Exception {
        StreamInference<String> chunked = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted").maxBatchSize(4).maxSequenceLength(32).longText(LongText.CHUNK)
                .chunkOverlapTokens(8).chunkOutput(ChunkOutput.CHUNKS).latencyTarget(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(TIMEOUT_MS)).build();
        String document = "record number 1 says " + "hello again and again ".repeat(30);
        ScriptedEngine.hold();
        var first = harness(chunked);
        first.open();
        first.processElement(document, 1L);
        first.processElement("record number 2 says hello", 1L);
        OperatorSubtaskState snapshot = first.snapshot(1L, 2L);
        assertThat(first.extractOutputValues()).isEmpty();
        first.getOperator().close();

        var restored = harness(chunked);
        restored.initializeState(snapshot);
        restored.open();
        ScriptedEngine.release();
        restored.endInput();

        List<InferenceResult<String>> results = restored.extractOutputValues();
        assertThat(results).extracting(InferenceResult::getInput)
                .containsExactlyInAnyOrder(document, "record number 2 says hello");
        assertThat(results).filteredOn(r -> r.getInput().equals(document)).singleElement().satisfies(r -> {
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.getOutput().getChunks()).hasSizeGreaterThan(3);
        });
        restored.close();
        assertThat(ScriptedHarness.REGISTRY.openLeases()).isZero();
    }

    @Test
    void recordsAreBatchedAndEnrichedInOrderedModeToo() throws Exception {
        List<String> inputs = texts(9);
        var harness = ScriptedHarness.of(ScriptedHarness.function(inference(FailurePolicy.FAIL)),
                AsyncDataStream.OutputMode.ORDERED);
        harness.open();
        for (String text : inputs) {
            harness.processElement(text, 1L);
        }
        harness.endInput();

        assertThat(harness.extractOutputValues()).extracting(InferenceResult::getInput).containsExactlyElementsOf(inputs);
        assertThat(ScriptedEngine.batchSizes()).allSatisfy(size -> assertThat(size).isBetween(1, 4));
        harness.close();
    }

    @Test
    void aTimeoutBecomesADeadLetterResultWhenConfigured() throws Exception {
        ScriptedEngine.hold();
        var harness = harness(inference(FailurePolicy.DEAD_LETTER));
        harness.open();
        harness.processElement("this one will be late", 1L);

        harness.setProcessingTime(TIMEOUT_MS + 1);
        harness.endInput();

        List<InferenceResult<String>> results = harness.extractOutputValues();
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.isSuccess()).isFalse();
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_TIMEOUT);
            assertThat(r.getFailureMessage()).contains("no inference result within 5000 ms").contains("raise the timeout");
        });
        assertThat(harness.getProcessingTimeService().getNumActiveTimers()).isZero();
        ScriptedEngine.release();
        harness.close();
        assertThat(ScriptedHarness.REGISTRY.openLeases()).isZero();
    }

    @Test
    void aTimeoutFailsTheTaskByDefault() throws Exception {
        ScriptedEngine.hold();
        var harness = harness(inference(FailurePolicy.FAIL));
        harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
        harness.open();
        harness.processElement("this one will be late", 1L);

        harness.setProcessingTime(TIMEOUT_MS + 1);

        assertThat(harness.getEnvironment().getActualExternalFailureCause()).get()
                .satisfies(e -> assertThat(e).hasRootCauseInstanceOf(TimeoutException.class)
                        .hasStackTraceContaining("no inference result within 5000 ms"));
        ScriptedEngine.release();
        harness.getOperator().close();
    }

    @Test
    void anEngineFailureBecomesADeadLetterResultWhenConfigured() throws Exception {
        ScriptedEngine.failNext("device lost");
        var harness = harness(inference(FailurePolicy.DEAD_LETTER));
        harness.open();
        harness.processElement("unlucky record", 1L);
        harness.endInput();

        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_FAILED);
            assertThat(r.getFailureMessage()).contains("device lost");
        });
        harness.close();
        assertThat(ScriptedHarness.REGISTRY.openLeases()).isZero();
    }

    @Test
    void aBlankTextIsAFailureNotAnEmptyResult() throws Exception {
        var harness = harness(inference(FailurePolicy.DEAD_LETTER));
        harness.open();
        harness.processElement("   ", 1L);
        harness.endInput();

        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.TEXT_EMPTY);
            assertThat(r.getFailureMessage()).contains("filter such records");
        });
        harness.close();
    }

    @Test
    void outputFieldsWithoutTheEmbeddingLeaveItOutOfTheResult() throws Exception {
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted")
                .latencyTarget(Duration.ofMillis(20))
                .output(OutputFields.parse("model,batch_size", EmbeddingEncoding.JSON))
                .build();
        var harness = harness(inference);
        harness.open();
        harness.processElement("one text", 1L);
        harness.endInput();

        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.getOutput().getEmbedding()).as("not carried downstream").isNull();
            assertThat(r.getOutput().getBatchSize()).isEqualTo(1);
        });
        harness.close();
    }

    @Test
    void outputFieldsTheModelsTaskDoesNotGiveFailTheOpenWithoutRestarts() throws Exception {
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted")
                .output(OutputFields.parse("label,entities", EmbeddingEncoding.JSON))
                .build();
        var harness = harness(inference);

        assertThatThrownBy(harness::open)
                .hasStackTraceContaining(ModelNotRunnableException.class.getName())
                .hasStackTraceContaining("output fields [label, entities] are not given by the embedding task, which "
                        + "gives model, engine, embedding, batch_size, queue_ms, infer_ms (an embedding model gives "
                        + "label and score with zero-shot labels, labels(...))");
        harness.close();
    }
}
