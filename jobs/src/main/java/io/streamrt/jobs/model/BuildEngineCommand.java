package io.streamrt.jobs.model;

import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineProvider;
import io.streamrt.engine.EngineSpec;
import io.streamrt.engine.InferenceEngine;
import io.streamrt.engine.ModelFiles;
import io.streamrt.engine.TensorRtSettings;
import io.streamrt.jobs.InferenceFlags;
import io.streamrt.jobs.OptionFlags;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code model build-engine}: builds the TensorRT plan a job will need, ahead of time, on the GPU this runs on, into
 * the plan cache, so that the job's tasks load it instead of building it in {@code open()} (minutes). The plan is
 * looked up by everything it depends on (model bytes, TensorRT version, GPU architecture, precision, shapes,
 * streams): run it with the flags and {@code -D} settings the job's TaskManagers use.
 *
 * <pre>{@code
 * java -Dstreamrt.tensorrt.plan-cache-dir=/plans -jar streamrt-jobs.jar model build-engine model-int8/ \
 *     --max-batch-size 64 --max-sequence-length 128
 * }</pre>
 */
@Command(name = "build-engine", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = OptionFlags.class,
        description = "Builds (or finds already built) the TensorRT plan for MODEL on this machine's GPU, into the "
                + "plan cache the job reads (-D" + TensorRtSettings.PLAN_CACHE_DIR_PROPERTY + " or --plan-cache-dir), "
                + "so the job starts without a build. GPUs of one architecture share a plan. Needs a GPU and "
                + "TensorRT 11; fails with what is missing where there is none. Use the job's --max-batch-size, "
                + "--max-sequence-length and TensorRT settings: any difference gives another plan.")
public final class BuildEngineCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A Hugging Face export directory, an .onnx file or a builtin model, as enrich's --model.")
    String model;

    @CommandLine.Mixin
    InferenceFlags.Tokenizer tokenizer;

    @CommandLine.Mixin
    InferenceFlags.Shape shape;

    @Option(names = "--device", paramLabel = "GPU", defaultValue = "0",
            description = "The GPU to build on (its architecture is the plan's). Default: ${DEFAULT-VALUE}.")
    int device;

    @Option(names = "--plan-cache-dir", paramLabel = "DIR",
            description = "Where plans go. Default: -D" + TensorRtSettings.PLAN_CACHE_DIR_PROPERTY
                    + ", else ${java.io.tmpdir}/streamrt-plans, as the job.")
    Path planCacheDir;

    @Option(names = "--streams", paramLabel = "N",
            description = "CUDA streams per engine (the plan holds a profile for each). Default: -D"
                    + TensorRtSettings.STREAMS_PROPERTY + ", else " + TensorRtSettings.DEFAULT_STREAMS + ", as the job.")
    Integer streams;

    @Option(names = "--sparse-weights", paramLabel = "BOOLEAN", arity = "1",
            description = "kSPARSE_WEIGHTS. Default: -D" + TensorRtSettings.SPARSE_WEIGHTS_PROPERTY
                    + ", else true, as the job.")
    Boolean sparseWeights;

    @Override
    public Integer call() {
        CommandLine commandLine = spec.commandLine();
        shape.validate(commandLine);
        InferenceFlags.atLeast(commandLine, "--device", device, 0);
        if (streams != null) {
            InferenceFlags.atLeast(commandLine, "--streams", streams, 1);
        }
        // The backend reads its settings from system properties, as in a TaskManager: set for this command only.
        Map<String, String> settings = new HashMap<>();
        settings.put(TensorRtSettings.STREAMS_PROPERTY, streams == null ? null : streams.toString());
        settings.put(TensorRtSettings.PLAN_CACHE_DIR_PROPERTY, planCacheDir == null ? null : planCacheDir.toString());
        settings.put(TensorRtSettings.SPARSE_WEIGHTS_PROPERTY, sparseWeights == null ? null : sparseWeights.toString());
        Map<String, String> previous = new HashMap<>();
        settings.forEach((key, value) -> {
            previous.put(key, System.getProperty(key));
            if (value != null) {
                System.setProperty(key, value);
            }
        });
        try {
            return build(commandLine);
        } finally {
            previous.forEach((key, value) -> {
                if (value == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, value);
                }
            });
        }
    }

    private int build(CommandLine commandLine) {
        EngineProvider tensorRt = tensorRt();
        ModelFiles files = planModel(tensorRt, ModelFiles.resolve(model, tokenizer.path), commandLine.getOut());
        tensorRt.checkModel(files);
        Path plans = TensorRtSettings.planCacheDirectory();
        Set<Path> before = planFiles(plans);
        EngineSpec engineSpec = new EngineSpec(model, tokenizer.path, EngineSpec.TENSORRT, device,
                shape.maxBatchSize, shape.maxSequenceLength, 0);
        long start = System.nanoTime();
        try (InferenceEngine engine = tensorRt.create(engineSpec, files)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Path> built = planFiles(plans).stream().filter(p -> !before.contains(p)).sorted().toList();
            PrintWriter out = commandLine.getOut();
            out.printf(Locale.ROOT, "%s on GPU %d (%s, precision %s): %s in %.1f s%n", files.name(), device,
                    engine.info().backend(), engine.info().precision(),
                    built.isEmpty() ? "plan already in " + plans : "plan built: " + built.get(0), seconds);
            out.flush();
        }
        return 0;
    }

    /**
     * The model whose plan to build: {@code model}, or where TensorRT runs here but not that model, the model
     * {@code --engine auto} runs on TensorRT in its place (the default builtin's GPU form), said on {@code out}.
     *
     * @throws EngineException where TensorRT cannot run here, or cannot run the model and offers nothing in its place
     */
    static ModelFiles planModel(EngineProvider tensorRt, ModelFiles model, PrintWriter out) {
        EngineProvider.Availability availability = tensorRt.availabilityFor(model);
        if (availability.available()) {
            return model;
        }
        Optional<ModelFiles> substitute = tensorRt.runnableSubstituteFor(model);
        if (substitute.isPresent()) {
            out.printf("%s: TensorRT does not run it (%s); --engine auto runs %s on TensorRT in its place, so its "
                    + "plan is built (--engine tensorrt refuses %s)%n", model.name(), availability.reason(),
                    substitute.get().name(), model.name());
            out.flush();
            return substitute.get();
        }
        throw new EngineException("no TensorRT plan can be built for model '" + model.name() + "' here: "
                + availability.reason());
    }

    private static EngineProvider tensorRt() {
        for (EngineProvider provider : ServiceLoader.load(EngineProvider.class, BuildEngineCommand.class.getClassLoader())) {
            if (provider.name().equals(EngineSpec.TENSORRT)) {
                return provider;
            }
        }
        throw new EngineException("this build has no TensorRT backend on its classpath");
    }

    private static Set<Path> planFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".plan")).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the plan cache " + directory, e);
        }
    }
}
