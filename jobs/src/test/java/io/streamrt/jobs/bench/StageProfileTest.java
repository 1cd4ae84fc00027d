package io.streamrt.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.jobs.bench.StageProfile.Stage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Samples are charged by their innermost recognised frame, and what is not the pipeline is counted apart. */
class StageProfileTest {

    private static final String TASK = "[Source: Kafka source: in -> Decode + validate -> StreamRT inference -> "
            + "Route results -> Kafka sink: out: Writer (1/2)#0 tid=11436]";
    private static final String SOURCE_TO_DECODE = "java/lang/Thread.run;org/apache/flink/runtime/taskmanager/Task.run;"
            + "org/apache/flink/streaming/api/operators/SourceOperator.emitNext;"
            + "org/apache/flink/connector/kafka/source/reader/KafkaRecordEmitter.emitRecord;"
            + "org/apache/flink/streaming/runtime/tasks/CopyingChainingOutput.pushToOperator;"
            + "io/streamrt/jobs/enrich/DecodeFunction.processElement";

    @Test
    void theInnermostRecognisedFrameDecides() {
        assertThat(stage(TASK, SOURCE_TO_DECODE + ";io/streamrt/serde/RecordDecoder.decode;"
                + "com/fasterxml/jackson/databind/ObjectMapper.readTree")).isEqualTo(Stage.DECODE);
        assertThat(stage(TASK, SOURCE_TO_DECODE + ";org/apache/flink/streaming/api/operators/async/"
                + "AsyncWaitOperator.processElement;io/streamrt/operators/internal/InferenceFunction.asyncInvoke;"
                + "io/streamrt/serde/TextTokenizer.encode;ai/djl/huggingface/tokenizers/jni/TokenizersLibrary.encode;"
                + "Java_ai_djl_huggingface_tokenizers_jni_TokenizersLibrary_encode;"
                + "<tokenizers::tokenizer::TokenizerImpl>::encode_single_sequence")).isEqualTo(Stage.TOKENIZE);
        assertThat(stage(TASK, SOURCE_TO_DECODE + ";org/apache/flink/streaming/api/operators/async/"
                + "AsyncWaitOperator.processElement;io/streamrt/operators/internal/InferenceFunction.asyncInvoke;"
                + "io/streamrt/operators/internal/BatchScheduler.submit")).isEqualTo(Stage.HAND_OFF);
        assertThat(stage(TASK, SOURCE_TO_DECODE + ";org/apache/flink/streaming/runtime/tasks/"
                + "CopyingChainingOutput.pushToOperator;org/apache/flink/api/java/typeutils/runtime/PojoSerializer.copy"))
                .isEqualTo(Stage.EXCHANGE);
        assertThat(stage(TASK, "java/lang/Thread.run;org/apache/flink/runtime/taskmanager/Task.run;"
                + "org/apache/flink/streaming/api/operators/SourceOperator.emitNext;"
                + "org/apache/kafka/clients/consumer/internals/FetchCollector.collectFetch")).isEqualTo(Stage.SOURCE);
    }

    @Test
    void engineThreadsAndTheirNativeFramesAreTheEngines() {
        String worker = "[streamrt-batcher-8c23d0-1-onnxruntime-all-minilm-l6-v2-int8-adaptive-0 tid=11183]";
        assertThat(stage(worker, "java/lang/Thread.run;io/streamrt/operators/internal/BatchScheduler.runAndDeliver;"
                + "io/streamrt/engine/internal/onnxruntime/OnnxRuntimeEngine.runOpen;ai/onnxruntime/OrtSession.run;"
                + "MlasSgemmKernelAvx2")).isEqualTo(Stage.ENGINE);
        String results = "[streamrt-results-8c23d0-1-onnxruntime-all-minilm-l6-v2-int8-adaptive-0 tid=11184]";
        assertThat(stage(results, "java/lang/Thread.run;io/streamrt/operators/internal/ResultStage.deliver;"
                + "io/streamrt/operators/internal/InferenceFunction$Completion.onResult;"
                + "io/streamrt/operators/internal/TaskHead.output")).isEqualTo(Stage.POST_PROCESSING);
        assertThat(stage("[onnxruntime-worker tid=1]", "start_thread;onnxruntime::concurrency::ThreadPool::Run"))
                .isEqualTo(Stage.ENGINE);
    }

    @Test
    void theBrokerTheHarnessAndTheJitAreCountedApart() {
        assertThat(stage("[data-plane-kafka-request-handler-4 tid=11068]", "java/lang/Thread.run;"
                + "kafka/server/KafkaRequestHandler.run;org/apache/kafka/clients/consumer/ConsumerRecord.value"))
                .isEqualTo(Stage.BROKER);
        assertThat(stage("[kafka-producer-network-thread | " + BenchTopics.HARNESS_CLIENT_PREFIX
                + "bench-3-adaptive-producer tid=9]", "java/lang/Thread.run;"
                + "org/apache/kafka/clients/producer/internals/Sender.run")).isEqualTo(Stage.HARNESS);
        assertThat(stage("[kafka-producer-network-thread | producer-11 tid=10]", "java/lang/Thread.run;"
                + "org/apache/kafka/clients/producer/internals/Sender.run")).isEqualTo(Stage.SINK);
        assertThat(stage("[main tid=1]", "io/streamrt/jobs/bench/PipelineBench.backlog;"
                + "org/apache/kafka/clients/producer/KafkaProducer.send")).isEqualTo(Stage.HARNESS);
        assertThat(stage("[C2 CompilerThre tid=7]", "thread_native_entry;CompileBroker::compiler_thread_loop"))
                .isEqualTo(Stage.JIT);
        assertThat(stage("[GC Thread#0 tid=3]", "thread_native_entry;WorkerThread::run")).isEqualTo(Stage.GC);
        assertThat(stage("[flink-pekko.actor.default-dispatcher-5 tid=1]",
                "org/apache/pekko/dispatch/Mailbox.run;org/apache/flink/runtime/rpc/pekko/PekkoRpcActor.handleMessage"))
                .isEqualTo(Stage.FLINK);
        assertThat(Stage.BROKER.pipeline).isFalse();
        assertThat(Stage.HARNESS.pipeline).isFalse();
        assertThat(Stage.JIT.pipeline).isFalse();
    }

    @Test
    void collapsedStacksAreSummedPerStageAndDividedByRecords() {
        String collapsed = TASK + ";" + SOURCE_TO_DECODE + ";io/streamrt/serde/RecordDecoder.decode 3000000\n"
                + TASK + ";" + SOURCE_TO_DECODE + ";io/streamrt/serde/RecordDecoder.decode;java/lang/String.<init> "
                + "1000000\n"
                + "[data-plane-kafka-request-handler-0 tid=2];kafka/server/KafkaApis.handle 5000000\n";
        Map<Stage, Long> nanos = StageProfile.charge(collapsed);
        assertThat(nanos).containsEntry(Stage.DECODE, 4_000_000L).containsEntry(Stage.BROKER, 5_000_000L);
        StageProfile.Result result = new StageProfile.Result(BenchScenario.ADAPTIVE, "cpu", 100, 50.0, nanos,
                collapsed);
        assertThat(result.microsPerRecord(Stage.DECODE)).isEqualTo(40.0);
        assertThat(result.pipelineMicrosPerRecord()).as("the broker is not the pipeline's").isEqualTo(40.0);
        assertThat(result.markdown()).contains("| decode + validate (JSON to text record) | 40 | 100.0% |");
    }

    private static Stage stage(String thread, String frames) {
        return StageProfile.classify(thread, List.of(frames.split(";")));
    }
}
