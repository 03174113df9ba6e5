package org.sparkfusion.dagtrain;

import java.util.List;

/** One operator in the graph with its input node names, inferred output type and parameters. */
record Node(String name, Op op, List<String> inputs, TensorType output, ParamSpec[] params) {

  long paramCount() {
    long n = 0;
    for (ParamSpec p : params) {
      n += p.elements();
    }
    return n;
  }

  boolean isInput() {
    return op instanceof InputOp;
  }

  String describe() {
    return "'" + name + "' (" + op.type() + ")";
  }
}
