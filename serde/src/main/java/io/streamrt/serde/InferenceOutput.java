package io.streamrt.serde;

/**
 * The {@code inference} object added to each output record: what the model's task gave (an embedding, a label and
 * score with the top labels' scores, or entities) and how the record was run.
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
    private String[] scoreLabels;
    private double[] scoreValues;
    private Entity[] entities;
    private int batchSize;
    private double queueMs;
    private double inferMs;
    private boolean truncated;
    private Chunk[] chunks;
    private Chunk chunk;

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

    /**
     * A classifier's result.
     *
     * @param label the most probable label
     * @param score its probability (or the raw score of a regression model)
     * @param scoreLabels the top labels, most probable first, for {@code scores}; empty for none
     * @param scoreValues their probabilities, in the same order
     */
    public static InferenceOutput classification(String model, String engine, String label, float score,
            String[] scoreLabels, double[] scoreValues, int batchSize, double queueMs, double inferMs) {
        InferenceOutput out = new InferenceOutput(model, engine, null, label, score, batchSize, queueMs, inferMs);
        out.scoreLabels = scoreLabels;
        out.scoreValues = scoreValues;
        return out;
    }

    /** A token classifier's result: the entities found in the text. */
    public static InferenceOutput entities(String model, String engine, Entity[] entities, int batchSize,
            double queueMs, double inferMs) {
        InferenceOutput out = new InferenceOutput(model, engine, null, null, 0f, batchSize, queueMs, inferMs);
        out.entities = entities;
        return out;
    }

    /**
     * One window of a text cut into windows ({@code long-text} {@code chunk}, {@code chunk-output} {@code chunks}):
     * where it lies in the text and what the task gave for it alone. A Flink POJO.
     */
    public static final class Chunk {
        private int index;
        private int count;
        private int start;
        private int end;
        private float[] embedding;
        private String label;
        private float score;
        private Entity[] entities;
        private String[] scoreLabels;
        private double[] scoreValues;

        /** For Flink's POJO serializer. */
        public Chunk() {}

        /**
         * @param start where its first token begins in the text, in code points (as entity offsets count)
         * @param end where its last token ends, exclusive
         * @param embedding an embedding model's vector of the window; else null
         * @param label a classifier's (or zero-shot labels') best label for the window; else null
         */
        public Chunk(int index, int start, int end, float[] embedding, String label, float score) {
            this.index = index;
            this.start = start;
            this.end = end;
            this.embedding = embedding;
            this.label = label;
            this.score = score;
        }

        public int getIndex() {
            return index;
        }

        public void setIndex(int index) {
            this.index = index;
        }

        /** One output per window ({@code chunk-output} {@code records}): how many windows its text has; else 0. */
        public int getCount() {
            return count;
        }

        public void setCount(int count) {
            this.count = count;
        }

        public int getStart() {
            return start;
        }

        public void setStart(int start) {
            this.start = start;
        }

        public int getEnd() {
            return end;
        }

        public void setEnd(int end) {
            this.end = end;
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

        /** A classifier with top-k: the window's top labels, most probable first; else null. */
        public String[] getScoreLabels() {
            return scoreLabels;
        }

        public void setScoreLabels(String[] scoreLabels) {
            this.scoreLabels = scoreLabels;
        }

        /** Their probabilities in the window, in the same order. */
        public double[] getScoreValues() {
            return scoreValues;
        }

        public void setScoreValues(double[] scoreValues) {
            this.scoreValues = scoreValues;
        }

        /** A token classifier's entities in the window, offsets into the whole text; else null. */
        public Entity[] getEntities() {
            return entities;
        }

        public void setEntities(Entity[] entities) {
            this.entities = entities;
        }
    }

    /**
     * An entity a token classifier found, in Hugging Face's token-classification pipeline's format.
     * A Flink POJO.
     */
    public static final class Entity {
        private String entityGroup;
        private double score;
        private String word;
        private int start;
        private int end;

        /** For Flink's POJO serializer. */
        public Entity() {}

        /**
         * @param entityGroup the entity type, e.g. {@code PER}
         * @param score the mean score of its tokens
         * @param word its tokens joined back into text
         * @param start its first character in the text field (code points, as Python counts them)
         * @param end its end, exclusive
         */
        public Entity(String entityGroup, double score, String word, int start, int end) {
            this.entityGroup = entityGroup;
            this.score = score;
            this.word = word;
            this.start = start;
            this.end = end;
        }

        public String getEntityGroup() {
            return entityGroup;
        }

        public void setEntityGroup(String entityGroup) {
            this.entityGroup = entityGroup;
        }

        public double getScore() {
            return score;
        }

        public void setScore(double score) {
            this.score = score;
        }

        public String getWord() {
            return word;
        }

        public void setWord(String word) {
            this.word = word;
        }

        public int getStart() {
            return start;
        }

        public void setStart(int start) {
            this.start = start;
        }

        public int getEnd() {
            return end;
        }

        public void setEnd(int end) {
            this.end = end;
        }
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

    /** The top labels, most probable first ({@code scores}); null or empty without {@code --top-k}. */
    public String[] getScoreLabels() {
        return scoreLabels;
    }

    public void setScoreLabels(String[] scoreLabels) {
        this.scoreLabels = scoreLabels;
    }

    /** Their probabilities, in the order of {@link #getScoreLabels()}. */
    public double[] getScoreValues() {
        return scoreValues;
    }

    public void setScoreValues(double[] scoreValues) {
        this.scoreValues = scoreValues;
    }

    /** A token classifier's entities; null for the other tasks. */
    public Entity[] getEntities() {
        return entities;
    }

    public void setEntities(Entity[] entities) {
        this.entities = entities;
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

    /** Whether the text went on past its last window ({@code max-chunks}) and the rest was not read. */
    public boolean isTruncated() {
        return truncated;
    }

    public void setTruncated(boolean truncated) {
        this.truncated = truncated;
    }

    /** One output per window ({@code chunk-output} {@code records}): which window of its text this is; else null. */
    public Chunk getChunk() {
        return chunk;
    }

    public void setChunk(Chunk chunk) {
        this.chunk = chunk;
    }

    /** Each window's results, in order, where they were asked for; else null. */
    public Chunk[] getChunks() {
        return chunks;
    }

    public void setChunks(Chunk[] chunks) {
        this.chunks = chunks;
    }

    public double getInferMs() {
        return inferMs;
    }

    public void setInferMs(double inferMs) {
        this.inferMs = inferMs;
    }
}
