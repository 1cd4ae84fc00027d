package io.streamrt.serde;

/**
 * The {@code inference} object added to each output record.
 *
 * <pre>{@code
 * InferenceOutput out = new InferenceOutput("all-minilm-l6-v2-int8", "onnxruntime", embedding, "sports", 0.91f, 37,
 *         3.2, 11.8);
 * }</pre>
 */
public final class InferenceOutput {

    private String model;
    private String engine;
    private float[] embedding;
    private String label;
    private float score;
    private int batchSize;
    private double queueMs;
    private double inferMs;

    /** For Flink's POJO serializer. */
    public InferenceOutput() {}

    /**
     * @param label the nearest configured label, or null when no labels are configured
     * @param score cosine similarity of the embedding to the label's embedding (ignored without a label)
     * @param queueMs time from arrival at the operator to the start of its batch
     * @param inferMs run time of its batch on the engine
     */
    public InferenceOutput(String model, String engine, float[] embedding, String label, float score, int batchSize,
            double queueMs, double inferMs) {
        this.model = model;
        this.engine = engine;
        this.embedding = embedding;
        this.label = label;
        this.score = score;
        this.batchSize = batchSize;
        this.queueMs = queueMs;
        this.inferMs = inferMs;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public String getEngine() {
        return engine;
    }

    public void setEngine(String engine) {
        this.engine = engine;
    }

    public float[] getEmbedding() {
        return embedding;
    }

    public void setEmbedding(float[] embedding) {
        this.embedding = embedding;
    }

    public String getLabel() {
        return label;
    }

    public void setLabel(String label) {
        this.label = label;
    }

    public float getScore() {
        return score;
    }

    public void setScore(float score) {
        this.score = score;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public double getQueueMs() {
        return queueMs;
    }

    public void setQueueMs(double queueMs) {
        this.queueMs = queueMs;
    }

    public double getInferMs() {
        return inferMs;
    }

    public void setInferMs(double inferMs) {
        this.inferMs = inferMs;
    }
}
