package org.sparkfusion.dagtrain.imports;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.graph.FlatGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.sparkfusion.dagtrain.DType;
import org.sparkfusion.dagtrain.Graph;
import org.sparkfusion.dagtrain.GraphBuilder;

/**
 * Imports a SameDiff graph as an OP-DAG, with its variables' current values as the initial parameters. Only the ops
 * the loss depends on are imported (an inference-only softmax beside the loss, for instance, is left out); each must
 * be on the allow-list, otherwise an {@link IllegalArgumentException} names the op type and its SameDiff name.
 * Placeholders become graph inputs of the same name without the batch dimension (float placeholders float, integer
 * ones int); the one-hot label placeholder of {@code softmax_cross_entropy_loss} becomes an int input of class
 * indices. See docs/dagtrain.md for the allow-list.
 */
public final class SameDiffImport {
  static final Set<String> LOSSES = Set.of("softmax_cross_entropy_loss", "sparse_softmax_cross_entropy_loss_with_logits");
  static final List<String> ALLOWED = List.of("matmul/mmul (+ add/biasadd of a bias vector)", "xw_plus_b",
      "add (of two data tensors)", "relu (cutoff 0)", "gelu (sigmoid form)", "conv2d", "maxpool2d", "reshape (to [batch, features])",
      "layer_norm (last dimension)", "gather (axis 0 of a variable)", "softmax_cross_entropy_loss",
      "sparse_softmax_cross_entropy_loss_with_logits (+ reduce_mean)");

  private final SameDiff sd;
  private final GraphBuilder b = new GraphBuilder();
  /** SameDiff variable name -> our node name. */
  private final Map<String, String> nodeOf = new HashMap<>();
  private final Map<String, List<SameDiffOp>> consumers = new HashMap<>();
  private final Map<String, SameDiffOp> producer = new HashMap<>();
  private final Set<String> fused = new HashSet<>();
  private String loss;

  private SameDiffImport(SameDiff sd) {
    this.sd = sd;
    for (SameDiffOp op : sd.getOps().values()) {
      for (String out : op.getOutputsOfOp()) {
        producer.put(out, op);
      }
      for (String in : op.getInputsToOp() == null ? List.<String>of() : op.getInputsToOp()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(op);
      }
    }
  }

  /** Imports {@code sd}: the ops its (single) loss depends on, with the variables' values as initial parameters. */
  public static Graph fromSameDiff(SameDiff sd) {
    SameDiffImport im = new SameDiffImport(sd);
    for (SameDiffOp op : im.opsForLoss()) {
      if (!im.fused.contains(op.getName())) {
        im.map(op);
      }
    }
    return im.b.build();
  }

  /**
   * Reads a graph saved with {@code SameDiff.save(file, false)} / {@code asFlatFile} and imports it. The file is a
   * FlatBuffers graph: SameDiff's loader creates ops only from nd4j's own op registry and sets their fields from
   * typed properties; it does not deserialize Java objects. The one exception is an embedded training configuration,
   * which nd4j reads with Jackson using class names written in the file, so a file carrying one is refused
   * (save the graph before {@code setTrainingConfig}, or from a copy without it).
   */
  public static Graph fromFile(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String training;
    try {
      training = FlatGraph.getRootAsFlatGraph(ByteBuffer.wrap(bytes)).trainingConfig();
    } catch (RuntimeException e) {
      throw new IOException("'" + file + "' is not a SameDiff FlatBuffers graph: " + e, e);
    }
    if (training != null && !training.isEmpty()) {
      throw new IllegalArgumentException("'" + file + "' carries a SameDiff training configuration, which nd4j would"
          + " read with class names taken from the file; save the graph without one to import it");
    }
    SameDiff sd;
    try {
      sd = SameDiff.fromFlatBuffers(ByteBuffer.wrap(bytes), false);
    } catch (IOException | RuntimeException e) {
      throw new IOException("could not read SameDiff graph '" + file + "': " + e.getMessage(), e);
    }
    return fromSameDiff(sd);
  }

