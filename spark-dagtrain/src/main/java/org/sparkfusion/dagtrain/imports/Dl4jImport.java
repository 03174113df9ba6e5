package org.sparkfusion.dagtrain.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.sparkfusion.dagtrain.DType;
import org.sparkfusion.dagtrain.Graph;
import org.sparkfusion.dagtrain.GraphBuilder;

/**
 * Imports a DL4J {@link MultiLayerConfiguration} or {@link ComputationGraphConfiguration} as an OP-DAG. Only the
 * architecture is imported (our ops initialise their own parameters and train with our optimizers). Allow-listed:
 * DenseLayer, ConvolutionLayer (square kernel, equal strides and paddings, no dilation), SubsamplingLayer (max,
 * square, no padding), BatchNormalization, ActivationLayer, DropoutLayer, GlobalPoolingLayer (avg), OutputLayer
 * (softmax with MCXENT or negative log-likelihood; becomes linear + softmax cross-entropy against an int
 * {@code label} input), ElementWiseVertex (Add); activations identity, ReLU, GELU (DL4J's default sigmoid form; the precise form is refused). Anything else is an
 * {@link IllegalArgumentException} naming the layer and its type. Data layout is channels-first, as DL4J's default.
 */
public final class Dl4jImport {
  private final GraphBuilder b = new GraphBuilder();
  private final Map<String, String> outputOf = new LinkedHashMap<>();
  private String label;
  private boolean hasOutput;

  private Dl4jImport() {}

  /**
   * Imports a multi-layer network whose input is one float sample of {@code inputShape} (e.g. 1, 28, 28 for
   * images or 784 for vectors). The graph's inputs are {@code input} and the int {@code label}.
   */
  public static Graph fromMultiLayer(MultiLayerConfiguration conf, int... inputShape) {
    Dl4jImport im = new Dl4jImport();
    String x = im.b.input("input", DType.FLOAT, inputShape);
    im.label = im.b.input("label", DType.INT);
    List<NeuralNetConfiguration> confs = conf.getConfs();
    for (int i = 0; i < confs.size(); i++) {
      Layer l = confs.get(i).getLayer();
      String name = l.getLayerName() != null && !l.getLayerName().isEmpty() ? l.getLayerName() : "layer" + i;
      x = im.layer(name, l, x);
    }
    return im.finish();
  }

