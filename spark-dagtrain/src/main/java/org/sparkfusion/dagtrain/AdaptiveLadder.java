package org.sparkfusion.dagtrain;

/**
 * AdaTopK's rule for one link: the planner picks a wire fraction w (bytes on the wire over fp32's bytes) that keeps
 * the link off the critical path, and the ladder turns it into the least lossy encoding of that size, precision
 * before sparsity:
 * <ul>
 *   <li>w = 1: dense fp32;</li>
 *   <li>w = 1/2: fp16, every entry;</li>
 *   <li>w = 1/4: int8 with a per-tensor scale, every entry;</li>
 *   <li>w below 1/4: top-k with fp16 values, the kept fraction f whose bytes are w (never below the configured
 *       minimum fraction).</li>
 * </ul>
 * Why: dropping entries changes the function the downstream stages train on, rounding them hardly does. Measured
 * in process on gpt-tiny over 120 steps (CompressionStudy), fp16 and int8 activations and gradients gave the dense
 * loss curve to 3 decimals at 1/2 and 1/4 of the bytes, while top-k at 0.3 (about int8's bytes) ended at 3.08
 * against 2.80 and top-k at 0.1, the old rule's usual choice on a slow link, at 3.39. Gradients get the same rung
 * while it is a quantisation; in the top-k range they keep twice the activations' fraction (compressed more gently,
 * as the model-parallel compression literature advises), at most int8's bytes.
 */
final class AdaptiveLadder {
  static final double FP16 = 0.5;
  static final double INT8 = 0.25;
  /** The top-k fraction whose bytes equal int8's: 2f + 0.125 = 1. */
  static final double TOPK_AT_INT8 = topkFraction(INT8);

  private AdaptiveLadder() {}

  /** Wire fraction of top-k at kept fraction f (fp16 values plus compact indices, {@link CostModel#topkBytesPerEntry}). */
  static double topkWire(double f) {
    return CostModel.topkBytesPerEntry(f) / 4;
  }

  /** The kept fraction whose top-k message has wire fraction w (the inverse of {@link #topkWire}). */
  static double topkFraction(double w) {
    double b = 4 * w;
    // bytes are 3.5 f while the index bitmap is cheaper than 1.5 bytes per kept entry (f <= 1/12), 2 f + 1/8 above
    return b <= 3.5 / 12 ? b / 3.5 : (b - 0.125) / 2;
  }

  /** The smallest wire fraction the ladder may use: top-k at the minimum kept fraction. */
  static double minWire(double minFraction) {
    return Math.min(INT8, topkWire(minFraction));
  }

  /** w snapped down to the rung that encodes it: 1, 1/2, 1/4, or a top-k wire fraction. */
  static double rung(double w) {
    return w >= 1 ? 1 : w >= FP16 ? FP16 : w >= INT8 ? INT8 : w;
  }

  /** The gradients' wire fraction for activations at w. */
  static double gradientWire(double w) {
    double r = rung(w);
    if (r >= INT8) {
      return r;
    }
    double f = Math.min(1, 2 * topkFraction(r));
    return f >= TOPK_AT_INT8 ? INT8 : topkWire(f);
  }

  /** The encoder of a (snapped) wire fraction. */
  static Compressor compressor(double w) {
    double r = rung(w);
    if (r >= 1) {
      return new Compressor.Dense();
    }
    if (r >= FP16) {
      return new Compressor.Fp16();
    }
    if (r >= INT8) {
      return new Compressor.Int8();
    }
    return new Compressor.TopK(topkFraction(r));
  }

  /** fp32, fp16, int8 or topk:F, for plans and reports. */
  static String label(double w) {
    double r = rung(w);
    if (r >= 1) {
      return "fp32";
    }
    if (r >= FP16) {
      return "fp16";
    }
    if (r >= INT8) {
      return "int8";
    }
    return String.format(java.util.Locale.ROOT, "topk:%.3f", topkFraction(r));
  }
}
