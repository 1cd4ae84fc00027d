package io.streamrt.engine.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EncoderOutput;
import io.streamrt.engine.OutputTensor;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.internal.onnxruntime.OrtEnvironments;
import io.streamrt.serde.TextTokenizer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The real all-MiniLM-L6-v2 models, sentences, and sentence embeddings through ONNX Runtime, shared by tests. */
final class MiniLmFixture {

    static final List<String> SENTENCES = List.of(
            "The central bank raised interest rates by a quarter point on Tuesday.",
            "Shares of the chip maker fell sharply after the earnings call.",
            "The striker scored twice in the second half to win the derby.",
            "Parliament voted to delay the budget until after the summer recess.",
            "A new open-source database promises faster analytical queries.",
            "Heavy rain flooded several streets in the old town overnight.",
            "The orchestra opened its season with a Mahler symphony.",
            "Researchers trained a small language model on a single GPU.",
            "The coach was fired after five consecutive defeats.",
            "Oil prices climbed as supply concerns grew in the Middle East.",
            "The minister resigned over a scandal involving party funding.",
            "Our streaming pipeline enriches Kafka records with embeddings.",
            "The museum reopened after a two-year renovation.",
            "A late penalty decided the cup final in extra time.",
            "The startup raised forty million dollars in a series B round.",
            "Snow closed the mountain pass for the third day running.",
            "The court ruled that the merger may go ahead with conditions.",
            "Engineers patched the vulnerability within hours of the report.",
            "The tennis champion withdrew from the tournament with a knee injury.",
            "Voters in the northern region elected a new governor.",
            "The film won the audience award at the festival.",
            "Cloud spending slowed as companies optimised their bills.",
            "The river burst its banks after a week of storms.",
            "Fans queued overnight for tickets to the reunion concert.",
            "The senate committee questioned the defence secretary for three hours.",
            "A faulty sensor grounded the fleet of regional jets.",
            "The marathon record fell by eleven seconds in Berlin.",
            "Inflation eased for the fourth month in a row.",
            "The library will lend laptops to students this autumn.",
            "Quantized transformers run faster on commodity CPUs.",
            "The goalkeeper saved three penalties in the shoot-out.",
            "Wildfires forced thousands to leave their homes.",
            "The company recalled two million phone chargers.",
            "Talks between the unions and the rail operator broke down.",
            "A solar eclipse will be visible across the continent next spring.",
            "The novel follows three generations of a fishing family.",
            "Stock markets closed higher on hopes of a trade deal.",
            "The basketball team signed a seven-foot centre from Serbia.",
            "Hospitals reported a rise in flu cases this week.",
            "The app update drains the battery, users complain.");

    private static ModelFiles fp32;
    private static ModelFiles int8;
    private static OnnxModel fp32Model;

    private MiniLmFixture() {}

    static synchronized ModelFiles fp32Files() {
        if (fp32 == null) {
            fp32 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_FP32, null);
        }
        return fp32;
    }

    static synchronized ModelFiles int8Files() {
        if (int8 == null) {
            int8 = ModelFiles.resolve(ModelFiles.BUILTIN_MINILM_INT8, null);
        }
        return int8;
    }

    /** Read once per test JVM: 90 MB. */
    static synchronized OnnxModel fp32() {
        if (fp32Model == null) {
            fp32Model = OnnxModel.read(fp32Files().onnx());
        }
        return fp32Model;
    }

    /** Tokenized sentences in batches of {@code batchSize}, each padded to its longest row. */
    static List<EncoderBatch> batches(List<String> texts, int batchSize) {
        List<EncoderBatch> batches = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.open(fp32Files().tokenizer(), 128)) {
            for (int i = 0; i < texts.size(); i += batchSize) {
                List<long[]> rows = new ArrayList<>();
                for (String text : texts.subList(i, Math.min(texts.size(), i + batchSize))) {
                    rows.add(tokenizer.encode(text).ids());
                }
                batches.add(EncoderBatch.pad(rows));
            }
        }
        return batches;
    }

    /** Mean-pooled, L2-normalized sentence embeddings. */
    static float[][] embed(byte[] model, List<EncoderBatch> batches) throws OrtException {
        List<float[]> embeddings = new ArrayList<>();
        List<float[]> outputs = firstOutputs(model, batches);
        for (int b = 0; b < batches.size(); b++) {
            EncoderBatch batch = batches.get(b);
            float[] hidden = outputs.get(b);
            int hiddenSize = hidden.length / (batch.size() * batch.sequenceLength());
            embeddings.addAll(Arrays.asList(EncoderOutput.of(0, new OutputTensor("last_hidden_state",
                    new long[] {batch.size(), batch.sequenceLength(), hiddenSize}, hidden))
                    .meanPooledNormalized(batch.lengths())));
        }
        return embeddings.toArray(new float[0][]);
    }

    /** Each batch's first output through ONNX Runtime (ids, the mask of its lengths, zero token types), flat. */
    static List<float[]> firstOutputs(byte[] model, List<EncoderBatch> batches) throws OrtException {
        OrtEnvironment env = OrtEnvironments.get();
        List<float[]> outputs = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(model, options)) {
                for (EncoderBatch batch : batches) {
                    long[] shape = {batch.size(), batch.sequenceLength()};
                    long[] mask = new long[batch.inputIds().length];
                    for (int row = 0; row < batch.size(); row++) {
                        Arrays.fill(mask, row * batch.sequenceLength(),
                                row * batch.sequenceLength() + batch.lengths()[row], 1L);
                    }
                    Map<String, OnnxTensor> inputs = new HashMap<>();
                    try {
                        inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape));
                        inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                        inputs.put("token_type_ids", OnnxTensor.createTensor(env,
                                LongBuffer.wrap(new long[mask.length]), shape));
                        try (OrtSession.Result result = session.run(inputs)) {
                            FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
                            float[] values = new float[buffer.remaining()];
                            buffer.get(values);
                            outputs.add(values);
                        }
                    } finally {
                        inputs.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
        return outputs;
    }

    /** Cosine of each pair of unit vectors. */
    static double[] cosines(float[][] a, float[][] b) {
        double[] cosines = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double dot = 0;
            for (int d = 0; d < a[i].length; d++) {
                dot += (double) a[i][d] * b[i][d];
            }
            cosines[i] = dot;
        }
        return cosines;
    }
}
