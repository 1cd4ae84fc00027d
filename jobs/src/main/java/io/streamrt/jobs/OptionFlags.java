package io.streamrt.jobs;

import io.streamrt.operators.InferenceOptions;
import io.streamrt.operators.OptionDefinition;
import io.streamrt.operators.OptionProblem;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.annotation.Internal;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Derives the command line's flags for operator options from {@link InferenceOptions}: a command declares the flag
 * (its name is the option's short name, e.g. {@code --max-batch-size}, and its field's type) and this picocli model
 * transformer gives it the option's default and description, so that neither is written twice. A flag whose option
 * has no default keeps the command's own (the demo's labels). {@link All} also adds a flag for every option the
 * command does not declare ({@code enrich}: every option but those the command line does not offer).
 *
 * <pre>{@code
 * @Command(name = "enrich", modelTransformer = OptionFlags.class)
 * class EnrichCommand {
 *     @Option(names = "--max-batch-size", paramLabel = "N")
 *     int maxBatchSize;
 * }
 * }</pre>
 */
@Internal
public final class OptionFlags implements CommandLine.IModelTransformer {

    @Override
    public CommandSpec transform(CommandSpec spec) {
        // Removed and added again in their order, so that the help lists the flags as the command declares them.
        List<OptionSpec> declared = new ArrayList<>(spec.options());
        declared.forEach(spec::remove);
        for (OptionSpec flag : declared) {
            spec.addOption(derive(flag));
        }
        return spec;
    }

    /** As {@link OptionFlags}, and a flag for every operator option the command does not declare. */
    public static final class All implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            new OptionFlags().transform(spec);
            for (OptionDefinition<?> definition : InferenceOptions.definitions()) {
                if (definition.notOffered(OptionDefinition.Surface.COMMAND_LINE).isEmpty()
                        && spec.findOption(definition.flag()) == null) {
                    spec.addOption(derive(generated(definition)));
                }
            }
            return spec;
        }

        /** A flag of the option's value type: a switch where it is a boolean that is off by default. */
        private static OptionSpec generated(OptionDefinition<?> definition) {
            Object value = definition.option().hasDefaultValue() ? definition.option().defaultValue() : null;
            OptionSpec.Builder flag = OptionSpec.builder(definition.flag());
            if (Boolean.FALSE.equals(value)) {
                return flag.type(boolean.class).arity("0").build();
            }
            Class<?> type = value instanceof Integer ? int.class : value instanceof Long ? long.class
                    : value instanceof Double ? double.class : value instanceof Boolean ? boolean.class
                    : String.class;
            return flag.type(type).paramLabel(definition.paramLabel()).build();
        }
    }

    private static OptionSpec derive(OptionSpec flag) {
        OptionDefinition<?> definition = InferenceOptions.definitions().stream()
                .filter(d -> List.of(flag.names()).contains(d.flag())).findFirst().orElse(null);
        if (definition == null) {
            return flag;
        }
        String description = definition.description();
        boolean saysDefault = description.toLowerCase(Locale.ROOT).contains("default");
        OptionSpec.Builder derived = flag.toBuilder().description(description.replace("%", "%%")
                + (definition.option().hasDefaultValue() && flag.arity().max() > 0 && !saysDefault
                        ? " Default: ${DEFAULT-VALUE}." : ""));
        if (definition.option().hasDefaultValue()) {
            derived.defaultValue(defaultOf(definition));
        }
        return derived.build();
    }

    /**
     * The option's default as the command line writes it: enum constants in lower case ({@code adaptive}), numbers
     * and text as they are; null where the option has none.
     */
    public static String defaultOf(OptionDefinition<?> definition) {
        if (!definition.option().hasDefaultValue()) {
            return null;
        }
        Object value = definition.option().defaultValue();
        return value instanceof Enum<?> constant ? constant.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    /**
     * The operator options that {@code spec}'s flags set after parsing (each flag's value, or its default), as
     * {@link InferenceOptions} keys. A list option's flag takes comma-separated values.
     */
    public static Configuration read(CommandSpec spec) {
        Configuration conf = new Configuration();
        for (OptionDefinition<?> definition : InferenceOptions.definitions()) {
            OptionSpec flag = spec.findOption(definition.flag());
            Object value = flag == null ? null : flag.getValue();
            if (value != null) {
                set(conf, definition, value);
            }
        }
        return conf;
    }

    /**
     * Checks the operator options that {@code commandLine}'s flags set by the operator's rules ({@link OptionProblem}),
     * naming each by its flag (or, where this command has no flag for it, its key).
     *
     * @throws CommandLine.ParameterException for the first value a rule refuses, e.g.
     *     {@code --max-batch-size must be at least 1, found 0}
     */
    public static void check(CommandLine commandLine) {
        OptionProblem.first(read(commandLine.getCommandSpec())).ifPresent(problem -> {
            OptionDefinition<?> definition = InferenceOptions.definition(problem.option());
            String name = commandLine.getCommandSpec().findOption(definition.flag()) != null ? definition.flag()
                    : definition.option().key();
            throw new CommandLine.ParameterException(commandLine, problem.message(name));
        });
    }

    @SuppressWarnings("unchecked")
    private static void set(Configuration conf, OptionDefinition<?> definition, Object value) {
        if (LIST_OPTIONS.contains(definition.option().key())) {
            conf.set((ConfigOption<List<String>>) definition.option(), Arrays.stream(value.toString().split(","))
                    .map(String::trim).filter(item -> !item.isEmpty()).toList());
        } else {
            conf.setString(definition.option().key(), value.toString());
        }
    }

    /** The keys of the options whose values are lists, read from their declared types. */
    private static final Set<String> LIST_OPTIONS = listOptions();

    private static Set<String> listOptions() {
        Set<String> keys = new HashSet<>();
        for (Field field : InferenceOptions.class.getFields()) {
            if (field.getGenericType() instanceof ParameterizedType option
                    && option.getActualTypeArguments()[0] instanceof ParameterizedType value
                    && value.getRawType() == List.class) {
                try {
                    keys.add(((ConfigOption<?>) field.get(null)).key());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Set.copyOf(keys);
    }
}
