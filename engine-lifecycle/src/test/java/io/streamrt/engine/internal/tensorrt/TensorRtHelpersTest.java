package io.streamrt.engine.internal.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrt.engine.EncoderBatch;
import io.streamrt.engine.EngineException;
import io.streamrt.engine.EngineInfo;
import io.streamrt.engine.onnx.ModelSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The TensorRT backend's pure parts: limits, host data, messages, options, release order. */
class TensorRtHelpersTest {

    private static final EngineInfo INFO = new EngineInfo("tensorrt", "all-minilm-l6-v2", "fp32", 8, 64,
            List.of(new ModelSignature.Tensor("last_hidden_state", "float32", new long[] {-1, -1, 384})), 2);

    @Test
    void batchesOverTheLimitsAreRefusedWithTheFix() {
        EncoderBatch tooMany = EncoderBatch.pad(java.util.Collections.nCopies(9, new long[] {101, 102}));
        EncoderBatch tooLong = EncoderBatch.pad(List.of(fill(new long[65])));

        assertThatThrownBy(() -> INFO.checkFits(tooMany))
                .isInstanceOf(EngineException.class)
                .hasMessage("batch has 9 rows, more than this engine's maxBatchSize 8; split the batch, or acquire an "
                        + "engine with a larger maxBatchSize");
        assertThatThrownBy(() -> INFO.checkFits(tooLong))
                .hasMessageStartingWith("batch is padded to 65 tokens, more than this engine's maxSequenceLength 64");
        INFO.checkFits(EncoderBatch.pad(List.of(new long[] {101, 7, 102})));
    }

