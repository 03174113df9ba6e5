package org.sparkfusion.dagtrain;

import java.util.Map;

/**
 * An operator: shape inference, parameters, forward and backward over a batch. Backward adds into the
 * gradient tensors it is given (null for inputs that need no gradient), so fan-out accumulates. Implementations
 * are package-private; users create them through {@link GraphBuilder} or an importer.
 */
abstract class Op {

  /** Op type as written in graph JSON. */
  abstract String type();

  /** Attributes that, with the type, recreate the op (written to JSON). */
  abstract Map<String, Object> attrs();

  abstract int arity();

  /** Validates input types and returns the output type; throws IllegalArgumentException explaining what is wrong. */
  abstract TensorType infer(TensorType[] in);

  ParamSpec[] params(TensorType[] in) {
    return new ParamSpec[0];
  }

  abstract Tensor forward(Tensor[] in, Tensor[] p, OpCache cache, RunContext ctx, String node);

  abstract void backward(Tensor gradOut, Tensor[] in, Tensor[] p, OpCache cache, Tensor[] gradIn, Tensor[] gradP);

  /** Forward floating point operations per sample. */
  abstract long flops(TensorType[] in, TensorType out);

  /** Whether the output is the training loss (a scalar over the batch). */
  boolean isLoss() {
    return false;
  }

  static int[] batchShape(int batch, int[] sampleShape) {
    int[] s = new int[sampleShape.length + 1];
    s[0] = batch;
    System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
    return s;
  }

  static void require(boolean cond, String message) {
    if (!cond) {
      throw new IllegalArgumentException(message);
    }
  }
}
