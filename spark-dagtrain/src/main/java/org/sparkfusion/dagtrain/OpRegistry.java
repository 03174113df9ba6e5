package org.sparkfusion.dagtrain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The allow-list of op types that graph JSON and importers may create, with their attribute readers. */
final class OpRegistry {
  private static final Map<String, Function<Attrs, Op>> FACTORIES = new LinkedHashMap<>();

  static {
    FACTORIES.put("input", a -> new InputOp(new TensorType(DType.parse(a.string("dtype"), a.where), a.ints("shape"))));
    FACTORIES.put("linear", a -> new LinearOp(a.integer("in_features"), a.integer("out_features")));
    FACTORIES.put("conv2d", a -> new Conv2dOp(a.integer("in_channels"), a.integer("out_channels"), a.integer("kernel"),
        a.integer("stride"), a.integer("padding")));
    FACTORIES.put("maxpool2d", a -> new MaxPoolOp(a.integer("kernel"), a.integer("stride")));
    FACTORIES.put("global_avgpool", a -> new GlobalAvgPoolOp());
    FACTORIES.put("batchnorm", a -> new NormOp(NormOp.Kind.BATCH, a.integer("features")));
    FACTORIES.put("layernorm", a -> new NormOp(NormOp.Kind.LAYER, a.integer("features"),
        a.map.containsKey("eps") ? a.number("eps") : NormOp.EPS));
    FACTORIES.put("embedding", a -> new EmbeddingOp(a.integer("vocab"), a.integer("dim")));
    FACTORIES.put("position_embedding", a -> new PositionEmbeddingOp(a.integer("length"), a.integer("dim")));
    FACTORIES.put("causal_self_attention", a -> new CausalSelfAttentionOp(a.integer("dim"), a.integer("heads")));
    FACTORIES.put("relu", a -> new ActivationOp(ActivationOp.Kind.RELU));
    FACTORIES.put("gelu", a -> new ActivationOp(ActivationOp.Kind.GELU));
    FACTORIES.put("gelu_sigmoid", a -> new ActivationOp(ActivationOp.Kind.GELU_SIGMOID));
    FACTORIES.put("add", a -> new AddOp());
    FACTORIES.put("dropout", a -> new DropoutOp(a.number("rate")));
    FACTORIES.put("flatten", a -> new FlattenOp());
    FACTORIES.put("softmax_cross_entropy", a -> new SoftmaxCrossEntropyOp());
  }

  private OpRegistry() {}

  static Set<String> allowed() {
    return Collections.unmodifiableSet(FACTORIES.keySet());
  }

  static Op create(String type, Map<String, Object> attrs, String node) {
    Function<Attrs, Op> f = FACTORIES.get(type);
    if (f == null) {
      throw new GraphValidationException("node '" + node + "': unknown op type '" + type + "' (allowed: "
          + String.join(", ", FACTORIES.keySet()) + ")");
    }
    try {
      return f.apply(new Attrs(attrs, "node '" + node + "' (" + type + ")"));
    } catch (GraphValidationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new GraphValidationException("node '" + node + "' (" + type + "): " + e.getMessage(), e);
    }
  }

  /** Typed access to an op's JSON attributes, naming the node and attribute on error. */
  static final class Attrs {
    final Map<String, Object> map;
    final String where;

    Attrs(Map<String, Object> map, String where) {
      this.map = map == null ? Map.of() : map;
      this.where = where;
    }

    private Object required(String key) {
      Object v = map.get(key);
      if (v == null) {
        throw new GraphValidationException(where + ": missing attribute '" + key + "'");
      }
      return v;
    }

    int integer(String key) {
      Object v = required(key);
      if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
        return n.intValue();
      }
      throw new GraphValidationException(where + ": attribute '" + key + "' must be an integer, got " + v);
    }

    double number(String key) {
      Object v = required(key);
      if (v instanceof Number n) {
        return n.doubleValue();
      }
      throw new GraphValidationException(where + ": attribute '" + key + "' must be a number, got " + v);
    }

    String string(String key) {
      return String.valueOf(required(key));
    }

    int[] ints(String key) {
      Object v = required(key);
      if (v instanceof int[] a) {
        return a.clone();
      }
      if (v instanceof java.util.List<?> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
          if (!(list.get(i) instanceof Number n)) {
            throw new GraphValidationException(where + ": attribute '" + key + "' must be a list of integers");
          }
          out[i] = n.intValue();
        }
        return out;
      }
      throw new GraphValidationException(where + ": attribute '" + key + "' must be a list of integers, got " + v);
    }
  }
}
