package io.streamrt.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineRegistry;
import io.streamrt.engine.EngineSpec;
import io.streamrt.operators.InferenceSettings;
import io.streamrt.operators.StreamInference;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;

/**
 * One engine error, each user in the words of the API they wrote: the engine names the setting, the operator's
 * surface names the method or flag that sets it.
 */
class SettingWordsTest {

    /** This build's engines without TensorRT, so that asking for it fails the same way on every machine. */
    private static final EngineRegistry WITHOUT_TENSORRT = new EngineRegistry(
            StreamSupport.stream(ServiceLoader.load(EngineProvider.class).spliterator(), false)
                    .filter(p -> !EngineSpec.TENSORRT.equals(p.name())).toList(),
            Duration.ZERO, EngineRegistry.daemonTimer());

    @Test
    void anEngineThatIsNotThereIsFixedInTheWordsOfEachSurface() {
        InferenceSettings settings = StreamInference.builder((SerializableFunction<String, String>) s -> s)
                .engine("tensorrt").build().settings();

        assertThat(openFailure(settings, Surface.DATASTREAM))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("engine 'tensorrt' is not available in this build")
                .hasMessageContaining("use engine(\"onnxruntime\") or engine(\"auto\")");
        assertThat(openFailure(settings, Surface.COMMAND_LINE))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("use --engine onnxruntime or --engine auto");
        assertThat(WITHOUT_TENSORRT.openLeases()).isZero();
    }

    private static Throwable openFailure(InferenceSettings settings, Surface surface) {
        InferenceFunction<String> function = new InferenceFunction<>(settings, s -> s, null, null, null, surface,
                () -> WITHOUT_TENSORRT, ProcessExit.flinkFatalExit());
        Throwable failure = catchThrowable(() -> function.open(new UnregisteredMetricsGroup(), Set.of()));
        catchThrowable(() -> FunctionUtils.closeFunction(function));
        return failure;
    }
}
