package io.streamrt.engine.internal;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.Setting;
import io.streamrt.engine.SettingText;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the backend for a spec and its model: by name, or for {@code auto} the provider with the highest rank that
 * can run the model here ({@link EngineProvider#availabilityFor}), with one log line saying why the others were
 * not picked.
 *
 * <pre>{@code
 * EngineProvider provider = BackendSelector.select(providers, spec, ModelFiles.resolve(spec.model(), null));
 * }</pre>
 */
public final class BackendSelector {

    private static final Logger LOG = LoggerFactory.getLogger(BackendSelector.class);

    private BackendSelector() {}

    /**
     * The provider for {@code spec.engine()} and its model.
     *
     * @throws EngineException naming what is missing and which engines can be used instead
     */
    public static EngineProvider select(List<EngineProvider> providers, EngineSpec spec, ModelFiles model) {
        return choose(providers, spec, model).provider();
    }

    /**
     * A backend and the model it runs: {@code model}, or for {@link EngineSpec#AUTO} the substitute a
     * higher-ranked backend offers for a model it cannot run ({@link EngineProvider#substituteFor}: on a GPU, the
     * pooled float16 form of the default INT8 builtin, which TensorRT's parser refuses).
     */
    public record Selection(EngineProvider provider, ModelFiles model) {}

    /**
     * As {@link #select}, with the model the backend runs.
     *
     * @throws EngineException naming what is missing and which engines can be used instead
     */
    public static Selection choose(List<EngineProvider> providers, EngineSpec spec, ModelFiles model) {
        String wanted = spec.engine().trim().toLowerCase(Locale.ROOT);
        if (EngineSpec.AUTO.equals(wanted)) {
            return selectAuto(providers, spec, model);
        }
        for (EngineProvider provider : providers) {
            if (provider.name().equalsIgnoreCase(wanted)) {
                EngineProvider.Availability availability = provider.availabilityFor(model);
                if (!availability.available()) {
                    throw new EngineException(instead(SettingText.of("engine '" + spec.engine()
                            + "' is not available here: " + availability.reason() + "; or use "), providers, wanted));
                }
                return new Selection(provider, model);
            }
        }
        throw notInThisBuild(providers, spec, wanted);
    }

    /**
     * The backend {@code spec} names, for a job whose engines open on other machines (a cluster's TaskManagers):
     * found by name without asking whether it runs here; for {@link EngineSpec#AUTO}, the CPU engine auto falls
     * back to, whose checks every model auto may run passes (a GPU backend that cannot run a model is passed over).
     *
     * @throws EngineException if this build has no such backend, naming the ones it has
     */
    public static EngineProvider named(List<EngineProvider> providers, EngineSpec spec) {
        String wanted = spec.engine().trim().toLowerCase(Locale.ROOT);
        String name = EngineSpec.AUTO.equals(wanted) ? EngineSpec.ONNXRUNTIME : wanted;
        for (EngineProvider provider : providers) {
            if (provider.name().equalsIgnoreCase(name)) {
                return provider;
            }
        }
        throw notInThisBuild(providers, spec, name);
    }

    private static EngineException notInThisBuild(List<EngineProvider> providers, EngineSpec spec, String name) {
        String missing = EngineSpec.TENSORRT.equals(name) ? "no TensorRT backend is on the classpath"
                : "no backend named '" + name + "' is on the classpath";
        return new EngineException(instead(SettingText.of("engine '" + spec.engine() + "' is not available in this "
                + "build: " + missing + "; use "), providers, name).then(" (available engines: "
                + availableNames(providers) + ")"));
    }

    /**
     * {@code message} followed by the engines to use instead of {@code wanted}: the CPU engine where it runs here, and
     * auto.
     */
    private static SettingText instead(SettingText message, List<EngineProvider> providers, String wanted) {
        SettingText cpu = !EngineSpec.ONNXRUNTIME.equals(wanted) && hasAvailable(providers, EngineSpec.ONNXRUNTIME)
                ? message.set(Setting.ENGINE, EngineSpec.ONNXRUNTIME).then(" or ") : message;
        return cpu.set(Setting.ENGINE, EngineSpec.AUTO);
    }

    private static Selection selectAuto(List<EngineProvider> providers, EngineSpec spec, ModelFiles model) {
        Map<EngineProvider, EngineProvider.Availability> verdicts = new IdentityHashMap<>();
        Map<EngineProvider, ModelFiles> substitutes = new IdentityHashMap<>();
        // Why a provider that runs a substitute cannot run the model itself, for the log line.
        Map<EngineProvider, String> refusals = new IdentityHashMap<>();
        for (EngineProvider provider : providers) {
            EngineProvider.Availability verdict =
                    provider.autoRank() > 0 ? provider.availabilityFor(model) : provider.availability();
            if (!verdict.available() && provider.autoRank() > 0) {
                // Not this model: a substitute it offers and runs here may do.
                Optional<ModelFiles> substitute = provider.runnableSubstituteFor(model);
                if (substitute.isPresent()) {
                    substitutes.put(provider, substitute.get());
                    refusals.put(provider, verdict.reason());
                    verdict = EngineProvider.Availability.yes();
                }
            }
            verdicts.put(provider, verdict);
        }
        EngineProvider best = null;
        for (EngineProvider provider : providers) {
            if (provider.autoRank() > 0 && verdicts.get(provider).available()
                    && (best == null || provider.autoRank() > best.autoRank())) {
                best = provider;
            }
        }
        StringBuilder others = new StringBuilder();
        boolean tensorRtSeen = false;
        for (EngineProvider provider : providers) {
            tensorRtSeen |= provider.name().equalsIgnoreCase(EngineSpec.TENSORRT);
            if (provider == best) {
                continue;
            }
            EngineProvider.Availability availability = verdicts.get(provider);
            String why = provider.autoRank() <= 0 ? "never picked by auto"
                    : !availability.available() ? availability.reason()
                    : "ranked " + provider.autoRank() + ", below " + best.autoRank();
            others.append("; ").append(provider.name()).append(": ").append(why);
        }
        if (!tensorRtSeen) {
            others.append("; tensorrt: no tensorrt backend on the classpath");
        }
        if (best == null) {
            throw new EngineException("engine 'auto' found no usable backend for model '" + spec.model() + "'"
                    + others + "; add the onnxruntime jar for CPU inference");
        }
        ModelFiles runs = substitutes.getOrDefault(best, model);
        if (runs != model) {
            LOG.info("engine=auto for model {}: picked {} (rank {}) with model {} in its place: {} cannot run {} ({})"
                    + "; the substitute computes the same embeddings within the documented tolerance{}", spec.model(),
                    best.name(), best.autoRank(), runs.name(), best.name(), model.name(), refusals.get(best), others);
        } else {
            LOG.info("engine=auto for model {}: picked {} (rank {}){}", spec.model(), best.name(), best.autoRank(),
                    others);
        }
        return new Selection(best, runs);
    }

    private static boolean hasAvailable(List<EngineProvider> providers, String name) {
        for (EngineProvider provider : providers) {
            if (provider.name().equalsIgnoreCase(name) && provider.availability().available()) {
                return true;
            }
        }
        return false;
    }

    private static String availableNames(List<EngineProvider> providers) {
        List<String> names = new ArrayList<>();
        for (EngineProvider provider : providers) {
            if (provider.availability().available()) {
                names.add(provider.name());
            }
        }
        names.add(EngineSpec.AUTO);
        return String.join(", ", names);
    }
}
