package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph} node by node. Each method adds a node named {@code name} reading the named nodes and
 * returns the name, so calls chain naturally; sizes that follow from the input (input features, channels)
 * are inferred. {@link #build()} validates the whole graph.
 *
 * <pre>{@code
 * GraphBuilder b = new GraphBuilder();
 * String x = b.input("x", DType.FLOAT, 16);
 * String y = b.input("y", DType.INT);
 * String h = b.relu("h", b.linear("fc1", x, 32));
 * b.softmaxCrossEntropy("loss", b.linear("fc2", h, 4), y);
 * Graph g = b.build();
 * }</pre>
 */
public final class GraphBuilder {
  private final List<Graph.Decl> decls = new ArrayList<>();
  private final Map<String, TensorType> known = new HashMap<>();
  private final Map<String, double[][]> initial = new HashMap<>();

  private String add(String name, Op op, String... inputs) {
    decls.add(new Graph.Decl(name, op, List.of(inputs)));
    TensorType[] in = new TensorType[inputs.length];
    boolean all = true;
    for (int i = 0; i < inputs.length; i++) {
      in[i] = known.get(inputs[i]);
      all &= in[i] != null;
    }
    if (all) {
      try {
        known.put(name, op.infer(in));
      } catch (IllegalArgumentException e) {
        // reported with node names by build()
      }
    }
    return name;
  }

  private TensorType typeOf(String node, String user) {
    TensorType t = known.get(node);
    if (t == null) {
      throw new GraphValidationException("node '" + user + "' reads '" + node
          + "', which is not defined yet or has an invalid type");
    }
    return t;
  }

  /** A data input with a per-sample shape (no batch dimension). */
  public String input(String name, DType dtype, int... shape) {
    return add(name, new InputOp(new TensorType(dtype, shape)));
  }

  /** Fully connected layer over the last dimension. */
  public String linear(String name, String input, int outFeatures) {
    return add(name, new LinearOp(typeOf(input, name).last(), outFeatures), input);
  }

  /** 2-D convolution with square kernel over a [channels, height, width] input. */
  public String conv2d(String name, String input, int outChannels, int kernel, int stride, int padding) {
    return add(name, new Conv2dOp(typeOf(input, name).shape()[0], outChannels, kernel, stride, padding), input);
  }

  public String maxPool(String name, String input, int kernel, int stride) {
    return add(name, new MaxPoolOp(kernel, stride), input);
  }

  public String globalAvgPool(String name, String input) {
    return add(name, new GlobalAvgPoolOp(), input);
  }

  /** Batch norm over the channel (first per-sample) dimension, using micro-batch statistics. */
  public String batchNorm(String name, String input) {
    return add(name, new NormOp(NormOp.Kind.BATCH, typeOf(input, name).shape()[0]), input);
  }

  /** Layer norm over the last dimension. */
  public String layerNorm(String name, String input) {
    return add(name, new NormOp(NormOp.Kind.LAYER, typeOf(input, name).last()), input);
  }

  /** Layer norm with a given epsilon (added to the variance), for importers. */
  public String layerNorm(String name, String input, double eps) {
    return add(name, new NormOp(NormOp.Kind.LAYER, typeOf(input, name).last(), eps), input);
  }

  public String embedding(String name, String ids, int vocab, int dim) {
    return add(name, new EmbeddingOp(vocab, dim), ids);
  }

  /** Adds a learned position embedding to a [length, dim] sequence. */
  public String positionEmbedding(String name, String input) {
    TensorType t = typeOf(input, name);
    return add(name, new PositionEmbeddingOp(t.shape()[0], t.last()), input);
  }

  public String causalSelfAttention(String name, String input, int heads) {
    return add(name, new CausalSelfAttentionOp(typeOf(input, name).last(), heads), input);
  }

  public String relu(String name, String input) {
    return add(name, new ActivationOp(ActivationOp.Kind.RELU), input);
  }

  public String gelu(String name, String input) {
    return add(name, new ActivationOp(ActivationOp.Kind.GELU), input);
  }

  /** GELU in its sigmoid form x*sigmoid(1.702x), as DL4J's and SameDiff's {@code gelu} compute it. */
  public String geluSigmoid(String name, String input) {
    return add(name, new ActivationOp(ActivationOp.Kind.GELU_SIGMOID), input);
  }

  /** Residual sum of two same-shaped tensors. */
  public String add(String name, String a, String b) {
    return add(name, new AddOp(), a, b);
  }

  public String dropout(String name, String input, double rate) {
    return add(name, new DropoutOp(rate), input);
  }

  public String flatten(String name, String input) {
    return add(name, new FlattenOp(), input);
  }

  /** The training loss: mean softmax cross-entropy of logits against int labels. */
  public String softmaxCrossEntropy(String name, String logits, String labels) {
    return add(name, new SoftmaxCrossEntropyOp(), logits, labels);
  }

  /** Adds a node of any allow-listed op type with explicit attributes (as in graph JSON). */
  public String op(String name, String type, Map<String, Object> attrs, String... inputs) {
    return add(name, OpRegistry.create(type, attrs, name), inputs);
  }

  /** Per-sample type of an already defined node (for importers). */
  public TensorType typeOf(String node) {
    return typeOf(node, node);
  }

  /** Channels (first per-sample dimension) of an already defined node. */
  public int channelsOf(String node) {
    return typeOf(node, node).shape()[0];
  }

  /** Starting values of a node's parameters, in the op's parameter order (for importers of trained weights). */
  public void initialValues(String node, double[]... values) {
    initial.put(node, values);
  }

  /** Validates and returns the graph. */
  public Graph build() {
    return Graph.of(decls, initial);
  }
}