  /** The ops the loss depends on, producers before consumers, the loss op last. */
  private List<SameDiffOp> opsForLoss() {
    List<String> lossVars = sd.getLossVariables() == null ? List.of() : sd.getLossVariables();
    if (lossVars.isEmpty()) {
      List<String> found = new ArrayList<>();
      for (SameDiffOp op : sd.getOps().values()) {
        if (LOSSES.contains(op.getOp().opName())) {
          found.add(op.getOutputsOfOp().get(0));
        }
      }
      lossVars = found;
    }
    if (lossVars.size() != 1) {
      throw new IllegalArgumentException("a SameDiff graph to import needs exactly one loss (" + String.join(" or ", LOSSES)
          + ", or one variable marked with setLossVariables), found " + lossVars);
    }
    String lossVar = lossVars.get(0);
    SameDiffOp last = producer.get(lossVar);
    if (last != null && last.getOp().opName().equals("reduce_mean") && last.getInputsToOp().size() == 1) {
      SameDiffOp inner = producer.get(last.getInputsToOp().get(0));
      if (inner != null && inner.getOp().opName().equals("sparse_softmax_cross_entropy_loss_with_logits")) {
        last = inner; // our loss is already the mean over the batch
      }
    }
    if (last == null || !LOSSES.contains(last.getOp().opName())) {
      throw new IllegalArgumentException("SameDiff loss variable '" + lossVar + "' is produced by "
          + (last == null ? "no op" : "op '" + last.getName() + "' of type " + last.getOp().opName())
          + "; the loss must be one of " + LOSSES);
    }
    loss = last.getName();
    List<SameDiffOp> order = new ArrayList<>();
    visit(last, new HashSet<>(), new LinkedHashSet<>(), order);
    return order;
  }

  private void visit(SameDiffOp op, Set<String> done, Set<String> path, List<SameDiffOp> order) {
    if (done.contains(op.getName())) {
      return;
    }
    if (!path.add(op.getName())) {
      throw new IllegalArgumentException("SameDiff graph has a cycle through ops " + path);
    }
    for (String in : op.getInputsToOp() == null ? List.<String>of() : op.getInputsToOp()) {
      SameDiffOp p = producer.get(in);
      if (p != null) {
        visit(p, done, path, order);
      }
    }
    path.remove(op.getName());
    done.add(op.getName());
    order.add(op);
  }

  private IllegalArgumentException unsupported(SameDiffOp op, String why) {
    return new IllegalArgumentException("SameDiff op '" + op.getName() + "' (type " + op.getOp().opName() + "): " + why);
  }

  private void map(SameDiffOp op) {
    DifferentialFunction f = op.getOp();
    List<String> in = op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    String out = op.getOutputsOfOp().get(0);
    switch (f.opName()) {
      case "matmul", "mmul" -> matmul(op, in, out);
      case "xw_plus_b" -> {
        double[][] w = matrix(op, in.get(1), false);
        linear(op, out, data(op, in.get(0)), w, vector(op, in.get(2), w[0].length));
      }
      case "add" -> {
        expectArgs(op, in, 2);
        nodeOf.put(out, b.add(out, data(op, in.get(0)), data(op, in.get(1))));
      }
      case "relu" -> {
        Number cutoff = f instanceof ScalarOp s && s.scalar() != null ? s.scalar().getDouble(0) : 0.0;
        if (cutoff.doubleValue() != 0) {
          throw unsupported(op, "relu with cutoff " + cutoff + " (only 0 is supported)");
        }
        nodeOf.put(out, b.relu(out, data(op, in.get(0))));
      }
      case "gelu" -> {
        expectArgs(op, in, 1);
        nodeOf.put(out, b.geluSigmoid(out, data(op, in.get(0))));
      }
      case "precise_gelu" -> throw unsupported(op, "SameDiff's precise_gelu (nd4j 1.0.0-M2.1) matches neither GELU we"
          + " have (at x=1: tanh form 0.8412, sigmoid form x*sigmoid(1.702x) 0.8458, precise_gelu 0.8314), so"
          + " importing it would change the model");
      case "conv2d" -> conv2d(op, in, out);
      case "maxpool2d" -> maxpool(op, in, out);
      case "reshape" -> reshape(op, in, out);
      case "layer_norm" -> layerNorm(op, in, out);
      case "gather" -> gather(op, in, out);
      case "softmax_cross_entropy_loss" -> softmaxLoss(op, in, out);
      case "sparse_softmax_cross_entropy_loss_with_logits" -> {
        expectLoss(op);
        nodeOf.put(out, b.softmaxCrossEntropy(out, data(op, in.get(1)), labels(op, in.get(0), false)));
      }
      default -> throw unsupported(op, "not supported (allowed: " + String.join(", ", ALLOWED) + ")");
    }
  }

