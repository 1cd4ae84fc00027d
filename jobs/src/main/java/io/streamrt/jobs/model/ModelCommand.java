package io.streamrt.jobs.model;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code model}: tools for ONNX encoder models, without Flink or Kafka: read a model's structure, prune it to 2:4
 * sparsity, quantize it to static INT8 (Q/DQ) from calibration texts, and compare two models' sentence embeddings
 * and speed; build a TensorRT plan ahead of time. Exit codes: 0 done, 1 a file that cannot be used (the message names it), 2 bad usage.
 *
 * <pre>{@code
 * java -jar jobs/target/streamrt-jobs.jar model inspect model.onnx --json
 * java -jar jobs/target/streamrt-jobs.jar model quantize model.onnx model-int8.onnx --calibration texts.txt
 * java -jar jobs/target/streamrt-jobs.jar model evaluate model.onnx model-int8.onnx --texts texts.txt
 * }</pre>
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Inspects, sparsifies (2:4), quantizes (INT8 Q/DQ) and compares ONNX encoder models, and "
                + "builds their TensorRT plans ahead of time. "
                + "MODEL arguments take a path to an .onnx file or a builtin model (builtin:all-minilm-l6-v2, "
                + "builtin:all-minilm-l6-v2-int8).",
        subcommands = {InspectCommand.class, SparsifyCommand.class, QuantizeCommand.class, ConvertCommand.class,
                EvaluateCommand.class, BuildEngineCommand.class})
public final class ModelCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: inspect, sparsify, quantize, convert, evaluate or build-engine (see "
                        + "'model --help')");
    }
}
