package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.engine.testing.ScriptedEngineExtension;
import io.streamrt.operators.internal.InferenceFunction;
import io.streamrt.operators.internal.ProcessExit;
import io.streamrt.operators.internal.Surface;
import io.streamrt.serde.DeadLetterReason;
import io.streamrt.serde.TextTokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What happens to records that get no result, with the operator as Flink runs it (AsyncWaitOperator around our
 * function) on the scripted engine: poison records, fatal engine failures, user functions that throw, timeouts.
 */
@ExtendWith(ScriptedEngineExtension.class)
class FailureHandlingHarnessTest {

    private static final long TIMEOUT_MS = ScriptedHarness.TIMEOUT_MS;
    /** This class's own engine registry: its leases are this class's tests' only. */
    private static final EngineRegistry REGISTRY = new EngineRegistry(ServiceLoader.load(EngineProvider.class),
            Duration.ZERO, EngineRegistry.daemonTimer());
    private static final String POISON_WORD = "poison";
    private static long poisonToken;

    @BeforeAll
    static void findThePoisonToken() {
        try (TextTokenizer tokenizer = TextTokenizer.open(ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null)
                .tokenizer(), 32)) {
            long[] ids = tokenizer.encode(POISON_WORD).ids();
            assertThat(ids).as("'%s' is one word piece between [CLS] and [SEP]", POISON_WORD).hasSize(3);
            poisonToken = ids[1];
        }
    }

    private static StreamInference<String> inference(FailurePolicy onFailure, int maxBatch) {
        return ScriptedHarness.inference(onFailure, maxBatch);
    }

    private static OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness(
            InferenceFunction<String> function) throws Exception {
        return ScriptedHarness.of(function);
    }

    /** Records are named by their position in {@link #texts}, as a Kafka job names them by key and offset. */
    private static InferenceFunction<String> function(StreamInference<String> inference) {
        return function(inference, ProcessExit.flinkFatalExit());
    }

    private static InferenceFunction<String> function(StreamInference<String> inference, ProcessExit exit) {
        return new InferenceFunction<>(inference.settings(), s -> s, null, null, s -> "key=" + s.split(" ")[1],
                Surface.DATASTREAM, () -> REGISTRY, exit);
    }

    /** Texts "record N says hello", with the poison word in those at the given positions. */
    private static List<String> texts(int n, int... poisoned) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add("record " + i + " says hello");
        }
        for (int p : poisoned) {
            texts.set(p, "record " + p + " says " + POISON_WORD);
        }
        return texts;
    }

    /** Queues every text while the engine is held, so that they meet in batches, then lets the engine go. */
    private static void processHeld(OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness,
            List<String> texts) throws Exception {
        ScriptedEngine.hold();
        for (String text : texts) {
            harness.processElement(text, 1L);
        }
        ScriptedEngine.release();
    }

    /** Opens the harness, runs the texts as {@link #processHeld} does, ends the input: one result per text. */
    private static List<InferenceResult<String>> runHeld(
            OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness, List<String> texts)
            throws Exception {
        harness.open();
        processHeld(harness, texts);
        harness.endInput();
        List<InferenceResult<String>> results = harness.extractOutputValues();
        assertThat(results).extracting(InferenceResult::getInput).containsExactlyInAnyOrderElementsOf(texts);
        return results;
    }

    @Test
    void onlyThePoisonRecordOfABatchIsDeadLetteredAndItsBatchMatesAreEnriched() throws Exception {
        ScriptedEngine.poison(poisonToken, "Reshape: input has 1152 elements, target shape [1, 3, 385]");
        List<String> texts = texts(16, 9);
        var harness = harness(function(inference(FailurePolicy.DEAD_LETTER, 16)));

        List<InferenceResult<String>> results = runHeld(harness, texts);
        assertThat(results).filteredOn(r -> !r.isSuccess()).singleElement().satisfies(r -> {
            assertThat(r.getInput()).isEqualTo(texts.get(9));
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_FAILED);
            assertThat(r.getFailureMessage()).contains("failed on record key=9 run alone")
                    .contains("Reshape: input has 1152 elements").doesNotContain(POISON_WORD);
        });
        assertThat(results).filteredOn(InferenceResult::isSuccess).hasSize(15);
        harness.close();
        assertThat(REGISTRY.openLeases()).isZero();
    }

    @Test
    void aPoisonWindowDeadLettersOnlyItsRecordNeverItsBatchMates() throws Exception {
        ScriptedEngine.poison(poisonToken, "rejected by the model");
        List<String> texts = texts(8);
        String poisoned = "record 8 says " + "hello again ".repeat(40) + POISON_WORD;
        String clean = "record 9 says " + "hello again ".repeat(40) + "goodbye";
        texts.add(poisoned);
        texts.add(clean);
        StreamInference<String> chunked = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("scripted").maxBatchSize(16).maxSequenceLength(32).longText(LongText.CHUNK)
                .chunkOverlapTokens(8).chunkOutput(ChunkOutput.CHUNKS).latencyTarget(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(TIMEOUT_MS)).onFailure(FailurePolicy.DEAD_LETTER).build();
        var harness = harness(function(chunked));

        List<InferenceResult<String>> results = runHeld(harness, texts);
        assertThat(results).filteredOn(r -> !r.isSuccess()).singleElement().satisfies(r -> {
            assertThat(r.getInput()).isEqualTo(poisoned);
            assertThat(r.getFailureMessage()).contains("failed on record key=8 run alone")
                    .contains("rejected by the model");
        });
        assertThat(results).filteredOn(r -> r.getInput().equals(clean)).singleElement()
                .satisfies(r -> assertThat(r.getOutput().getChunks()).hasSizeGreaterThan(2));
        assertThat(results).filteredOn(InferenceResult::isSuccess).hasSize(9);
        harness.close();
        assertThat(REGISTRY.openLeases()).isZero();
    }

    @Test
    void underFailAPoisonRecordFailsTheTaskWithItsKeyAndItsBatchMatesStillGetResults() throws Exception {
        ScriptedEngine.poison(poisonToken, "rejected by the model");
        List<String> texts = texts(8, 5);
        var harness = harness(function(inference(FailurePolicy.FAIL, 8)));
        harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
        harness.open();
        processHeld(harness, texts);
        awaitOutputs(harness, 7);

        assertThat(harness.getEnvironment().getActualExternalFailureCause()).get()
                .satisfies(e -> assertThat(e).hasStackTraceContaining("failed on record key=5 run alone")
                        .hasStackTraceContaining("rejected by the model"));
        assertThat(harness.extractOutputValues()).extracting(InferenceResult::getInput)
                .containsExactlyInAnyOrderElementsOf(texts.stream().filter(t -> !t.contains(POISON_WORD)).toList())
                .hasSize(7);
        harness.getOperator().close();
    }

    @Test
    void aFatalEngineFailureFailsTheTaskEvenUnderDeadLetter() throws Exception {
        ScriptedEngine.failNextFatally("CUDA call cudaStreamSynchronize failed with status 999");
        var harness = harness(function(inference(FailurePolicy.DEAD_LETTER, 8)));
        harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
        harness.open();
        harness.processElement("record 0 meets a broken engine", 1L);
        awaitFailure(harness);

        assertThat(harness.getEnvironment().getActualExternalFailureCause()).get().satisfies(e -> assertThat(e)
                .hasStackTraceContaining("failed and cannot run more batches, so the task fails and its restart "
                        + "acquires a new engine")
                .hasStackTraceContaining("status 999"));
        assertThat(harness.extractOutputValues()).as("nothing dead-lettered").isEmpty();
        harness.getOperator().close();
        assertThat(REGISTRY.openLeases()).isZero();
    }

    @Test
    void aStickyGpuErrorEndsTheTaskManagerProcessOnlyThen() throws Exception {
        List<Throwable> exits = new CopyOnWriteArrayList<>();
        ScriptedEngine.failNextFatally("the engine broke on its own");
        var plain = harness(function(inference(FailurePolicy.FAIL, 8), exits::add));
        plain.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
        plain.open();
        plain.processElement("record 0 breaks an engine", 1L);
        awaitFailure(plain);
        plain.getOperator().close();
        assertThat(exits).as("an engine-only failure keeps the process").isEmpty();

        ScriptedEngine.failFatallyAfter(0, "CUDA status 700 (cudaErrorIllegalAddress), sticky", true);
        var sticky = harness(function(inference(FailurePolicy.DEAD_LETTER, 8), exits::add));
        sticky.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
        sticky.open();
        sticky.processElement("record 1 meets a poisoned process", 1L);
        awaitFailure(sticky);
        assertThat(exits).singleElement().satisfies(e -> assertThat(e).isInstanceOf(InternalError.class)
                .hasMessageContaining("cudaErrorIllegalAddress")
                .hasMessageContaining("the TaskManager process ends so that a new one replaces it"));
        sticky.getOperator().close();
    }

    @Test
    void aTextExtractorThatThrowsFailsItsRecordAtOnceWithTheReason() throws Exception {
        StreamInference<String> inference = inference(FailurePolicy.DEAD_LETTER, 8);
        InferenceFunction<String> function = new InferenceFunction<>(inference.settings(), s -> {
            if (s.contains("7")) {
                throw new IllegalArgumentException("no text in this one");
            }
            return s;
        }, null, s -> "key=" + s.split(" ")[1]);
        var harness = harness(function);
        harness.open();
        for (String text : texts(10)) {
            harness.processElement(text, 1L);
        }
        harness.endInput();

        assertThat(harness.extractOutputValues()).filteredOn(r -> !r.isSuccess()).singleElement().satisfies(r -> {
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_FAILED);
            assertThat(r.getFailureMessage()).contains("the text extractor threw")
                    .contains("no text in this one").contains("key=7");
        });
        assertThat(harness.getProcessingTimeService().getNumActiveTimers()).isZero();
        harness.close();
    }

    @Test
    void aRecordTimestampFunctionThatThrowsFailsItsRecordAtOnceNotAfterTheTimeout() throws Exception {
        StreamInference<String> inference = inference(FailurePolicy.DEAD_LETTER, 8);
        InferenceFunction<String> function = new InferenceFunction<>(inference.settings(), s -> s, s -> {
            if (s.contains("3")) {
                throw new IllegalStateException("no timestamp header");
            }
            return 1L;
        }, s -> "key=" + s.split(" ")[1]);
        var harness = harness(function);
        harness.open();
        for (String text : texts(5)) {
            harness.processElement(text, 1L);
        }
        // No processing time passes: a record failed only by its timeout would never come out.
        awaitOutputs(harness, 5);

        assertThat(harness.extractOutputValues()).filteredOn(r -> !r.isSuccess()).singleElement().satisfies(r -> {
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_FAILED);
            assertThat(r.getFailureMessage()).contains("the record timestamp function threw")
                    .contains("no timestamp header").contains("key=3");
        });
        harness.endInput();
        harness.close();
    }

    @Test
    void aTimedOutRecordIsTakenBackFromTheSchedulerAndCompletedOnce() throws Exception {
        ScriptedEngine.hold();
        var harness = harness(function(inference(FailurePolicy.DEAD_LETTER, 8)));
        harness.open();
        harness.processElement("record 0 runs but too late", 1L);
        awaitHeld();
        harness.processElement("record 1 waits behind it", 1L);
        harness.processElement("record 2 waits behind it too", 1L);

        harness.setProcessingTime(TIMEOUT_MS + 1);
        ScriptedEngine.release();
        harness.endInput();

        List<InferenceResult<String>> results = harness.extractOutputValues();
        assertThat(results).hasSize(3).allSatisfy(r -> {
            assertThat(r.getFailureReason()).isEqualTo(DeadLetterReason.INFERENCE_TIMEOUT);
            assertThat(r.getFailureMessage()).contains("no inference result within 5000 ms for record key=");
        });
        assertThat(ScriptedEngine.rowsRun()).as("rows the engine ran: only the batch already running").isEqualTo(1);
        harness.close();
        assertThat(REGISTRY.openLeases()).isZero();
    }

    private static void awaitHeld() throws InterruptedException {
        for (int i = 0; i < 500 && ScriptedEngine.held() == 0; i++) {
            Thread.sleep(10); // a scheduler worker thread must reach the held run; nothing to drive
        }
        assertThat(ScriptedEngine.held()).as("runs blocked in hold()").isEqualTo(1);
    }

    /** Results come back through the mailbox: process it until {@code n} are out. */
    private static void awaitOutputs(OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness, int n)
            throws Exception {
        for (int i = 0; i < 1000 && harness.extractOutputValues().size() < n; i++) {
            runMails(harness);
            Thread.sleep(5);
        }
        assertThat(harness.extractOutputValues()).hasSizeGreaterThanOrEqualTo(n);
    }

    /** Runs what the scheduler's threads handed to the task's mailbox (results are emitted there). */
    private static void runMails(OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness)
            throws Exception {
        for (var mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY); mail.isPresent();
                mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)) {
            mail.get().run();
        }
    }

    private static void awaitFailure(OneInputStreamOperatorTestHarness<String, InferenceResult<String>> harness)
            throws Exception {
        for (int i = 0; i < 1000 && harness.getEnvironment().getActualExternalFailureCause().isEmpty(); i++) {
            runMails(harness);
            Thread.sleep(5);
        }
        assertThat(harness.getEnvironment().getActualExternalFailureCause()).as("the task failed").isPresent();
    }
}
