package io.streamrt.engine;

/**
 * A backend, found with {@link java.util.ServiceLoader} ({@code META-INF/services/io.streamrt.engine.EngineProvider}).
 *
 * <pre>{@code
 * for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
 *     System.out.println(p.name() + ": " + p.availability());
 * }
 * }</pre>
 */
public interface EngineProvider {

    /** The backend's id as {@link EngineSpec#engine()} names it: {@code onnxruntime}, {@code tensorrt}, or a test id. */
    String name();

    /** Whether this backend can run here; probed once per JVM and cached. Never throws. */
    Availability availability();

    /**
     * Whether this backend can run this model here: {@link #availability()}, then what the model's files say
     * without loading it (an operator set the backend's parser does not take, say). {@link EngineSpec#AUTO} passes
     * a backend over for a model it cannot run, with the reason in its log line; a backend asked for by name fails
     * with it. Never throws.
     */
    default Availability availabilityFor(ModelFiles model) {
        return availability();
    }

    /**
     * A model this backend runs in place of {@code model}, which it cannot run, for {@link EngineSpec#AUTO} only:
     * one that computes the same outputs within a documented tolerance, from the same tokenizer. Empty (the
     * default) for none; never a user's own model, only a builtin the project ships in both forms.
     */
    default java.util.Optional<ModelFiles> substituteFor(ModelFiles model) {
        return java.util.Optional.empty();
    }

    /**
     * The substitute ({@link #substituteFor}) this backend runs here in place of {@code model}: empty where the
     * backend cannot run here, offers none, or cannot run the one it offers. What {@link EngineSpec#AUTO} runs, and
     * whose plan {@code model build-engine} builds, when the backend cannot run {@code model} itself.
     */
    default java.util.Optional<ModelFiles> runnableSubstituteFor(ModelFiles model) {
        if (!availability().available()) {
            return java.util.Optional.empty();
        }
        return substituteFor(model).filter(substitute -> availabilityFor(substitute).available());
    }

    /**
     * Rank for {@link EngineSpec#AUTO}: the available provider with the highest rank wins; 0 or less means
     * never chosen automatically (test backends).
     */
    int autoRank();

    /**
     * Checks, from the model's files alone and without loading it, that this backend can run it: what a job's
     * submitter calls before anything starts. The backend checks again when it opens the model.
     *
     * @throws ModelRejectedException saying what was expected, what was found, and what to do
     */
    default void checkModel(ModelFiles model) throws ModelRejectedException {}

    /** Builds an engine for the spec; the provider owns nothing after returning. */
    InferenceEngine create(EngineSpec spec, ModelFiles model) throws EngineException;

    /**
     * Whether a backend can run here, and if not, why and what to install.
     *
     * @param available true if {@link #create} can work
     * @param reason empty when available; else what is missing and the fix
     */
    record Availability(boolean available, String reason) {
        public static Availability yes() {
            return new Availability(true, "");
        }

        public static Availability no(String reason) {
            return new Availability(false, reason);
        }
    }
}
