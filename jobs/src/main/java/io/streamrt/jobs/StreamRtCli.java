package io.streamrt.jobs;

import io.streamrt.engine.SettingText;
import io.streamrt.jobs.bench.BenchCommand;
import io.streamrt.jobs.demo.DemoCommand;
import io.streamrt.jobs.enrich.EnrichCommand;
import io.streamrt.jobs.model.ModelCommand;
import io.streamrt.jobs.sql.SqlCommand;
import io.streamrt.operators.TaskOutputs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The job jar's entry point: {@code java -jar streamrt-jobs.jar <command>} (local mini cluster) or
 * {@code flink run streamrt-jobs-cluster.jar <command>}, the REST API ({@code POST /jars/:id/run}, the web UI, the
 * Kubernetes operator's session jobs) and application mode (cluster).
 *
 * <p>{@link #main} ends the JVM with the command's exit status only where the JVM is its own ({@code java -jar}).
 * Where Flink runs it (a client, or the JobManager itself) it returns like any job's main, or throws a
 * {@link CommandFailedException} whose message is what the command printed, so the submitter sees it: exiting there
 * would end the JobManager.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar demo
 * java -jar jobs/target/streamrt-jobs.jar enrich --bootstrap-servers 127.0.0.1:9092 --input-topic texts \
 *     --output-topic enriched --dead-letter-topic texts-dlq
 * }</pre>
 */
@Command(
        name = "streamrt",
        mixinStandardHelpOptions = true,
        versionProvider = StreamRtCli.Version.class,
        description = "GPU (TensorRT) and CPU (ONNX Runtime) inference inside Apache Flink.",
        commandListHeading = "%nCommands:%n")
public final class StreamRtCli implements Runnable {

    /**
     * The commands by name, in the order help lists them. Each command's classes load only when it runs (or when
     * help lists them all): {@code enrich} must start on a cluster whose {@code lib/} has no Table API jars, which
     * {@code sql}, {@code demo} and {@code bench} use.
     */
    /** How the commands name the settings that engine and model errors point to: by their flags. */
    public static final SettingText.Writer FLAGS = TaskOutputs.Words.COMMAND_LINE.options();

    private static final Map<String, Supplier<Object>> COMMANDS = commands();

    /** What {@code sql} needs beyond the job jar where Flink runs it. */
    static final String TABLE_JARS = "Flink's Table API: flink-table-api-java-bridge, flink-table-planner-loader "
            + "and flink-table-runtime (a Flink distribution has them in lib/)";

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("enrich", () -> new EnrichCommand());
        commands.put("demo", () -> new DemoCommand());
        commands.put("bench", () -> new BenchCommand());
        commands.put("model", () -> new ModelCommand());
        commands.put("sql", () -> new SqlCommand());
        return Collections.unmodifiableMap(commands);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (ownsJvm()) {
            System.exit(execute(args));
        }
        run(args);
    }

    /**
     * Whether this JVM was started for the command ({@code java -jar}): no Flink client or cluster has installed
     * its context environment, so the job would run on a local mini cluster of its own.
     */
    public static boolean ownsJvm() {
        return StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment;
    }

    /** Runs a command and returns its exit code (0 ok, 2 bad usage, 1 failure); what went wrong is on stderr. */
    public static int execute(String... args) {
        return commandLine(new AtomicReference<>(), args).execute(args);
    }

    /**
     * Runs a command where Flink runs this main: returns when it succeeds and throws when it does not, never
     * exiting the JVM. What the command prints to stderr is printed there too.
     *
     * @throws CommandFailedException with the command's message (a usage error names the flag)
     */
    public static void run(String... args) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        StringWriter err = new StringWriter();
        int exitCode = commandLine(failure, args).setErr(new PrintWriter(err, true)).execute(args);
        String printed = err.toString();
        System.err.print(printed);
        if (exitCode != 0) {
            throw new CommandFailedException(exitCode, message(printed), failure.get());
        }
    }

    /**
     * The command line for {@code args}: the command named first, or every command whose classes load (for help and
     * for a name that is not a command, which picocli then reports).
     */
    private static CommandLine commandLine(AtomicReference<Exception> failure, String... args) {
        CommandLine cli = new CommandLine(new StreamRtCli());
        String named = args.length > 0 ? args[0] : null;
        COMMANDS.forEach((name, command) -> {
            if (named == null || !COMMANDS.containsKey(named) || named.equals(name)) {
                try {
                    // Built whole, so that its model transformers run (its own, its subcommands': build-engine's).
                    cli.addSubcommand(name, new CommandLine(command.get()));
                } catch (LinkageError e) {
                    if (named != null && named.equals(name)) {
                        cli.addSubcommand(name, new Unloadable(name, e));
                    }
                }
            }
        });
        return cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            failure.set(e);
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
            return 1;
        });
    }

    /** A command whose classes do not load here: running it says what is missing. */
    @Command(mixinStandardHelpOptions = true)
    static final class Unloadable implements java.util.concurrent.Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Unmatched
        List<String> ignored;

        private final String name;
        private final LinkageError error;

        Unloadable(String name, LinkageError error) {
            this.name = name;
            this.error = error;
        }

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("streamrt " + name + ": cannot run here: its classes need "
                    + ("sql".equals(name) || "demo".equals(name) || "bench".equals(name) ? TABLE_JARS
                            : "libraries missing from the classpath") + " (missing: " + error.getMessage() + ")");
            return 1;
        }
    }

    /** What a command printed before picocli's usage help, which is too long for an error message. */
    private static String message(String printed) {
        int usage = printed.indexOf("\nUsage: ");
        String message = (usage >= 0 ? printed.substring(0, usage) : printed).strip();
        return message.isEmpty() ? "the command failed without a message" : message;
    }

    /**
     * An error's message and each cause's that adds something, one "caused by" line each; the settings an engine or
     * model error names are named by their flags.
     */
    public static String describe(Throwable e) {
        String first = FLAGS.messageOf(e);
        StringBuilder message = new StringBuilder(first != null ? first : e.toString());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            String more = FLAGS.messageOf(cause);
            if (more != null && !message.toString().contains(more)) {
                message.append("\n  caused by: ").append(more);
            }
        }
        return message.toString();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: enrich or demo");
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = StreamRtCli.class.getPackage().getImplementationVersion();
            return new String[] {"streamrt " + (version == null ? "development" : version)};
        }
    }
}