  private void expectArgs(SameDiffOp op, List<String> in, int n) {
    if (in.size() != n) {
      throw unsupported(op, "expected " + n + " inputs, got " + in);
    }
  }

  private void expectLoss(SameDiffOp op) {
    if (!op.getName().equals(loss)) {
      throw unsupported(op, "a second loss; the graph must have exactly one");
    }
  }

  private void matmul(SameDiffOp op, List<String> in, String out) {
    expectArgs(op, in, 2);
    Map<String, Object> props = op.getOp().propertiesForFunction();
    if (Boolean.TRUE.equals(props.get("transposeA")) || Boolean.TRUE.equals(props.get("transposeResult"))) {
      throw unsupported(op, "matmul with transposed data or result (only x * W and x * W^T are supported)");
    }
    double[][] w = matrix(op, in.get(1), Boolean.TRUE.equals(props.get("transposeB")));
    String x = data(op, in.get(0));
    List<SameDiffOp> users = consumers.getOrDefault(out, List.of());
    if (users.size() == 1) {
      SameDiffOp next = users.get(0);
      String kind = next.getOp().opName();
      List<String> nin = next.getInputsToOp();
      if ((kind.equals("add") || kind.equals("biasadd")) && nin.size() == 2) {
        String other = nin.get(0).equals(out) ? nin.get(1) : nin.get(0);
        SDVariable ov = sd.getVariable(other);
        if (ov != null && ov.getVariableType() == VariableType.VARIABLE && ov.getArr() != null
            && ov.getArr().rank() == 1 && ov.getArr().length() == w[0].length) {
          fused.add(next.getName());
          linear(op, next.getOutputsOfOp().get(0), x, w, vector(op, other, w[0].length));
          return;
        }
      }
    }
    linear(op, out, x, w, new double[w[0].length]);
  }

  private void linear(SameDiffOp op, String name, String x, double[][] w, double[] bias) {
    int inF = w.length;
    int outF = w[0].length;
    if (b.typeOf(x).last() != inF) {
      throw unsupported(op, "weight has " + inF + " rows but its input '" + x + "' is " + b.typeOf(x));
    }
    nodeOf.put(name, b.linear(name, x, outF));
    double[] flat = new double[inF * outF];
    for (int i = 0; i < inF; i++) {
      System.arraycopy(w[i], 0, flat, i * outF, outF);
    }
    b.initialValues(name, flat, bias);
  }

