package io.streamrt.operators;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.SimulatedGpu;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/**
 * Every tunable of the inference operator, with its default. {@link StreamInference.Builder} starts from these
 * defaults; {@link StreamInference.Builder#configure} reads them from a Flink configuration.
 *
 * <pre>{@code
 * Configuration conf = new Configuration();
 * conf.set(InferenceOptions.LATENCY_TARGET_MS, 50L);
 * StreamInference<String> inference = StreamInference.<String>builder(s -> s).configure(conf).build();
 * }</pre>
 */
public final class InferenceOptions {

    public static final ConfigOption<String> MODEL = key("streamrt.model")
            .stringType()
            .defaultValue(ModelFiles.BUILTIN_MINILM_INT8)
            .withDescription("The model: builtin:all-minilm-l6-v2-int8 (default), builtin:all-minilm-l6-v2, a Hugging "
                    + "Face export directory (model.onnx or onnx/model.onnx, tokenizer.json, config.json, ...) or a "
                    + "path to an .onnx file, present on every TaskManager.");

    public static final ConfigOption<String> TOKENIZER = key("streamrt.tokenizer")
            .stringType()
            .noDefaultValue()
            .withDescription("Path to the model's tokenizer.json. Default: the builtin model's own, or tokenizer.json "
                    + "beside the .onnx file.");

    public static final ConfigOption<String> ENGINE = key("streamrt.engine")
            .stringType()
            .defaultValue(EngineSpec.AUTO)
            .withDescription("auto (TensorRT where a GPU and TensorRT are usable, else ONNX Runtime on CPU, with a "
                    + "log line saying why), onnxruntime, tensorrt (fails fast if not usable), or simulated-gpu (sleeps "
                    + "for a published GPU batch time and computes nothing: capacity planning, scheduler tests).");

    public static final ConfigOption<Integer> ENGINE_CPU_THREADS = key("streamrt.engine.cpu-threads")
            .intType()
            .defaultValue(0)
            .withDescription("Threads of a CPU engine, shared by all slots of a TaskManager: the engine runs this "
                    + "many batches at once, one thread each. 0 (default) uses every available processor.");

    public static final ConfigOption<Integer> MAX_BATCH_SIZE = key("streamrt.batch.max-size-records")
            .intType()
            .defaultValue(64)
            .withDescription("Most records in one batch (capped at the engine's own limit).");

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = key("streamrt.batch.max-sequence-length-tokens")
            .intType()
            .defaultValue(128)
            .withDescription("Longest input in tokens, special tokens included; longer texts are truncated (counted "
                    + "in the recordsTruncated metric).");

    public static final ConfigOption<Long> TOKEN_BUDGET = key("streamrt.batch.token-budget-tokens")
            .longType()
            .defaultValue(0L)
            .withDescription("Most padded tokens (rows x padded length) in one batch. 0 (default) turns the budget "
                    + "off: max-size-records x max-sequence-length-tokens.");

    public static final ConfigOption<Long> LATENCY_TARGET_MS = key("streamrt.latency-target-ms")
            .longType()
            .defaultValue(100L)
            .withDescription("Target time from a record's arrival at the operator to its result. A batch is cut when "
                    + "waiting longer would make its oldest record miss it, given the run time the scheduler has "
                    + "learned for a batch of that size and length.");

    public static final ConfigOption<BatchingMode> BATCHING = key("streamrt.batch.mode")
            .enumType(BatchingMode.class)
            .defaultValue(BatchingMode.ADAPTIVE)
            .withDescription("ADAPTIVE (default): length-grouped batches cut to the latency target; STATIC: fixed "
                    + "max size and max delay, first in first out.");

    public static final ConfigOption<Long> MAX_DELAY_MS = key("streamrt.batch.max-delay-ms")
            .longType()
            .defaultValue(10L)
            .withDescription("STATIC mode only: the longest a request waits for its batch to fill.");

    public static final ConfigOption<Integer> CAPACITY = key("streamrt.async.capacity-records")
            .intType()
            .defaultValue(256)
            .withDescription("Most records in flight per subtask; a full operator backpressures its input.");

