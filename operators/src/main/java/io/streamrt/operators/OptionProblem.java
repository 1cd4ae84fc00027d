package io.streamrt.operators;

import io.streamrt.engine.HasId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * A value of an operator option that its rule refuses: the option, what the rule expects and what was found, as
 * values. Every rule on the options' values lives in {@link #of(ReadableConfig)}; each surface writes the problems in
 * its own words: the DataStream builder by what its methods set ({@link #message()}), a SQL model by its {@code WITH}
 * key in front of that, the command line by the flag and the bound that was crossed ({@link #message(String)}).
 *
 * <pre>{@code
 * for (OptionProblem problem : OptionProblem.of(conf)) {
 *     problem.message();                      // "max batch size must be in 1..4096, found 0"
 *     problem.message("--max-batch-size");    // "--max-batch-size must be at least 1, found 0"
 * }
 * }</pre>
 *
 * @param option the option whose value is refused
 * @param subject the option as the builder's docs name it, e.g. {@code max batch size}; with the value where a rule
 *     relates two options, e.g. {@code timeout (50 ms)}
 * @param expected what the rule asks of the value, e.g. {@code must be in 1..4096}
 * @param bound the part of {@code expected} that the value crossed, e.g. {@code must be at least 1}
 * @param found the value, as the user gave it
 */
@Internal
public record OptionProblem(ConfigOption<?> option, String subject, String expected, String bound, String found) {

    /** The problem in the words of what the option means: {@code max batch size must be in 1..4096, found 0}. */
    public String message() {
        return subject + " " + expected + (subject.endsWith(")") ? "" : ", found " + found);
    }

    /** The problem with the option named {@code name}, e.g. a flag: {@code --top-k must be at least 0, found -1}. */
    public String message(String name) {
        return name + " " + bound + ", found " + found;
    }

    /** A rule on one option's value: what it accepts, for the docs, and the check. */
    private record Rule(ConfigOption<?> option, String accepted, Function<ReadableConfig, OptionProblem> check) {}

    /** Every rule on the operator options' values, in the order the builder checks them. */
    private static final List<Rule> RULES = List.of(
            range(InferenceOptions.MAX_BATCH_SIZE, "max batch size", 1, 4096, ""),
            range(InferenceOptions.MAX_SEQUENCE_LENGTH, "max sequence length", 3, 8192, " tokens"),
            new Rule(InferenceOptions.TOKEN_BUDGET, "0 (off), or at least the max sequence length", conf -> {
                long budget = conf.get(InferenceOptions.TOKEN_BUDGET);
                int maxSequence = conf.get(InferenceOptions.MAX_SEQUENCE_LENGTH);
                String expected = "must be 0 (off) or at least the max sequence length " + maxSequence;
                return budget == 0 || budget >= maxSequence ? null : new OptionProblem(InferenceOptions.TOKEN_BUDGET,
                        "token budget", expected, expected, Long.toString(budget));
            }),
            atLeast(InferenceOptions.LATENCY_TARGET_MS, "latency target", 1, "must be at least 1 ms"),
            atLeast(InferenceOptions.CAPACITY, "capacity", 1, "must be at least 1 record"),
            new Rule(InferenceOptions.TIMEOUT_MS, "longer than the latency target", conf -> {
                long timeout = conf.get(InferenceOptions.TIMEOUT_MS);
                long latency = conf.get(InferenceOptions.LATENCY_TARGET_MS);
                String expected = "must be longer than the latency target (" + latency + " ms)";
                return timeout > latency ? null : new OptionProblem(InferenceOptions.TIMEOUT_MS,
                        "timeout (" + timeout + " ms)", expected, expected, Long.toString(timeout));
            }),
            atLeast(InferenceOptions.ENGINE_CPU_THREADS, "cpu threads", 0, "must be 0 (all processors) or more"),
            atLeast(InferenceOptions.MAX_DELAY_MS, "max delay", 0, "must be 0 ms or more"),
            atLeast(InferenceOptions.TOP_K, "top-k", 0, "must be 0 (off) or more labels"),
            choice(InferenceOptions.LONG_TEXT, "long text", LongText.class),
            new Rule(InferenceOptions.CHUNK_OVERLAP_TOKENS, "0 or more, less than a window's text tokens", conf -> {
                int overlap = conf.get(InferenceOptions.CHUNK_OVERLAP_TOKENS);
                int room = conf.get(InferenceOptions.MAX_SEQUENCE_LENGTH) - 2;
                String expected = "must be 0 or more and less than the max sequence length minus the special "
                        + "tokens (" + room + ")";
                return overlap >= 0 && overlap < room ? null : new OptionProblem(
                        InferenceOptions.CHUNK_OVERLAP_TOKENS, "chunk overlap", expected, overlap < 0
                        ? "must be at least 0" : "must be less than " + room, Integer.toString(overlap));
            }),
            range(InferenceOptions.MAX_CHUNKS, "max chunks", 1, 1024, ""),
            new Rule(InferenceOptions.CHUNK_OUTPUT, "document, chunks, records (rows)", conf -> {
                String value = conf.get(InferenceOptions.CHUNK_OUTPUT);
                try {
                    ChunkOutput.of(value);
                    return null;
                } catch (IllegalArgumentException e) {
                    String expected = "must be one of document, chunks, records (rows)";
                    return new OptionProblem(InferenceOptions.CHUNK_OUTPUT, "chunk output", expected, expected,
                            value);
                }
            }),
            choice(InferenceOptions.CHUNK_AGGREGATION, "chunk aggregation", ChunkAggregation.class),
            new Rule(InferenceOptions.LABELS, "distinct, none blank", conf -> {
                List<String> labels = conf.getOptional(InferenceOptions.LABELS).orElse(List.of());
                String broken = labels.stream().anyMatch(label -> label == null || label.isBlank())
                        ? "must not be blank" : new HashSet<>(labels).size() != labels.size() ? "must be distinct"
                        : null;
                return broken == null ? null : new OptionProblem(InferenceOptions.LABELS, "labels", broken, broken,
                        labels.toString());
            }));

    /** The problems of the operator options in {@code conf}, in the order the builder checks them; empty if none. */
    public static List<OptionProblem> of(ReadableConfig conf) {
        List<OptionProblem> problems = new ArrayList<>();
        for (Rule rule : RULES) {
            OptionProblem problem = rule.check.apply(conf);
            if (problem != null) {
                problems.add(problem);
            }
        }
        return problems;
    }

    /** The first problem of {@link #of}, in the order the builder checks them; empty when every value fits. */
    public static Optional<OptionProblem> first(ReadableConfig conf) {
        return of(conf).stream().findFirst();
    }

    /** What the rules accept of {@code option}'s value, for its docs, e.g. {@code 1..4096}; empty if no rule. */
    public static Optional<String> accepted(ConfigOption<?> option) {
        return RULES.stream().filter(rule -> rule.option.equals(option)).map(Rule::accepted).findFirst();
    }

    private static <E extends Enum<E> & HasId> Rule choice(ConfigOption<String> option, String subject,
            Class<E> type) {
        String ids = HasId.ids(type);
        return new Rule(option, ids, conf -> {
            String value = conf.get(option);
            try {
                HasId.parse(type, value, subject);
                return null;
            } catch (IllegalArgumentException e) {
                return new OptionProblem(option, subject, "must be one of " + ids, "must be one of " + ids, value);
            }
        });
    }

    private static Rule range(ConfigOption<Integer> option, String subject, int min, int max, String unit) {
        return new Rule(option, min + ".." + max + unit, conf -> {
            int value = conf.get(option);
            return value >= min && value <= max ? null : new OptionProblem(option, subject,
                    "must be in " + min + ".." + max + unit, value < min ? "must be at least " + min
                    : "must be at most " + max, Integer.toString(value));
        });
    }

    private static <N extends Number> Rule atLeast(ConfigOption<N> option, String subject, long min,
            String expected) {
        return new Rule(option, "at least " + min, conf -> {
            long value = conf.get(option).longValue();
            return value >= min ? null : new OptionProblem(option, subject, expected, "must be at least " + min,
                    Long.toString(value));
        });
    }
}
