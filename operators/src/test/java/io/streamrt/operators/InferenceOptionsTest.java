package io.streamrt.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrt.operators.OptionDefinition.Surface;
import io.streamrt.operators.sql.ModelOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.junit.jupiter.api.Test;

/** Each tunable is defined once; the SQL keys are derived from it with the same type, default and meaning. */
class InferenceOptionsTest {

    @Test
    void everyOptionHasOneDefinitionWithUniqueNames() throws Exception {
        List<ConfigOption<?>> declared = publicOptions(InferenceOptions.class);
        List<Object> defined = InferenceOptions.definitions().stream().map(d -> (Object) d.option()).toList();
        assertThat(defined).containsExactlyElementsOf(declared);
        assertThat(InferenceOptions.definitions()).extracting(OptionDefinition::name).doesNotHaveDuplicates();
        assertThat(InferenceOptions.definitions()).extracting(OptionDefinition::shortName).doesNotHaveDuplicates();
        for (OptionDefinition<?> d : InferenceOptions.definitions()) {
            assertThat(d.option().key()).isEqualTo("streamrt." + d.name());
            assertThat(d.flag()).isEqualTo("--" + d.shortName());
            assertThat(d.description()).as(d.name()).isNotBlank();
        }
    }

    @Test
    void eachSqlKeyHasTheOptionsTypeDefaultAndFallbackKeysOrTheDefinitionSaysWhyNot() {
        for (OptionDefinition<?> d : InferenceOptions.definitions()) {
            if (d.notOffered(Surface.SQL).isPresent()) {
                assertThat(ModelOptions.all()).extracting(ConfigOption::key).doesNotContain(d.name());
                continue;
            }
            ConfigOption<?> sql = d.sqlOption();
            assertThat(ModelOptions.all()).contains(sql);
            assertThat(sql.key()).isEqualTo(d.name());
            assertThat(sql.hasDefaultValue()).isEqualTo(d.option().hasDefaultValue());
            assertThat(sql.defaultValue()).as(d.name()).isEqualTo(d.option().defaultValue());
            assertThat(fallbackKeys(sql)).contains(d.option().key());
            if (!d.shortName().equals(d.name())) {
                assertThat(fallbackKeys(sql)).contains(d.shortName());
            }
        }
    }

    @Test
    void modelOptionsConstantsAreTheDerivedOnes() throws Exception {
        List<ConfigOption<?>> constants = publicOptions(ModelOptions.class);
        assertThat(constants).isNotEmpty().allSatisfy(option -> assertThat(ModelOptions.all()).contains(option));
    }

    @Test
    void aModelsShortAndPrefixedKeysSetTheOperatorsOption() {
        Configuration model = new Configuration();
        model.setString("max-batch-size", "8");
        model.setString("streamrt.latency-target-ms", "40");
        model.setString("cpu-threads", "3");
        Configuration operator = ModelOptions.toInferenceOptions(model);
        assertThat(operator.get(InferenceOptions.MAX_BATCH_SIZE)).isEqualTo(8);
        assertThat(operator.get(InferenceOptions.LATENCY_TARGET_MS)).isEqualTo(40L);
        assertThat(operator.get(InferenceOptions.ENGINE_CPU_THREADS)).isEqualTo(3);
    }

    private static List<ConfigOption<?>> publicOptions(Class<?> type) throws IllegalAccessException {
        List<ConfigOption<?>> options = new java.util.ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
            if (Modifier.isPublic(field.getModifiers()) && Modifier.isStatic(field.getModifiers())
                    && field.getType() == ConfigOption.class) {
                options.add((ConfigOption<?>) field.get(null));
            }
        }
        return options;
    }

    private static List<String> fallbackKeys(ConfigOption<?> option) {
        return java.util.stream.StreamSupport.stream(option.fallbackKeys().spliterator(), false)
                .map(FallbackKey::getKey).toList();
    }
}