    public static final ConfigOption<Long> TIMEOUT_MS = key("streamrt.async.timeout-ms")
            .longType()
            .defaultValue(60_000L)
            .withDescription("A record without a result after this long is handled by on-failure.");

    public static final ConfigOption<Boolean> ORDERED = key("streamrt.async.ordered")
            .booleanType()
            .defaultValue(false)
            .withDescription("Emit results in input order (true) or as they complete (false, default: lower latency).");

    public static final ConfigOption<FailurePolicy> ON_FAILURE = key("streamrt.on-failure")
            .enumType(FailurePolicy.class)
            .defaultValue(FailurePolicy.FAIL)
            .withDescription("What happens to a record without a result: one the engine fails on (alone: a failed "
                    + "batch is run again in halves so that only the records that fail alone fail), one that times "
                    + "out, one a user function throws on. FAIL (default) fails the task; DEAD_LETTER emits a failed "
                    + "InferenceResult with the reason instead. A fatal engine failure (the engine itself is gone) "
                    + "fails the task under both, so that its restart acquires a new engine.");

    public static final ConfigOption<List<String>> LABELS = key("streamrt.labels")
            .stringType()
            .asList()
            .noDefaultValue()
            .withDescription("Zero-shot labels: each result gets the label whose embedding is nearest (cosine) and "
                    + "that similarity as its score. None by default.");

    public static final ConfigOption<String> TASK = key("streamrt.task")
            .stringType()
            .noDefaultValue()
            .withDescription("embedding, classification or token-classification. Default: detected from the model's "
                    + "config.json (architectures) and outputs.");

    public static final ConfigOption<String> POOLING = key("streamrt.embedding.pooling")
            .stringType()
            .noDefaultValue()
            .withDescription("cls, mean, max, mean-sqrt-len or last-token: how an embedding is pooled from the last "
                    + "hidden state. Default: the model's 1_Pooling/config.json, else mean.");

    public static final ConfigOption<String> AGGREGATION = key("streamrt.token-classification.aggregation")
            .stringType()
            .noDefaultValue()
            .withDescription("simple (default), first, average or max: how token tags become entities, as Hugging "
                    + "Face's token-classification pipeline's aggregation_strategy.");

    public static final ConfigOption<String> PREFIX = key("streamrt.text.prefix")
            .stringType()
            .defaultValue("")
            .withDescription("Text prepended to every input before tokenizing, e.g. e5's \"query: \". Default: none.");

    public static final ConfigOption<Integer> TOP_K = key("streamrt.classification.top-k")
            .intType()
            .defaultValue(0)
            .withDescription("Classification: also emit the scores of the K most probable labels (scores). "
                    + "0 (default) emits only the best label and its score.");

    public static final ConfigOption<List<String>> OUTPUT_FIELDS = key("streamrt.output.fields")
            .stringType()
            .asList()
            .noDefaultValue()
            .withDescription("Which fields of the result to keep: some of model, engine, embedding, label, score, "
                    + "scores, entities, batch_size, queue_ms, infer_ms (e.g. label;score drops the embedding). "
                    + "Each must be one the task gives. Default: all the task gives.");

    public static final ConfigOption<String> EMBEDDING_ENCODING = key("streamrt.output.embedding-encoding")
            .stringType()
            .defaultValue("json")
            .withDescription("How an output encoder writes the embedding: json (numbers), base64-f32 or base64-f16 "
                    + "(base64 of the little-endian floats). Default: json.");

    public static final ConfigOption<Double> SIMULATED_TIME_SCALE = key("streamrt.engine.simulated.time-scale")
            .doubleType()
            .defaultValue(SimulatedGpu.DEFAULT_TIME_SCALE)
            .withDescription("engine simulated-gpu only: the factor applied to NVIDIA's published TensorRT BERT-Base "
                    + "INT8 A100 batch times it sleeps for. The default makes the simulated engine, not the CPU "
                    + "pipeline around it, the bottleneck on a 2-core machine.");

    public static final ConfigOption<Integer> SIMULATED_STREAMS = key("streamrt.engine.simulated.streams")
            .intType()
            .defaultValue(SimulatedGpu.DEFAULT_STREAMS)
            .withDescription("engine simulated-gpu only: how many batches it runs at once. Default: 1.");

    private InferenceOptions() {}
}
