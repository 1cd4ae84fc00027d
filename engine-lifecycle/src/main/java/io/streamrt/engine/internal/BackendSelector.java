package io.streamrt.engine.internal;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.ModelFiles;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        String wanted = spec.engine().trim().toLowerCase(Locale.ROOT);
        if (EngineSpec.AUTO.equals(wanted)) {
            return selectAuto(providers, spec, model);
        }
        for (EngineProvider provider : providers) {
            if (provider.name().equalsIgnoreCase(wanted)) {
                EngineProvider.Availability availability = provider.availabilityFor(model);
                if (!availability.available()) {
                    throw new EngineException("engine '" + spec.engine() + "' is not available here: "
                            + availability.reason() + "; or use --engine auto");
                }
                return provider;
            }
        }
        String missing = EngineSpec.TENSORRT.equals(wanted) ? "no TensorRT backend is on the classpath"
                : "no backend named '" + spec.engine() + "' is on the classpath";
        throw new EngineException("engine '" + spec.engine() + "' is not available in this build: " + missing
                + "; use " + (hasAvailable(providers, EngineSpec.ONNXRUNTIME) ? "--engine onnxruntime or " : "")
                + "--engine auto (available engines: " + availableNames(providers) + ")");
    }

    private static EngineProvider selectAuto(List<EngineProvider> providers, EngineSpec spec, ModelFiles model) {
        Map<EngineProvider, EngineProvider.Availability> verdicts = new IdentityHashMap<>();
        for (EngineProvider provider : providers) {
            verdicts.put(provider, provider.autoRank() > 0 ? provider.availabilityFor(model) : provider.availability());
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
        LOG.info("engine=auto for model {}: picked {} (rank {}){}", spec.model(), best.name(), best.autoRank(),
                others);
        return best;
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
