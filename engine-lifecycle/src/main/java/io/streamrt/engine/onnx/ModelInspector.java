package io.streamrt.engine.onnx;

import io.streamrt.engine.onnx.proto.Onnx.GraphProto;
import io.streamrt.engine.onnx.proto.Onnx.ModelProto;
import io.streamrt.engine.onnx.proto.Onnx.NodeProto;
import io.streamrt.engine.onnx.proto.Onnx.OperatorSetIdProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorProto;
import io.streamrt.engine.onnx.proto.Onnx.TensorShapeProto;
import io.streamrt.engine.onnx.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a {@link ModelReport}. */
final class ModelInspector {

    private static final Set<String> DYNAMIC_OPS = Set.of("DynamicQuantizeLinear", "MatMulInteger", "ConvInteger",
            "DynamicQuantizeMatMul", "DynamicQuantizeLSTM");
    private static final Set<String> QOPERATOR_OPS = Set.of("QLinearMatMul", "QLinearConv", "QLinearAdd",
            "QLinearMul", "QGemm", "QAttention");
    private static final Set<String> QDQ_OPS = Set.of("QuantizeLinear", "DequantizeLinear");

    private ModelInspector() {}

    static ModelReport inspect(OnnxModel model) {
        ModelProto proto = model.proto();
        GraphProto graph = proto.getGraph();

        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto opset : proto.getOpsetImportList()) {
            opsets.put(opset.getDomain(), opset.getVersion());
        }

        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            String op = OnnxModel.isDefaultDomain(node.getDomain()) ? node.getOpType()
                    : node.getDomain() + ":" + node.getOpType();
            counts.merge(op, 1, Integer::sum);
        }
        Map<String, Integer> opCounts = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> opCounts.put(e.getKey(), e.getValue()));

        long parameters = 0;
        long bytes = 0;
        Map<String, TensorProto> initializers = WeightSites.initializers(graph);
        for (TensorProto tensor : graph.getInitializerList()) {
            long count = TensorData.elementCount(tensor);
            parameters += count;
            bytes += tensor.hasRawData() ? tensor.getRawData().size()
                    : count * TensorData.elementBytes(tensor.getDataType());
        }

        List<ModelReport.Value> inputs = new ArrayList<>();
        for (ValueInfoProto input : graph.getInputList()) {
            // IR < 4 lists initializers among the inputs; they are not fed at run time.
            if (!initializers.containsKey(input.getName())) {
                inputs.add(value(input));
            }
        }
        List<ModelReport.Value> outputs = graph.getOutputList().stream().map(ModelInspector::value).toList();

        List<ModelReport.Weight> weights = new ArrayList<>();
        for (WeightSites.Site site : WeightSites.find(graph)) {
            double[] compliance = WeightSites.compliance24(site);
            TensorProto tensor = site.tensor();
            weights.add(new ModelReport.Weight(tensor.getName(), site.op(), List.copyOf(tensor.getDimsList()),
                    TensorData.typeName(tensor.getDataType()), site.reductionAxis(), (long) compliance[1],
                    compliance[0]));
        }

        String producer = (proto.getProducerName() + " " + proto.getProducerVersion()).trim();
        return new ModelReport(model.source(), proto.getIrVersion(), model.opset(), opsets, producer, inputs, outputs,
                opCounts, parameters, bytes, quantization(counts.keySet()), weights);
    }

    private static ModelReport.Quantization quantization(Set<String> ops) {
        // Operators from the com.microsoft domain are counted as "com.microsoft:Op".
        Set<String> plain = new java.util.HashSet<>();
        for (String op : ops) {
            plain.add(op.substring(op.indexOf(':') + 1));
        }
        if (plain.stream().anyMatch(DYNAMIC_OPS::contains)) {
            return ModelReport.Quantization.DYNAMIC;
        }
        if (plain.stream().anyMatch(QOPERATOR_OPS::contains)) {
            return ModelReport.Quantization.QOPERATOR;
        }
        if (plain.stream().anyMatch(QDQ_OPS::contains)) {
            return ModelReport.Quantization.QDQ;
        }
        return ModelReport.Quantization.NONE;
    }

    private static ModelReport.Value value(ValueInfoProto info) {
        if (!info.getType().hasTensorType()) {
            return new ModelReport.Value(info.getName(), "non-tensor", List.of());
        }
        var tensorType = info.getType().getTensorType();
        List<String> shape = new ArrayList<>();
        for (TensorShapeProto.Dimension dim : tensorType.getShape().getDimList()) {
            shape.add(dim.hasDimValue() ? Long.toString(dim.getDimValue())
                    : dim.hasDimParam() && !dim.getDimParam().isEmpty() ? dim.getDimParam() : "?");
        }
        return new ModelReport.Value(info.getName(), TensorData.typeName(tensorType.getElemType()), shape);
    }
}