    @Test
    void theAttentionMaskCoversEachRowsRealTokens() {
        EncoderBatch batch = EncoderBatch.pad(List.of(new long[] {101, 7, 102}, new long[] {101, 102}), 4);

        assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 0, 1, 1, 0, 0);
    }

    @Test
    void int32InputsTakeTokenIdsAndRefuseWhatDoesNotFit() {
        assertThat(HostTensors.narrow(new long[] {101, 30521, 0})).containsExactly(101, 30521, 0);
        assertThatThrownBy(() -> HostTensors.narrow(new long[] {1, 1L << 40}))
                .hasMessageStartingWith("token id 1099511627776 at position 1 does not fit the engine's int32 input");
    }

    @Test
    void halfPrecisionOutputsConvertExactly() {
        assertThat(HostTensors.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
        assertThat(HostTensors.halfToFloat((short) 0xc000)).isEqualTo(-2.0f);
        assertThat(HostTensors.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(HostTensors.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(HostTensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HostTensors.halfToFloat((short) 0x8000)).isEqualTo(-0.0f);
        assertThat(HostTensors.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HostTensors.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(HostTensors.halvesToFloats(new short[] {0x3c00, 0x4000})).containsExactly(1f, 2f);
    }

    @Test
    void theOutputMustHaveTheShapeItsLayoutPromises() {
        HostTensors.checkOutputShape("last_hidden_state", new long[] {2, 16, 384}, 2, 16, 384);
        assertThatThrownBy(() -> HostTensors.checkOutputShape("pooler_output", new long[] {2, 384}, 2, 16, 384))
                .hasMessage("output 'pooler_output' has shape [2, 384], expected [2, 16, 384]; an output of one vector "
                        + "per token must be [batch, sequence, width]");
        HostTensors.checkRowOutputShape("logits", new long[] {2, 3}, 2, 3);
        assertThatThrownBy(() -> HostTensors.checkRowOutputShape("logits", new long[] {2, 16, 3}, 2, 3))
                .hasMessage("output 'logits' has shape [2, 16, 3], expected [2, 3]; an output of one vector per row "
                        + "must be [batch, width]");
    }

    @Test
    void cudaAndTensorRtFailuresNameTheCallAndTheStatus() {
        assertThat(TensorRtErrors.cuda("cudaStreamSynchronize", 700, "cudaErrorIllegalAddress",
                "an illegal memory access was encountered", 1))
                .isEqualTo("CUDA call cudaStreamSynchronize failed on GPU 1 with status 700 (cudaErrorIllegalAddress: "
                        + "an illegal memory access was encountered)");
        assertThat(TensorRtErrors.tensorRt("IExecutionContext.enqueueV3", "the batch was not enqueued",
                List.of("[executionContext.cpp::enqueueV3] Error Code 1", "second")))
                .isEqualTo("TensorRT call IExecutionContext.enqueueV3 failed: the batch was not enqueued; TensorRT "
                        + "reported: [executionContext.cpp::enqueueV3] Error Code 1 | second");
        assertThat(TensorRtErrors.tensorRt("createInferRuntime", "it returned null", List.of()))
                .isEqualTo("TensorRT call createInferRuntime failed: it returned null");
    }

    @Test
    void onlyStickyCudaErrorsPoisonTheProcess() {
        // CUDA's documentation: "the process must be terminated and relaunched".
        for (int sticky : List.of(700, 702, 710, 714, 715, 716, 717, 718, 719)) {
            assertThat(TensorRtErrors.poisonsProcess(sticky)).as("status %d", sticky).isTrue();
        }
        // Out of memory, an invalid value, a busy or missing device, an unknown error: the engine may be rebuilt.
        for (int engineOnly : List.of(0, 1, 2, 46, 100, 101, 209, 222, 720, 999)) {
            assertThat(TensorRtErrors.poisonsProcess(engineOnly)).as("status %d", engineOnly).isFalse();
        }
    }

    @Test
    void parserErrorsAreListedWithTheirNodes() {
        String message = TensorRtErrors.parser("custom", "/models/custom.onnx", List.of(
                new TensorRtErrors.ParserError("UNSUPPORTED_NODE", "No importer registered for op: FancyOp",
                        "/encoder/layer.0/fancy", "FancyOp"),
                new TensorRtErrors.ParserError("INVALID_GRAPH", "graph has no outputs", "", "")));

        assertThat(message).isEqualTo("TensorRT's ONNX parser rejected model 'custom' (/models/custom.onnx) with 2 "
                + "errors: 1) UNSUPPORTED_NODE: No importer registered for op: FancyOp at node '/encoder/layer.0/fancy' "
                + "(FancyOp); 2) INVALID_GRAPH: graph has no outputs; export the model with opset 17 or later and "
                + "operators TensorRT 11 supports, or run it on the onnxruntime engine");
    }

    @Test
    void inputsMustBeTheHuggingFaceNames() {
        TensorRtPlanBuilder.checkInputs("m", List.of("input_ids", "attention_mask"));
        TensorRtPlanBuilder.checkInputs("m", List.of("input_ids", "attention_mask", "token_type_ids"));
        assertThatThrownBy(() -> TensorRtPlanBuilder.checkInputs("m", List.of("input_ids", "pixel_values")))
                .hasMessage("model 'm' has the wrong inputs: expected 'input_ids' and 'attention_mask' (and optionally "
                        + "'token_type_ids') and no others, found [input_ids, pixel_values]; export the encoder with the Hugging "
                        + "Face input names (optimum-cli export onnx does)");
    }

    @Test
    void precisionFollowsTheModelsTensors() {
        assertThat(TensorRtPlanBuilder.precisionName(false, false, false)).isEqualTo("fp32");
        assertThat(TensorRtPlanBuilder.precisionName(false, true, false)).isEqualTo("fp16");
        assertThat(TensorRtPlanBuilder.precisionName(false, false, true)).isEqualTo("bf16");
        assertThat(TensorRtPlanBuilder.precisionName(true, true, false)).isEqualTo("int8-qdq");
    }

    @Test
    void optionsHaveUsefulDefaultsAndRefuseNonsense() {
        Properties none = new Properties();
        none.setProperty("java.io.tmpdir", "/scratch");
        assertThat(TensorRtOptions.from(none))
                .isEqualTo(new TensorRtOptions(2, Path.of("/scratch", "streamrt-plans"), true));

        Properties set = new Properties();
        set.setProperty(TensorRtOptions.STREAMS_PROPERTY, "4");
        set.setProperty(TensorRtOptions.PLAN_CACHE_DIR_PROPERTY, "/var/cache/plans");
        set.setProperty(TensorRtOptions.SPARSE_WEIGHTS_PROPERTY, "FALSE");
        assertThat(TensorRtOptions.from(set)).isEqualTo(new TensorRtOptions(4, Path.of("/var/cache/plans"), false));

        Properties bad = new Properties();
        bad.setProperty(TensorRtOptions.STREAMS_PROPERTY, "two");
        assertThatThrownBy(() -> TensorRtOptions.from(bad))
                .hasMessage("streamrt.tensorrt.streams must be a whole number of CUDA streams, found 'two'");
        bad.setProperty(TensorRtOptions.STREAMS_PROPERTY, "0");
        assertThatThrownBy(() -> TensorRtOptions.from(bad)).hasMessage("streamrt.tensorrt.streams must be in 1..16, found 0");
        Properties sparse = new Properties();
        sparse.setProperty(TensorRtOptions.SPARSE_WEIGHTS_PROPERTY, "auto");
        assertThatThrownBy(() -> TensorRtOptions.from(sparse))
                .hasMessage("streamrt.tensorrt.sparse-weights must be true or false, found 'auto'");
    }

    @Test
    void nativesAreFreedInReverseOrderAndEveryReleaseRuns() {
        List<String> freed = new ArrayList<>();
        NativeStack natives = new NativeStack();
        natives.push("runtime", () -> {
            freed.add("runtime");
            return 0;
        });
        natives.push("engine", () -> {
            freed.add("engine");
            return 0;
        });
        natives.push("cudaFree(output)", () -> {
            freed.add("output");
            return 700;
        });
        natives.push("context", () -> {
            freed.add("context");
            throw new IllegalStateException("boom");
        });
        NativeStack owned = natives.transfer();
        assertThat(natives.size()).isZero();
        assertThat(owned.size()).isEqualTo(4);

        assertThatThrownBy(owned::close)
                .isInstanceOf(EngineException.class)
                .hasMessage("freeing native resource failed: context: java.lang.IllegalStateException: boom")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .extracting(Throwable::getMessage)
                        .isEqualTo("freeing native resource failed: cudaFree(output) returned status 700"));
        assertThat(freed).containsExactly("context", "output", "engine", "runtime");
        owned.close();
        assertThat(freed).as("a second close frees nothing twice").hasSize(4);
    }

    private static long[] fill(long[] row) {
        java.util.Arrays.fill(row, 7);
        return row;
    }
}
