package io.streamrt.operators;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;

/**
 * One tunable of the inference operator as every surface names it. The {@link ConfigOption} (key, type, default,
 * description) is defined once, in {@link InferenceOptions}; the rest is derived:
 * <ul>
 *   <li>the DataStream operator and a Flink configuration use {@link #option()}: {@code streamrt.<name>};</li>
 *   <li>a SQL model's {@code WITH} clause uses {@link #sqlOption()}: {@code <name>}, the same type, default and
 *       description, with {@code streamrt.<name>} and the short name as fallback keys;</li>
 *   <li>the command line uses {@link #flag()}: {@code --<short name>}, with the option's default and description.</li>
 * </ul>
 * A surface that does not offer the option says why ({@link #notOffered}).
 *
 * <pre>{@code
 * OptionDefinition<?> d = InferenceOptions.definition(InferenceOptions.MAX_BATCH_SIZE);
 * d.option().key();     // streamrt.batch.max-size-records
 * d.sqlOption().key();  // batch.max-size-records
 * d.flag();             // --max-batch-size
 * }</pre>
 *
 * @param <T> the option's value type
 */
@Internal
public final class OptionDefinition<T> {

    /** Where an option is set, besides the DataStream builder and a Flink configuration (which have them all). */
    public enum Surface {
        /** A SQL model's {@code WITH} options. */
        SQL,
        /** The {@code enrich} command's flags. */
        COMMAND_LINE
    }

    /** The prefix of every operator option's key. */
    public static final String PREFIX = "streamrt.";

    private final ConfigOption<T> option;
    private final String name;
    private final String shortName;
    private final String paramLabel;
    private final Function<ConfigOptions.OptionBuilder, ConfigOption<T>> spec;
    private final Map<Surface, String> notOffered = new EnumMap<>(Surface.class);
    private String sqlDescription;
    private ConfigOption<T> sqlOption;

    OptionDefinition(String name, String shortName, String paramLabel,
            Function<ConfigOptions.OptionBuilder, ConfigOption<T>> spec) {
        this.name = Objects.requireNonNull(name, "name");
        this.shortName = Objects.requireNonNull(shortName, "shortName");
        this.paramLabel = Objects.requireNonNull(paramLabel, "paramLabel");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.option = spec.apply(key(PREFIX + name));
    }

    /** The operator's option, key {@code streamrt.<name>}. */
    public ConfigOption<T> option() {
        return option;
    }

    /** The key without its {@code streamrt.} prefix, e.g. {@code batch.max-size-records}: the SQL key. */
    public String name() {
        return name;
    }

    /** The command line's name, e.g. {@code max-batch-size}; a SQL model takes it as a key too. */
    public String shortName() {
        return shortName;
    }

    /** The command-line flag, e.g. {@code --max-batch-size}. */
    public String flag() {
        return "--" + shortName;
    }

    /** What the flag's value is called in the command line's help, e.g. {@code N} or {@code MS}. */
    public String paramLabel() {
        return paramLabel;
    }

    /**
     * The option of a SQL model's {@code WITH} clause: key {@link #name()}, the operator's type, default and
     * description (or the SQL one where the meaning differs there), with the operator's key and the short name as
     * fallback keys.
     */
    public synchronized ConfigOption<T> sqlOption() {
        if (sqlOption == null) {
            ConfigOption<T> sql = spec.apply(key(name));
            if (sqlDescription != null) {
                sql = sql.withDescription(sqlDescription);
            }
            sqlOption = shortName.equals(name) ? sql.withFallbackKeys(option.key())
                    : sql.withFallbackKeys(option.key(), shortName);
        }
        return sqlOption;
    }

    /** Why {@code surface} does not offer this option; empty where it does. */
    public Optional<String> notOffered(Surface surface) {
        return Optional.ofNullable(notOffered.get(surface));
    }

    /** The option's description, as the operator documents it. */
    public String description() {
        StringBuilder text = new StringBuilder();
        for (BlockElement block : option.description().getBlocks()) {
            if (block instanceof TextElement element) {
                text.append(element.getFormat());
            }
        }
        return text.toString();
    }

    /** The option's description in a SQL model's {@code WITH} clause. */
    public String sqlDescription() {
        return sqlDescription != null ? sqlDescription : description();
    }

    OptionDefinition<T> notOn(Surface surface, String why) {
        notOffered.put(surface, Objects.requireNonNull(why, "why"));
        return this;
    }

    OptionDefinition<T> describedInSqlAs(String description) {
        this.sqlDescription = Objects.requireNonNull(description, "description");
        return this;
    }
}
