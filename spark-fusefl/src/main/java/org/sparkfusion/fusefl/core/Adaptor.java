package org.sparkfusion.fusefl.core;

import java.util.Locale;

/** How the outputs of all clients' fused block k feed client m's block k+1. */
public enum Adaptor {
  /** A trained 1x1 convolution (with bias) from the channel concatenation of all branches. */
  CONV1X1,
  /** The parameter-free element-wise mean of all branches (needs equal channel counts). */
  AVG;

  public static Adaptor parse(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "conv1x1":
        return CONV1X1;
      case "avg":
        return AVG;
      default:
        throw new IllegalArgumentException("adaptor must be conv1x1 or avg, got " + name);
    }
  }

  public String paramValue() {
    return this == CONV1X1 ? "conv1x1" : "avg";
  }
}
