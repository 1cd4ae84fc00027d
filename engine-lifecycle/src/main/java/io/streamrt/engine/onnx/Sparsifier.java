package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * 2:4 structured magnitude pruning of MatMul/Gemm weights, the pattern sparse tensor cores run at twice the math
 * rate: along the reduction axis (rows {@code k} of MatMul's {@code B [K, N]}), every group of 4 consecutive
 * elements keeps its 2 largest magnitudes and the other 2 become zero.
 *
 * <p>A weight is pruned when both of its dimensions are multiples of 4 and at least {@link
 * Builder#minDimension(int)}, and when it is read only as a MatMul/Gemm weight: embeddings and other tables read
 * by Gather stay untouched, as do biases, LayerNorm parameters and quantized weights.
 *
 * <p>Pruning without fine-tuning costs accuracy; the result is the starting point for sparse fine-tuning, or a
 * way to measure what 2:4 sparsity would save.
 *
 * <pre>{@code
 * Sparsifier.Result result = Sparsifier.defaults().sparsify(OnnxModel.read(Path.of("model.onnx")));
 * result.model().write(Path.of("model-sparse.onnx"));
 * System.out.println(result.pruned().size() + " weights pruned");
 * }</pre>
 */
public final class Sparsifier {

    /** Smallest dimension pruned by default: smaller matrices save nothing worth the accuracy. */
    public static final int DEFAULT_MIN_DIMENSION = 64;

    private final int minDimension;
    private final Map<String, String> keep;

    private Sparsifier(int minDimension, Map<String, String> keep) {
        this.minDimension = minDimension;
        this.keep = Map.copyOf(keep);
    }

    /** Prunes every eligible weight with the defaults. */
    public static Sparsifier defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What was done.
     *
     * @param model the pruned model
     * @param pruned the pruned weight initializers, in graph order
     * @param skipped weights not pruned, name to reason
     * @param removedMagnitude the share of the pruned weights' squared L2 norm that was set to zero
     */
    public record Result(OnnxModel model, List<String> pruned, Map<String, String> skipped, double removedMagnitude) {}

    /** Prunes a model; the input model is not changed. */
    public Result sparsify(OnnxModel model) {
        GraphProto graph = model.proto().getGraph();
        Map<String, TensorProto> replaced = new HashMap<>();
        List<String> pruned = new ArrayList<>();
        Map<String, String> skipped = new java.util.LinkedHashMap<>();
        double kept = 0;
        double removed = 0;
        for (WeightSites.Site site : WeightSites.find(graph)) {
            TensorProto tensor = site.tensor();
            if (keep.containsKey(tensor.getName())) {
                skipped.put(tensor.getName(), keep.get(tensor.getName()));
                continue;
            }
            if (tensor.getDataType() != TensorData.FLOAT) {
                skipped.put(tensor.getName(), "quantized (" + TensorData.typeName(tensor.getDataType())
                        + "): sparsify the float model, then quantize");
                continue;
            }
            long rows = tensor.getDims(0);
            long cols = tensor.getDims(1);
            if (rows % 4 != 0 || cols % 4 != 0 || rows < minDimension || cols < minDimension) {
                skipped.put(tensor.getName(), "shape " + tensor.getDimsList() + ": both dimensions must be "
                        + "multiples of 4 and at least " + minDimension);
                continue;
            }
            String shared = WeightSites.sharedUse(graph, site);
            if (shared != null) {
                skipped.put(tensor.getName(), shared);
                continue;
            }
            float[] values = TensorData.floats(tensor);
            double[] norms = prune24(values, (int) rows, (int) cols, site.reductionAxis());
            kept += norms[0];
            removed += norms[1];
            replaced.put(tensor.getName(), TensorData.withFloats(tensor, values));
            pruned.add(tensor.getName());
        }
        GraphProto.Builder builder = graph.toBuilder();
        for (int i = 0; i < builder.getInitializerCount(); i++) {
            TensorProto changed = replaced.get(builder.getInitializer(i).getName());
            if (changed != null) {
                builder.setInitializer(i, changed);
            }
        }
        OnnxModel result = model.withProto(model.proto().toBuilder().setGraph(builder).build());
        return new Result(result, List.copyOf(pruned), Map.copyOf(skipped),
                kept + removed == 0 ? 0 : removed / (kept + removed));
    }

    /**
     * Zeroes the 2 smallest magnitudes of every group of 4 along the reduction axis, in place; ties keep the
     * earlier element. Returns the squared L2 norms kept and removed.
     */
    static double[] prune24(float[] values, int rows, int cols, int reductionAxis) {
        int reduce = reductionAxis == 0 ? rows : cols;
        int other = reductionAxis == 0 ? cols : rows;
        int[] index = new int[4];
        double kept = 0;
        double removed = 0;
        for (int o = 0; o < other; o++) {
            for (int g = 0; g < reduce; g += 4) {
                for (int j = 0; j < 4; j++) {
                    index[j] = reductionAxis == 0 ? (g + j) * cols + o : o * cols + g + j;
                }
                // The two smallest of four: find the largest two and zero the rest.
                int first = -1;
                int second = -1;
                for (int j = 0; j < 4; j++) {
                    float magnitude = Math.abs(values[index[j]]);
                    if (first < 0 || magnitude > Math.abs(values[index[first]])) {
                        second = first;
                        first = j;
                    } else if (second < 0 || magnitude > Math.abs(values[index[second]])) {
                        second = j;
                    }
                }
                for (int j = 0; j < 4; j++) {
                    double square = (double) values[index[j]] * values[index[j]];
                    if (j == first || j == second) {
                        kept += square;
                    } else {
                        removed += square;
                        values[index[j]] = 0f;
                    }
                }
            }
        }
        return new double[] {kept, removed};
    }

    /** Settings of a {@link Sparsifier}. */
    public static final class Builder {

        private int minDimension = DEFAULT_MIN_DIMENSION;
        private final Map<String, String> keep = new java.util.LinkedHashMap<>();

        Builder() {}

        /** Leaves the weight (an initializer's name) dense, listing it as skipped with {@code reason}. */
        public Builder keep(String weight, String reason) {
            keep.put(weight, reason);
            return this;
        }

        /** Weights with a dimension below this stay dense (default {@value Sparsifier#DEFAULT_MIN_DIMENSION}). */
        public Builder minDimension(int minDimension) {
            this.minDimension = minDimension;
            return this;
        }

        public Sparsifier build() {
            if (minDimension < 4) {
                throw new IllegalArgumentException("minDimension must be at least 4 (one group of 4), found "
                        + minDimension);
            }
            return new Sparsifier(minDimension, keep);
        }
    }
}
