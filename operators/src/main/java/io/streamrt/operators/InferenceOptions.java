package io.streamrt.operators;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.SimulatedGpu;
import io.streamrt.operators.OptionDefinition.Surface;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every tunable of the inference operator, each defined once: key (with its unit), type, default and description.
 * {@link StreamInference.Builder} starts from these defaults and {@link StreamInference.Builder#configure} reads them
 * from a Flink configuration; a SQL model's {@code WITH} keys and the {@code enrich} command's flags are derived from
 * them ({@link #definitions()}), and so are the option tables of the docs.
 *
 * <pre>{@code
 * Configuration conf = new Configuration();
 * conf.set(InferenceOptions.LATENCY_TARGET_MS, 50L);
 * StreamInference<String> inference = StreamInference.<String>builder(s -> s).configure(conf).build();
 * }</pre>
 */
@PublicEvolving
public final class InferenceOptions {

    private static final List<OptionDefinition<?>> DEFINITIONS = new ArrayList<>();

    public static final ConfigOption<String> MODEL = define("model", "model", "MODEL",
            b -> b.stringType()
                    .defaultValue(ModelFiles.BUILTIN_MINILM_INT8)
                    .withDescription("The model: builtin:all-minilm-l6-v2-int8 (default), builtin:all-minilm-l6-v2, "
                            + "a Hugging Face export directory (model.onnx or onnx/model.onnx, tokenizer.json, "
                            + "config.json, ...) or a path to an .onnx file, present on every TaskManager."));

    public static final ConfigOption<String> TOKENIZER = define("tokenizer", "tokenizer", "PATH",
            b -> b.stringType()
                    .noDefaultValue()
                    .withDescription("Path to the model's tokenizer.json. Default: the builtin model's own, or "
                            + "tokenizer.json beside the .onnx file."));

    public static final ConfigOption<String> ENGINE = define("engine", "engine", "ENGINE",
            b -> b.stringType()
                    .defaultValue(EngineSpec.AUTO)
                    .withDescription("auto (default: TensorRT where a GPU and TensorRT are usable, else ONNX Runtime "
                            + "on CPU, with a log line saying why), onnxruntime, tensorrt (fails fast where the engine "
                            + "runs if it cannot: on the TaskManagers, or in this JVM for a local job), or "
                            + "simulated-gpu (sleeps for NVIDIA's published TensorRT BERT-Base A100 batch times and "
                            + "computes nothing: capacity planning and scheduler tests, never results)."));

    public static final ConfigOption<Integer> ENGINE_CPU_THREADS = define("engine.cpu-threads", "cpu-threads", "N",
            b -> b.intType()
                    .defaultValue(0)
                    .withDescription("Threads of a CPU engine, shared by all slots of a TaskManager: the engine "
                            + "runs this many batches at once, one thread each. 0 (default) uses every available "
                            + "processor."));

    public static final ConfigOption<Integer> MAX_BATCH_SIZE = define("batch.max-size-records", "max-batch-size", "N",
            b -> b.intType()
                    .defaultValue(64)
                    .withDescription("Most records in one batch (capped at the engine's own limit)."));

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = define(
            "batch.max-sequence-length-tokens", "max-sequence-length", "TOKENS",
            b -> b.intType()
                    .defaultValue(128)
                    .withDescription("Longest input in tokens, special tokens included; longer texts are truncated "
                            + "(counted in the recordsTruncated metric)."));

    public static final ConfigOption<Long> TOKEN_BUDGET = define("batch.token-budget-tokens", "token-budget", "TOKENS",
            b -> b.longType()
                    .defaultValue(0L)
                    .withDescription("Most padded tokens (rows x padded length) in one batch. 0 (default) turns the "
                            + "budget off: max-size-records x max-sequence-length-tokens."));

    public static final ConfigOption<Long> LATENCY_TARGET_MS = define("latency-target-ms", "latency-target-ms", "MS",
            b -> b.longType()
                    .defaultValue(100L)
                    .withDescription("Target time from a record's arrival at the operator to its result. A batch is "
                            + "cut when waiting longer would make its oldest record miss it, given the run time the "
                            + "scheduler has learned for a batch of that size and length."));

    public static final ConfigOption<BatchingMode> BATCHING = define("batch.mode", "batching", "MODE",
            b -> b.enumType(BatchingMode.class)
                    .defaultValue(BatchingMode.ADAPTIVE)
                    .withDescription("adaptive (default): batches grouped by length and cut to the latency target; "
                            + "static: up to the max batch size, first in first out, waiting at most the max delay "
                            + "to fill."));

    public static final ConfigOption<Long> MAX_DELAY_MS = define("batch.max-delay-ms", "max-delay-ms", "MS",
            b -> b.longType()
                    .defaultValue(10L)
                    .withDescription("Static batching only: the longest a record waits for its batch to fill."));

    public static final ConfigOption<Integer> CAPACITY = define("async.capacity-records", "capacity", "N",
            b -> b.intType()
                    .defaultValue(256)
                    .withDescription("Most records in flight per subtask; a full operator backpressures its input."));

    public static final ConfigOption<Long> TIMEOUT_MS = define("async.timeout-ms", "timeout-ms", "MS",
            b -> b.longType()
                    .defaultValue(60_000L)
                    .withDescription("A record without a result after this long is handled by on-failure."));

    public static final ConfigOption<Boolean> ORDERED = define("async.ordered", "ordered", "BOOLEAN",
            b -> b.booleanType()
                    .defaultValue(false)
                    .withDescription("Emit results in input order (true) or as they complete (false, default: lower "
                            + "latency)."));

    public static final ConfigOption<FailurePolicy> ON_FAILURE = define("on-failure", "on-failure", "POLICY",
            b -> b.enumType(FailurePolicy.class)
                    .defaultValue(FailurePolicy.FAIL)
                    .withDescription("What happens to a record without a result: one the engine fails on (alone: a "
                            + "failed batch is run again in halves so that only the records that fail alone fail), "
                            + "one that times out, one a user function throws on. FAIL (default) fails the task; "
                            + "DEAD_LETTER emits a failed InferenceResult with the reason instead. A fatal engine "
                            + "failure (the engine itself is gone) fails the task under both, so that its restart "
                            + "acquires a new engine."));

    public static final ConfigOption<List<String>> LABELS = define("labels", "labels", "L1,L2,...",
            b -> b.stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription("Zero-shot labels: each result gets the label whose embedding is nearest "
                            + "(cosine) and that similarity as its score. None by default."));

    public static final ConfigOption<String> TASK = define("task", "task", "TASK",
            b -> b.stringType()
                    .noDefaultValue()
                    .withDescription("embedding, classification or token-classification. Default: detected from the "
                            + "model's config.json (architectures) and outputs."));

    public static final ConfigOption<String> POOLING = define("embedding.pooling", "pooling", "MODE",
            b -> b.stringType()
                    .noDefaultValue()
                    .withDescription("cls, mean, max, mean-sqrt-len or last-token: how an embedding is pooled from "
                            + "the last hidden state. Default: the model's 1_Pooling/config.json, else mean."));

    public static final ConfigOption<String> AGGREGATION = define(
            "token-classification.aggregation", "aggregation", "MODE",
            b -> b.stringType()
                    .noDefaultValue()
                    .withDescription("simple (default), first, average or max: how token tags become entities, as "
                            + "Hugging Face's token-classification pipeline's aggregation_strategy."));

    public static final ConfigOption<String> LONG_TEXT = define("long-text", "long-text", "MODE",
            b -> b.stringType()
                    .defaultValue("truncate")
                    .withDescription("What happens to a text longer than the max sequence length: truncate (default) "
                            + "cuts it there; chunk cuts its tokens into overlapping windows of the max sequence "
                            + "length, runs each as a text alone, and makes the record's results of them all (an "
                            + "embedding's mean, a classifier's mean or max scores, every window's entities)."));

    public static final ConfigOption<Integer> CHUNK_OVERLAP_TOKENS = define(
            "chunk.overlap-tokens", "chunk-overlap-tokens", "TOKENS",
            b -> b.intType()
                    .defaultValue(32)
                    .withDescription("long-text chunk only: the tokens each window shares with the one before. "
                            + "Default: 32."));

    public static final ConfigOption<Integer> MAX_CHUNKS = define("chunk.max-chunks", "max-chunks", "N",
            b -> b.intType()
                    .defaultValue(64)
                    .withDescription("long-text chunk only: most windows of one record; the rest of a longer text is "
                            + "cut, counted in the recordsTruncated metric and marked \"truncated\": true in its "
                            + "output. Default: 64."));

    public static final ConfigOption<String> CHUNK_OUTPUT = define("chunk.output", "chunk-output", "MODE",
            b -> b.stringType()
                    .defaultValue("document")
                    .withDescription("long-text chunk only: document (default) emits the record's own results; "
                            + "chunks also each window's (chunks: index, start, end and its results); records one "
                            + "output per window (SQL: rows)."));

    public static final ConfigOption<String> CHUNK_AGGREGATION = define(
            "chunk.aggregation", "chunk-aggregation", "MODE",
            b -> b.stringType()
                    .defaultValue("mean")
                    .withDescription("long-text chunk, classification only: a record's scores are each label's mean "
                            + "(default) or max probability over its windows."));

    public static final ConfigOption<String> PREFIX = define("text.prefix", "prefix", "TEXT",
            b -> b.stringType()
                    .defaultValue("")
                    .withDescription("Text prepended to every input before tokenizing, e.g. e5's \"query: \". "
                            + "Default: none."));

    public static final ConfigOption<Integer> TOP_K = define("classification.top-k", "top-k", "N",
            b -> b.intType()
                    .defaultValue(0)
                    .withDescription("Classification: also emit the scores of the K most probable labels (scores). "
                            + "0 (default) emits only the best label and its score."));

    public static final ConfigOption<List<String>> OUTPUT_FIELDS = define("output.fields", "output-fields", "F1,F2,...",
            b -> b.stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription("Which fields of the result to keep: some of model, engine, embedding, label, "
                            + "score, scores, entities, batch_size, queue_ms, infer_ms (e.g. label;score drops the "
                            + "embedding). Each must be one the task gives. Default: all the task gives."));

    public static final ConfigOption<String> EMBEDDING_ENCODING = define(
            "output.embedding-encoding", "embedding-encoding", "ENC",
            b -> b.stringType()
                    .defaultValue("json")
                    .withDescription("How an output encoder writes the embedding: json (numbers), base64-f32 or "
                            + "base64-f16 (base64 of the little-endian floats). Default: json."));

    public static final ConfigOption<Double> SIMULATED_TIME_SCALE = define(
            "engine.simulated.time-scale", "simulated-time-scale", "K",
            b -> b.doubleType()
                    .defaultValue(SimulatedGpu.DEFAULT_TIME_SCALE)
                    .withDescription("engine simulated-gpu only: the factor applied to NVIDIA's published TensorRT "
                            + "BERT-Base INT8 A100 batch times it sleeps for. The default makes the simulated "
                            + "engine, not the CPU pipeline around it, the bottleneck on a 2-core machine."));

    public static final ConfigOption<Integer> SIMULATED_STREAMS = define(
            "engine.simulated.streams", "simulated-streams", "N",
            b -> b.intType()
                    .defaultValue(SimulatedGpu.DEFAULT_STREAMS)
                    .withDescription("engine simulated-gpu only: how many batches it runs at once. Default: 1."));

    static {
        definition(CAPACITY).notOn(Surface.SQL, "ML_PREDICT's runtime option 'max-concurrent-operations' bounds the "
                + "rows in flight");
        definition(TIMEOUT_MS).notOn(Surface.SQL, "ML_PREDICT's runtime option 'timeout'");
        definition(ORDERED).notOn(Surface.SQL, "ML_PREDICT's runtime option 'output-mode'");
        definition(OUTPUT_FIELDS).notOn(Surface.SQL, "the model's OUTPUT columns choose the fields");
        definition(EMBEDDING_ENCODING).notOn(Surface.SQL, "an embedding is an ARRAY<FLOAT> column; the sink's format "
                + "writes it");
        definition(ON_FAILURE).notOn(Surface.COMMAND_LINE, "enrich sends every record without a result to the "
                + "dead-letter topic (DEAD_LETTER)");
        definition(ON_FAILURE).describedInSqlAs("FAIL (default) or DEAD_LETTER, as the operator's streamrt.on-failure. "
                + "In SQL a DEAD_LETTER row is emitted with NULL results and the reason in its OUTPUT column error "
                + "STRING, which this policy requires.");
    }

    private InferenceOptions() {}

    /** Every option with its names on each surface, in the order they are declared here. */
    public static List<OptionDefinition<?>> definitions() {
        return Collections.unmodifiableList(DEFINITIONS);
    }

    /** The definition of one of these options. */
    @SuppressWarnings("unchecked")
    public static <T> OptionDefinition<T> definition(ConfigOption<T> option) {
        return (OptionDefinition<T>) DEFINITIONS.stream().filter(d -> d.option().equals(option)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an inference option: " + option.key()));
    }

    private static <T> ConfigOption<T> define(String name, String shortName, String paramLabel,
            Function<ConfigOptions.OptionBuilder, ConfigOption<T>> spec) {
        OptionDefinition<T> definition = new OptionDefinition<>(name, shortName, paramLabel, spec);
        DEFINITIONS.add(definition);
        return definition.option();
    }
}