  /**
   * Imports a computation graph with exactly one network input (imported as {@code input}), of per-sample shape
   * {@code inputShape}, and one output layer.
   */
  public static Graph fromComputationGraph(ComputationGraphConfiguration conf, int... inputShape) {
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new IllegalArgumentException("only graphs with one input and one output can be imported, this one has inputs "
          + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs());
    }
    Dl4jImport im = new Dl4jImport();
    String in = conf.getNetworkInputs().get(0);
    im.outputOf.put(in, im.b.input("input", DType.FLOAT, inputShape));
    im.label = im.b.input("label", DType.INT);
    List<String> order = topologicalOrder(conf);
    for (String v : order) {
      if (v.equals(in)) {
        continue;
      }
      GraphVertex gv = conf.getVertices().get(v);
      List<String> ins = conf.getVertexInputs().get(v);
      if (gv == null || ins == null || ins.isEmpty()) {
        throw new IllegalArgumentException("vertex '" + v + "' has no definition or no inputs");
      }
      List<String> args = new ArrayList<>();
      for (String i : ins) {
        args.add(im.outputOf.get(i));
      }
      if (gv instanceof LayerVertex lv) {
        if (args.size() != 1) {
          throw new IllegalArgumentException("layer vertex '" + v + "' has " + args.size() + " inputs; add a MergeVertex"
              + " (not supported) or an ElementWiseVertex before it");
        }
        im.outputOf.put(v, im.layer(v, lv.getLayerConf().getLayer(), args.get(0)));
      } else if (gv instanceof ElementWiseVertex ew) {
        if (ew.getOp() != ElementWiseVertex.Op.Add) {
          throw new IllegalArgumentException("vertex '" + v + "': ElementWiseVertex op " + ew.getOp()
              + " is not supported (only Add)");
        }
        String acc = args.get(0);
        for (int k = 1; k < args.size(); k++) {
          acc = im.b.add(k + 1 == args.size() ? v : v + "_" + k, acc, args.get(k));
        }
        im.outputOf.put(v, acc);
      } else {
        throw new IllegalArgumentException("vertex '" + v + "' has unsupported type " + gv.getClass().getSimpleName()
            + " (supported: LayerVertex with an allow-listed layer, ElementWiseVertex Add)");
      }
    }
    return im.finish();
  }

  /** Vertices in an order where every vertex follows its inputs (Kahn's algorithm, ties by declaration order). */
  private static List<String> topologicalOrder(ComputationGraphConfiguration conf) {
    Map<String, List<String>> inputs = new LinkedHashMap<>();
    for (String in : conf.getNetworkInputs()) {
      inputs.put(in, List.of());
    }
    for (String v : conf.getVertices().keySet()) {
      List<String> ins = conf.getVertexInputs().get(v);
      inputs.put(v, ins == null ? List.of() : ins);
    }
    List<String> order = new ArrayList<>();
    java.util.Set<String> done = new java.util.HashSet<>();
    boolean progress = true;
    while (order.size() < inputs.size() && progress) {
      progress = false;
      for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
        if (!done.contains(e.getKey()) && done.containsAll(e.getValue())) {
          for (String in : e.getValue()) {
            if (!inputs.containsKey(in)) {
              throw new IllegalArgumentException("vertex '" + e.getKey() + "' reads '" + in + "', which is not defined");
            }
          }
          done.add(e.getKey());
          order.add(e.getKey());
          progress = true;
        }
      }
    }
    if (order.size() < inputs.size()) {
      List<String> stuck = new ArrayList<>(inputs.keySet());
      stuck.removeAll(done);
      throw new IllegalArgumentException("vertices " + stuck + " form a cycle or read undefined vertices");
    }
    return order;
  }

  private Graph finish() {
    if (!hasOutput) {
      throw new IllegalArgumentException("the configuration has no OutputLayer (softmax + MCXENT/NLL), so there is no loss");
    }
    return b.build();
  }

  private String layer(String name, Layer l, String x) {
    if (hasOutput) {
      throw new IllegalArgumentException("layer '" + name + "' follows the OutputLayer; the output must be last");
    }
    x = dropoutOf(name, l, x);
    String type = l.getClass().getSimpleName();
    if (l instanceof OutputLayer o) {
      checkLoss(name, o);
      String logits = b.linear(name, flat(name, x), (int) o.getNOut());
      b.softmaxCrossEntropy(name + "_loss", logits, label);
      hasOutput = true;
      return logits;
    }
    if (l instanceof DenseLayer d) {
      return activation(name, d.getActivationFn(), b.linear(name + (isIdentity(d.getActivationFn()) ? "" : "_linear"),
          flat(name, x), (int) d.getNOut()), type);
    }
    if (l instanceof ConvolutionLayer c && c.getClass() == ConvolutionLayer.class) {
      int k = square(name, "kernel", c.getKernelSize());
      int s = square(name, "stride", c.getStride());
      int p = square(name, "padding", c.getPadding());
      if (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation()[1] != 1)) {
        throw new IllegalArgumentException("layer '" + name + "': dilated convolution is not supported");
      }
      if (c.getConvolutionMode() == ConvolutionMode.Same) {
        if (s != 1 || k % 2 == 0) {
          throw new IllegalArgumentException("layer '" + name + "': ConvolutionMode.Same is supported for stride 1 and odd"
              + " kernels only");
        }
        p = (k - 1) / 2;
      }
      String conv = b.conv2d(name + (isIdentity(c.getActivationFn()) ? "" : "_conv"), x, (int) c.getNOut(), k, s, p);
      return activation(name, c.getActivationFn(), conv, type);
    }
    if (l instanceof SubsamplingLayer sl && sl.getClass() == SubsamplingLayer.class) {
      if (sl.getPoolingType() != PoolingType.MAX) {
        throw new IllegalArgumentException("layer '" + name + "': pooling type " + sl.getPoolingType()
            + " is not supported (MAX only)");
      }
      if (square(name, "padding", sl.getPadding()) != 0) {
        throw new IllegalArgumentException("layer '" + name + "': padded pooling is not supported");
      }
      return b.maxPool(name, x, square(name, "kernel", sl.getKernelSize()), square(name, "stride", sl.getStride()));
    }
    if (l instanceof BatchNormalization) {
      return b.batchNorm(name, x);
    }
    if (l instanceof ActivationLayer a) {
      if (isIdentity(a.getActivationFn())) {
        throw new IllegalArgumentException("layer '" + name + "': an identity ActivationLayer has nothing to import");
      }
      return activation(name, a.getActivationFn(), x, type);
    }
    if (l instanceof DropoutLayer) {
      return x; // dropoutOf already inserted it
    }
    if (l instanceof GlobalPoolingLayer g) {
      if (g.getPoolingType() != PoolingType.AVG) {
        throw new IllegalArgumentException("layer '" + name + "': global pooling type " + g.getPoolingType()
            + " is not supported (AVG only)");
      }
      return b.globalAvgPool(name, x);
    }
    throw new IllegalArgumentException("layer '" + name + "' has unsupported type " + type + " (supported: DenseLayer,"
        + " ConvolutionLayer, SubsamplingLayer, BatchNormalization, ActivationLayer, DropoutLayer, GlobalPoolingLayer,"
        + " OutputLayer)");
  }

  /** DL4J applies a layer's dropout to its input; {@code Dropout(p)} keeps each input with probability p. */
  private String dropoutOf(String name, Layer l, String x) {
    IDropout d = l.getIDropout();
    if (d == null) {
      return x;
    }
    if (!(d instanceof Dropout dr) || dr.getPSchedule() != null) {
      throw new IllegalArgumentException("layer '" + name + "': dropout " + d.getClass().getSimpleName()
          + " is not supported (plain Dropout with a fixed probability only)");
    }
    return b.dropout(name + "_dropout", x, 1 - dr.getP());
  }

  private String flat(String name, String x) {
    return b.typeOf(x).rank() > 1 ? b.flatten(name + "_flatten", x) : x;
  }

  private static void checkLoss(String name, BaseOutputLayer o) {
    ILossFunction loss = o.getLossFn();
    if (!(loss instanceof LossMCXENT || loss instanceof LossNegativeLogLikelihood)
        || !(o.getActivationFn() instanceof ActivationSoftmax)) {
      throw new IllegalArgumentException("layer '" + name + "': OutputLayer with loss "
          + (loss == null ? "null" : loss.getClass().getSimpleName()) + " and activation " + o.getActivationFn()
          + " is not supported (softmax with MCXENT or NEGATIVELOGLIKELIHOOD only)");
    }
  }

  private static boolean isIdentity(IActivation a) {
    return a == null || a instanceof ActivationIdentity;
  }

  private String activation(String name, IActivation a, String x, String type) {
    if (isIdentity(a)) {
      return x;
    }
    if (a instanceof ActivationReLU r && isPlainRelu(r)) {
      return b.relu(name, x);
    }
    if (a instanceof ActivationGELU g && !g.isPrecise()) {
      return b.geluSigmoid(name, x);
    }
    throw new IllegalArgumentException("layer '" + name + "' (" + type + "): activation " + a
        + (a instanceof ActivationGELU ? " (precise form)" : "")
        + " is not supported (identity, relu, gelu in its default sigmoid form)");
  }

  private static boolean isPlainRelu(ActivationReLU r) {
    return (r.getMax() == null || Double.isInfinite(r.getMax()))
        && (r.getThreshold() == null || r.getThreshold() == 0)
        && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
  }

  private static int square(String name, String what, int[] v) {
    if (v == null || v.length != 2 || v[0] != v[1]) {
      throw new IllegalArgumentException("layer '" + name + "': non-square " + what + " "
          + java.util.Arrays.toString(v) + " is not supported");
    }
    return v[0];
  }
}
