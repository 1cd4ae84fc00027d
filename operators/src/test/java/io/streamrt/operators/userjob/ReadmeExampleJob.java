package io.streamrt.operators.userjob;

import io.streamrt.operators.InferenceResult;
import io.streamrt.operators.StreamInference;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.function.SerializableFunction;

/**
 * A user's own job, as docs/datastream.md, "The example", shows it, with a main of its own: run by
 * {@code UserProjectJvmTest} in a JVM of its own, from a plain Maven classpath, with the JVM's default flags.
 * Prints one {@code label<TAB>text} line per record.
 */
public final class ReadmeExampleJob {

    public static final List<String> TEXTS = List.of(
            "The striker scored twice and the team won the championship final.",
            "Parliament passed the budget after a long debate between the parties.",
            "Engineers released a software update that fixes the database bug.");

    private ReadmeExampleJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        StreamInference<String> inference = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .model("builtin:all-minilm-l6-v2-int8")
                .labels(List.of("sports", "politics", "technology"))
                .maxBatchSize(64)
                .latencyTarget(Duration.ofMillis(100))
                .uid("review-inference")
                .build();
        DataStream<InferenceResult<String>> enriched =
                inference.apply(env.fromData(Types.STRING, TEXTS.toArray(new String[0])));
        try (CloseableIterator<InferenceResult<String>> results = enriched.executeAndCollect("readme example")) {
            while (results.hasNext()) {
                InferenceResult<String> result = results.next();
                System.out.println(result.getOutput().getLabel() + "\t" + result.getInput());
            }
        }
    }
}
