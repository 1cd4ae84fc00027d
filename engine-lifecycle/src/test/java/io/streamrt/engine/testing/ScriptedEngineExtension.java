package io.streamrt.engine.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a fresh {@link ScriptedEngine} (its controls are static, shared by the JVM) and releases it after,
 * so a test that fails while the engine is held leaves no run blocked behind it.
 *
 * <pre>{@code
 * @ExtendWith(ScriptedEngineExtension.class)
 * class MyOperatorTest { ... }
 * }</pre>
 */
public final class ScriptedEngineExtension implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        ScriptedEngine.reset();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ScriptedEngine.release();
    }
}
