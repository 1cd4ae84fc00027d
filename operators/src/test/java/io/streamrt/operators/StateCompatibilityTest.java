package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.engine.testing.ScriptedEngine;
import io.streamrt.engine.testing.ScriptedEngineExtension;
import io.streamrt.operators.internal.InferenceFunction;
import io.streamrt.operators.internal.ProcessExit;
import io.streamrt.operators.internal.Surface;
import io.streamrt.serde.KafkaRecord;
import io.streamrt.serde.TextRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * State written by one version of StreamRT is restored by every later one, as Flink's own migration tests do it: the
 * test resources keep, per released version, a snapshot of the inference operator (Flink's async operator around
 * StreamRT's function, over {@code enrich}'s in-flight type {@link TextRecord}) taken with records in flight, and
 * each is restored here and its records completed. The snapshot was taken on the scripted engine; the restore runs
 * the builtin MiniLM on ONNX Runtime: a model changed between savepoint and restore runs the records in flight.
 *
 * <p>To add the current version's snapshot before a release: {@code mvn -pl operators -am test
 * -Dtest=StateCompatibilityTest -Dstreamrt.write-state-snapshot=true -Dsurefire.failIfNoSpecifiedTests=false}, then
 * commit {@code operators/src/test/resources/state-compat/}.
 */
@ExtendWith(ScriptedEngineExtension.class)
class StateCompatibilityTest {

    /** The version whose snapshot {@link #writeTheCurrentVersionsSnapshot} writes. */
    private static final String CURRENT = "0.1.0";
    private static final Path SNAPSHOTS = Path.of("src/test/resources/state-compat");
    private static final int IN_FLIGHT = 12;
    private static final long TIMEOUT_MS = 60_000;

    /** The inputs in flight in every snapshot, the same in every version. */
    private static List<TextRecord> inputs() {
        List<TextRecord> inputs = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            KafkaRecord source = KafkaRecord.of("texts", i % 3, 100L + i, 1_700_000_000_000L + i,
                    ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    ("{\"id\":\"" + i + "\",\"text\":\"record " + i + "\"}").getBytes(StandardCharsets.UTF_8));
            source.addHeader("trace", new byte[] {(byte) i});
            inputs.add(new TextRecord(source, "record number " + i + " was in flight at the savepoint", "id-" + i));
        }
        return inputs;
    }

    private static TypeSerializer<TextRecord> serializer() {
        return TypeInformation.of(TextRecord.class).createSerializer(new SerializerConfigImpl());
    }

    private static OneInputStreamOperatorTestHarness<TextRecord, InferenceResult<TextRecord>> harness(
            StreamInference.Builder<TextRecord> builder) throws Exception {
        StreamInference<TextRecord> inference = builder.latencyTarget(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(TIMEOUT_MS)).build();
        InferenceFunction<TextRecord> function = new InferenceFunction<>(inference.settings(),
                (SerializableFunction<TextRecord, String>) TextRecord::getText, null, null, null, Surface.DATASTREAM,
                () -> ScriptedHarness.REGISTRY, ProcessExit.flinkFatalExit());
        return new OneInputStreamOperatorTestHarness<>(new AsyncWaitOperatorFactory<>(function, TIMEOUT_MS, 100,
                AsyncDataStream.OutputMode.UNORDERED), serializer());
    }

    private static StreamInference.Builder<TextRecord> builder() {
        return StreamInference.builder((SerializableFunction<TextRecord, String>) TextRecord::getText);
    }

    static Stream<Path> snapshots() throws Exception {
        try (Stream<Path> files = Files.list(SNAPSHOTS)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().endsWith(".snapshot")).sorted().toList();
            assertThat(found).as("snapshots in %s", SNAPSHOTS.toAbsolutePath()).isNotEmpty();
            return found.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void recordsInFlightInAnEarlierVersionsSnapshotCompleteAfterTheRestore(Path snapshot) throws Exception {
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(snapshot.toString());

        var restored = harness(builder().engine("onnxruntime").maxBatchSize(8));
        restored.initializeState(state);
        restored.open();
        restored.endInput();

        List<InferenceResult<TextRecord>> results = restored.extractOutputValues();
        List<TextRecord> expected = inputs();
        assertThat(results).hasSize(expected.size()).allSatisfy(r -> {
            assertThat(r.isSuccess()).as("%s", r.getFailureMessage()).isTrue();
            assertThat(r.getOutput().getEmbedding()).as("the builtin MiniLM's embedding").hasSize(384);
            assertThat(r.getOutput().getModel()).contains("all-minilm-l6-v2");
        });
        assertThat(results).extracting(r -> r.getInput().getText())
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(TextRecord::getText).toList());
        assertThat(results).extracting(r -> r.getInput().getSource().describe())
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(t -> t.getSource().describe()).toList());
        assertThat(results).extracting(r -> r.getInput().getSource().headers().get(0).getValue()[0])
                .containsExactlyInAnyOrderElementsOf(expected.stream()
                        .map(t -> t.getSource().headers().get(0).getValue()[0]).toList());
        restored.close();
        assertThat(ScriptedHarness.REGISTRY.openLeases()).as("engine leases left").isZero();
    }

    @Test
    void theInFlightTypesArePojosWhoseSerializersCanEvolve() {
        assertThat(TypeInformation.of(TextRecord.class)).isInstanceOf(PojoTypeInfo.class);
        assertThat(TypeInformation.of(KafkaRecord.class)).isInstanceOf(PojoTypeInfo.class);
        assertThat(serializer().getClass().getSimpleName()).isEqualTo("PojoSerializer");
    }

    /** Writes {@value #CURRENT}'s snapshot; runs only when asked (see the class comment). */
    @Test
    void writeTheCurrentVersionsSnapshot() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("streamrt.write-state-snapshot"),
                "writes a snapshot only with -Dstreamrt.write-state-snapshot=true (before a release)");
        ScriptedEngine.hold();
        var first = harness(builder().engine("scripted").maxBatchSize(4));
        first.open();
        for (TextRecord input : inputs()) {
            first.processElement(input, 1L);
        }
        OperatorSubtaskState state = first.snapshot(1L, 2L);
        assertThat(first.extractOutputValues()).as("all in flight while the engine is held").isEmpty();
        Files.createDirectories(SNAPSHOTS);
        OperatorSnapshotUtil.writeStateHandle(state,
                SNAPSHOTS.resolve("inference-text-record-" + CURRENT + ".snapshot").toString());
        first.getOperator().close();
        ScriptedEngine.release();
    }
}
