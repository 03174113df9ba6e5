package org.sparkfusion.dagtrain;

import java.util.SplittableRandom;

/** A trainable parameter of an operator: name, shape and initialisation. */
record ParamSpec(String name, int[] shape, Init init, double scale) {

  enum Init { ZEROS, ONES, NORMAL }

  static ParamSpec zeros(String name, int... shape) {
    return new ParamSpec(name, shape, Init.ZEROS, 0);
  }

  static ParamSpec ones(String name, int... shape) {
    return new ParamSpec(name, shape, Init.ONES, 0);
  }

  static ParamSpec normal(String name, double std, int... shape) {
    return new ParamSpec(name, shape, Init.NORMAL, std);
  }

  int elements() {
    return Tensor.size(shape);
  }

  /** Deterministic from (seed, node, parameter), so every placement of the node starts identically. */
  Tensor initialise(long seed, String node) {
    Tensor t = Tensor.zeros(shape);
    switch (init) {
      case ONES -> java.util.Arrays.fill(t.data, 1.0);
      case NORMAL -> {
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, node + "/" + name));
        for (int i = 0; i < t.data.length; i++) {
          t.data[i] = gaussian(r) * scale;
        }
      }
      default -> { }
    }
    return t;
  }

  static double gaussian(SplittableRandom r) {
    double u1 = r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
  }
}
