package io.streamrt.jobs;

import io.streamrt.jobs.bench.BenchCommand;
import io.streamrt.jobs.demo.DemoCommand;
import io.streamrt.jobs.enrich.EnrichCommand;
import io.streamrt.jobs.model.ModelCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The job jar's entry point: {@code java -jar streamrt-jobs.jar <command>} (local mini cluster) or
 * {@code flink run streamrt-jobs.jar <command>} (cluster).
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
        subcommands = {EnrichCommand.class, DemoCommand.class, BenchCommand.class,
                ModelCommand.class})
public final class StreamRtCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command and returns its exit code (0 ok, 2 bad usage, 1 failure). */
    public static int execute(String... args) {
        return new CommandLine(new StreamRtCli())
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
                    return 1;
                })
                .execute(args);
    }

    private static String describe(Throwable e) {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\n  caused by: ").append(cause.getMessage());
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
