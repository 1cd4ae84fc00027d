package io.streamrt.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.util.PortRange;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port}: Flink's Prometheus reporter on the local mini cluster that {@code java -jar} starts, so
 * that Prometheus can scrape a laptop run as it scrapes a cluster (a picocli mixin). It sets the same two keys a
 * cluster's configuration does ({@code metrics.reporter.prom.factory.class} and {@code metrics.reporter.prom.port});
 * where Flink runs the job ({@code flink run}, the REST API, application mode) the cluster's own configuration decides
 * which reporters run, so the flag only warns there.
 *
 * <pre>{@code
 * @CommandLine.Mixin
 * MetricsPortFlag metrics;
 * ...
 * metrics.validate(spec.commandLine());
 * StreamExecutionEnvironment env =
 *         StreamExecutionEnvironment.getExecutionEnvironment(metrics.localClusterConfiguration(spec.commandLine()));
 * }</pre>
 */
public final class MetricsPortFlag {

    /** The reporter's name in Flink's configuration: its keys are {@code metrics.reporter.prom.*}. */
    public static final String REPORTER = "prom";

    /** Flink's Prometheus reporter (flink-metrics-prometheus), by name: a cluster need not have it on its classpath. */
    public static final String FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /** The reporter's own key for its port or port range (relative to {@code metrics.reporter.prom.}). */
    public static final String PORT_KEY = "port";

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Under java -jar: serve the job's metrics for Prometheus with Flink's Prometheus reporter "
                    + "on this port of this host, or on the first free one of a range such as 9250-9260 (Flink's "
                    + "metrics.reporter.prom.port). Under flink run it has no effect and says so: the cluster's "
                    + "configuration decides its reporters. Default: off.")
    String ports;

    /**
     * Checks the value as Flink's reporter will read it.
     *
     * @throws CommandLine.ParameterException naming the flag and what it accepts
     */
    public void validate(CommandLine commandLine) {
        if (ports == null) {
            return;
        }
        try {
            new PortRange(ports);
        } catch (IllegalConfigurationException | NumberFormatException e) {
            throw new CommandLine.ParameterException(commandLine, "--metrics-port must be a port (0-65535), a range "
                    + "FROM-TO or a comma-separated list, e.g. 9250 or 9250-9260; found '" + ports + "' ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * The configuration of a local mini cluster that runs the job: Flink's Prometheus reporter on the ports asked
     * for, or nothing without the flag. Where Flink runs the job instead, a warning on the command's stderr says
     * the flag does nothing there, and the configuration is empty.
     *
     * @throws CommandLine.ParameterException under {@code java -jar} when the reporter is not on the classpath
     */
    public Configuration localClusterConfiguration(CommandLine commandLine) {
        Configuration configuration = new Configuration();
        if (ports == null) {
            return configuration;
        }
        if (!StreamRtCli.ownsJvm()) {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": WARN --metrics-port "
                    + ports + " has no effect where Flink runs the job: its reporters are the cluster's. Set "
                    + "metrics.reporter." + REPORTER + ".factory.class: " + FACTORY + " and metrics.reporter."
                    + REPORTER + "." + PORT_KEY + " in the cluster's configuration (docs/metrics.md)");
            return configuration;
        }
        try {
            Class.forName(FACTORY, false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new CommandLine.ParameterException(commandLine, "--metrics-port needs Flink's Prometheus reporter "
                    + "(flink-metrics-prometheus) on the classpath: run streamrt-jobs.jar from the build tree, whose "
                    + "lib/ holds it, or add the jar to the classpath");
        }
        Configuration reporter = MetricOptions.forReporter(configuration, REPORTER);
        reporter.set(MetricOptions.REPORTER_FACTORY_CLASS, FACTORY);
        reporter.setString(PORT_KEY, ports.strip());
        commandLine.getOut().println(commandLine.getCommandSpec().qualifiedName() + ": metrics for Prometheus at "
                + "http://<this host>:" + ports.strip() + "/metrics (Flink's Prometheus reporter; with several ports,"
                + " the first free one, which Flink's log names)");
        return configuration;
    }
}
