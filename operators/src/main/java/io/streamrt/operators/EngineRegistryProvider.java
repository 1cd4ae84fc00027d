package io.streamrt.operators;

import io.streamrt.engine.EngineRegistry;
import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Which registry holds the operator's engine on a TaskManager. It travels with the job graph, so it names the
 * registry rather than holding it. By default the JVM's shared one: every operator and SQL model of a TaskManager
 * that uses the same model shares one engine and one batch scheduler through it. A test gives its operator a
 * registry of its own, so it counts its own leases only.
 *
 * <pre>{@code
 * EngineRegistry mine = new EngineRegistry(ServiceLoader.load(EngineProvider.class), Duration.ZERO,
 *         EngineRegistry.daemonTimer());
 * StreamInference.<String>builder(s -> s).engineRegistry(() -> mine).build();   // a harness test, in one JVM
 * }</pre>
 */
@PublicEvolving
@FunctionalInterface
public interface EngineRegistryProvider extends Serializable {

    /** The registry on this TaskManager. */
    EngineRegistry registry();

    /** The JVM-wide shared registry ({@link EngineRegistry#shared()}). */
    static EngineRegistryProvider shared() {
        return EngineRegistry::shared;
    }
}