  private void conv2d(SameDiffOp op, List<String> in, String out) {
    if (!(op.getOp() instanceof Conv2D conv) || in.size() < 2 || in.size() > 3) {
      throw unsupported(op, "expected a Conv2D with input, weight and optional bias, got inputs " + in);
    }
    Conv2DConfig c = conv.getConfig();
    if (c.getKH() != c.getKW() || c.getSH() != c.getSW() || c.getPH() != c.getPW() || c.getDH() != 1 || c.getDW() != 1) {
      throw unsupported(op, "conv2d needs a square kernel, equal strides and paddings and no dilation, got kernel "
          + c.getKH() + "x" + c.getKW() + ", stride " + c.getSH() + "x" + c.getSW() + ", padding " + c.getPH() + "x"
          + c.getPW() + ", dilation " + c.getDH() + "x" + c.getDW());
    }
    if (!"NCHW".equalsIgnoreCase(c.getDataFormat())) {
      throw unsupported(op, "conv2d data format " + c.getDataFormat() + " (only NCHW)");
    }
    int k = (int) c.getKH();
    int pad = (int) c.getPH();
    if (c.getPaddingMode() == PaddingMode.SAME) {
      if (c.getSH() != 1 || k % 2 == 0) {
        throw unsupported(op, "conv2d SAME padding is supported for stride 1 and odd kernels only");
      }
      pad = (k - 1) / 2;
    } else if (c.getPaddingMode() != PaddingMode.VALID) {
      throw unsupported(op, "conv2d padding mode " + c.getPaddingMode());
    }
    INDArray w = param(op, in.get(1));
    long[] s = w.shape();
    if (s.length != 4) {
      throw unsupported(op, "conv2d weight '" + in.get(1) + "' has rank " + s.length);
    }
    WeightsFormat fmt = c.getWeightsFormat();
    int outC;
    int inC;
    double[] v = values(w);
    double[] ours;
    switch (fmt) {
      case YXIO -> {
        inC = (int) s[2];
        outC = (int) s[3];
        ours = new double[v.length];
        for (int i = 0; i < k; i++) {
          for (int j = 0; j < k; j++) {
            for (int ci = 0; ci < inC; ci++) {
              for (int o = 0; o < outC; o++) {
                ours[((o * inC + ci) * k + i) * k + j] = v[((i * k + j) * inC + ci) * outC + o];
              }
            }
          }
        }
      }
      case OIYX -> {
        outC = (int) s[0];
        inC = (int) s[1];
        ours = v;
      }
      case OYXI -> {
        outC = (int) s[0];
        inC = (int) s[3];
        ours = new double[v.length];
        for (int o = 0; o < outC; o++) {
          for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
              for (int ci = 0; ci < inC; ci++) {
                ours[((o * inC + ci) * k + i) * k + j] = v[((o * k + i) * k + j) * inC + ci];
              }
            }
          }
        }
      }
      default -> throw unsupported(op, "conv2d weights format " + fmt);
    }
    String x = data(op, in.get(0));
    if (b.channelsOf(x) != inC) {
      throw unsupported(op, "weight expects " + inC + " input channels, input '" + x + "' is " + b.typeOf(x));
    }
    double[] bias = in.size() == 3 ? vector(op, in.get(2), outC) : new double[outC];
    nodeOf.put(out, b.conv2d(out, x, outC, k, (int) c.getSH(), pad));
    b.initialValues(out, ours, bias);
  }

  private void maxpool(SameDiffOp op, List<String> in, String out) {
    if (!(op.getOp() instanceof MaxPooling2D pool)) {
      throw unsupported(op, "expected MaxPooling2D");
    }
    Pooling2DConfig c = pool.getConfig();
    if (c.getKH() != c.getKW() || c.getSH() != c.getSW() || c.getPH() != 0 || c.getPW() != 0
        || c.getPaddingMode() != PaddingMode.VALID || c.isNHWC() || c.getDH() != 1 || c.getDW() != 1
        || c.getType() != Pooling2D.Pooling2DType.MAX) {
      throw unsupported(op, "maxpool2d needs a square window, equal strides, no padding or dilation, VALID mode and"
          + " NCHW, got " + c);
    }
    nodeOf.put(out, b.maxPool(out, data(op, in.get(0)), (int) c.getKH(), (int) c.getSH()));
  }

  private void reshape(SameDiffOp op, List<String> in, String out) {
    long[] shape;
    if (in.size() == 2) {
      shape = values(param(op, in.get(1))).length == 0 ? new long[0]
          : java.util.Arrays.stream(values(param(op, in.get(1)))).mapToLong(d -> (long) d).toArray();
    } else {
      long[] args = op.getOp() instanceof DynamicCustomOp d ? d.iArgs() : new long[0];
      int from = args.length > 0 && (args[0] == -'c' || args[0] == 'c') ? 1 : 0;
      if (args.length > 0 && (args[0] == -'f' || args[0] == 'f')) {
        throw unsupported(op, "reshape in Fortran order");
      }
      shape = java.util.Arrays.copyOfRange(args, from, args.length);
    }
    String x = data(op, in.get(0));
    int features = b.typeOf(x).elements();
    if (shape.length != 2 || (shape[1] != -1 && shape[1] != features)) {
      throw unsupported(op, "reshape to " + java.util.Arrays.toString(shape) + " (only flattening to [batch, "
          + features + "] is supported)");
    }
    nodeOf.put(out, b.flatten(out, x));
  }

  private void layerNorm(SameDiffOp op, List<String> in, String out) {
    if (in.size() < 2 || in.size() > 3) {
      throw unsupported(op, "expected input, gain and optional bias, got " + in);
    }
    Map<String, Object> props = op.getOp().propertiesForFunction();
    String x = data(op, in.get(0));
    int rank = b.typeOf(x).rank() + 1;
    long[] dims = op.getOp() instanceof DynamicCustomOp d ? d.iArgs() : new long[0];
    if (dims.length != 1 || (dims[0] != rank - 1 && dims[0] != -1)) {
      throw unsupported(op, "layer_norm over dimensions " + java.util.Arrays.toString(dims) + " of a rank-" + rank
          + " input (only the last dimension is supported)");
    }
    if (Boolean.TRUE.equals(props.get("channelsFirst")) && rank > 2) {
      throw unsupported(op, "layer_norm with channelsFirst on a rank-" + rank + " input");
    }
    int features = b.typeOf(x).last();
    double[] gain = vector(op, in.get(1), features);
    double[] bias = in.size() == 3 && !Boolean.TRUE.equals(props.get("noBias")) ? vector(op, in.get(2), features)
        : new double[features];
    // nd4j's layer_norm standardises with the population standard deviation and no epsilon (NaNs become 0);
    // a tiny epsilon keeps our op finite on constant rows and agrees to ~1e-12 elsewhere
    nodeOf.put(out, b.layerNorm(out, x, 1e-12));
    b.initialValues(out, gain, bias);
  }

  private void gather(SameDiffOp op, List<String> in, String out) {
    long[] args = op.getOp() instanceof DynamicCustomOp d ? d.iArgs() : new long[0];
    if (in.size() != 2 || (args.length > 0 && args[0] != 0)) {
      throw unsupported(op, "only gather of rows (axis 0) of a variable by an index tensor is supported");
    }
    double[][] table = matrix(op, in.get(0), false);
    String ids = data(op, in.get(1));
    if (b.typeOf(ids).dtype() != DType.INT) {
      throw unsupported(op, "gather indices '" + in.get(1) + "' must be integers");
    }
    int vocab = table.length;
    int dim = table[0].length;
    nodeOf.put(out, b.embedding(out, ids, vocab, dim));
    double[] flat = new double[vocab * dim];
    for (int i = 0; i < vocab; i++) {
      System.arraycopy(table[i], 0, flat, i * dim, dim);
    }
    b.initialValues(out, flat);
  }

  private void softmaxLoss(SameDiffOp op, List<String> in, String out) {
    expectLoss(op);
    expectArgs(op, in, 3);
    Map<String, Object> props = op.getOp().propertiesForFunction();
    Object smoothing = props.get("labelsSmoothing");
    if (smoothing instanceof Number n && n.doubleValue() != 0) {
      throw unsupported(op, "label smoothing " + n + " (only 0)");
    }
    Object reduce = props.get("lossReduce");
    int r = reduce instanceof Number n ? n.intValue() : reduce instanceof Enum<?> e ? e.ordinal() : -1;
    if (r != 2 && r != 3) {
      throw unsupported(op, "loss reduction " + reduce + " (only the mean over the batch: MEAN_BY_WEIGHT or"
          + " MEAN_BY_NONZERO_WEIGHT_COUNT)");
    }
    INDArray weights = param(op, in.get(1));
    double[] wv = values(weights);
    for (double v : wv) {
      if (v != 1.0) {
        throw unsupported(op, "loss weights '" + in.get(1) + "' other than 1");
      }
    }
    nodeOf.put(out, b.softmaxCrossEntropy(out, data(op, in.get(0)), labels(op, in.get(2), true)));
  }

  /** A placeholder of labels: int class indices (the one-hot placeholder's last dimension dropped). */
  private String labels(SameDiffOp op, String var, boolean oneHot) {
    String have = nodeOf.get(var);
    if (have != null) {
      return have;
    }
    SDVariable v = sd.getVariable(var);
    if (v == null || v.getVariableType() != VariableType.PLACEHOLDER) {
      throw unsupported(op, "labels '" + var + "' must be a placeholder");
    }
    int[] shape = sampleShape(op, v);
    if (oneHot) {
      if (shape.length == 0) {
        throw unsupported(op, "one-hot labels '" + var + "' need a class dimension");
      }
      shape = java.util.Arrays.copyOf(shape, shape.length - 1);
    } else if (v.dataType().isFPType()) {
      throw unsupported(op, "sparse labels '" + var + "' must be an integer placeholder, got " + v.dataType());
    }
    nodeOf.put(var, b.input(var, DType.INT, shape));
    return var;
  }

  /** Our node for a data tensor: an imported op's output, or a placeholder (created as an input on first use). */
  private String data(SameDiffOp op, String var) {
    String have = nodeOf.get(var);
    if (have != null) {
      return have;
    }
    SDVariable v = sd.getVariable(var);
    if (v == null) {
      throw unsupported(op, "reads '" + var + "', which is not a variable of the graph");
    }
    if (v.getVariableType() != VariableType.PLACEHOLDER) {
      throw unsupported(op, "reads " + v.getVariableType().name().toLowerCase() + " '" + var + "' as data; only"
          + " placeholders and outputs of imported ops can be data (weights must be the op's parameter input)");
    }
    DType t = v.dataType().isFPType() ? DType.FLOAT : DType.INT;
    nodeOf.put(var, b.input(var, t, sampleShape(op, v)));
    return var;
  }

  private int[] sampleShape(SameDiffOp op, SDVariable v) {
    long[] s = v.getShape();
    if (s == null || s.length == 0) {
      throw unsupported(op, "placeholder '" + v.name() + "' has no shape with a batch dimension");
    }
    int[] out = new int[s.length - 1];
    for (int i = 1; i < s.length; i++) {
      if (s[i] <= 0) {
        throw unsupported(op, "placeholder '" + v.name() + "' has unknown dimension " + i + " in "
            + java.util.Arrays.toString(s) + " (only the batch dimension may be unknown)");
      }
      out[i - 1] = (int) s[i];
    }
    return out;
  }

  /** The value of a weight input (a trainable variable or a constant). */
  private INDArray param(SameDiffOp op, String var) {
    SDVariable v = sd.getVariable(var);
    if (v == null || (v.getVariableType() != VariableType.VARIABLE && v.getVariableType() != VariableType.CONSTANT)) {
      throw unsupported(op, "parameter input '" + var + "' must be a variable or constant with a value, it is "
          + (v == null ? "missing" : v.getVariableType()));
    }
    INDArray a = v.getArr();
    if (a == null) {
      throw unsupported(op, "variable '" + var + "' has no value");
    }
    return a;
  }

  private static double[] values(INDArray a) {
    return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
  }

  private double[][] matrix(SameDiffOp op, String var, boolean transpose) {
    INDArray a = param(op, var);
    if (a.rank() != 2) {
      throw unsupported(op, "weight '" + var + "' must be a matrix, it has shape " + java.util.Arrays.toString(a.shape()));
    }
    int rows = (int) a.size(0);
    int cols = (int) a.size(1);
    double[] v = values(a);
    double[][] m = transpose ? new double[cols][rows] : new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        if (transpose) {
          m[j][i] = v[i * cols + j];
        } else {
          m[i][j] = v[i * cols + j];
        }
      }
    }
    return m;
  }

  private double[] vector(SameDiffOp op, String var, int length) {
    INDArray a = param(op, var);
    if (a.length() != length || a.rank() > 1 && a.length() != a.size(a.rank() - 1)) {
      throw unsupported(op, "'" + var + "' has shape " + java.util.Arrays.toString(a.shape()) + ", expected ["
          + length + "]");
    }
    return values(a);
  }
}
