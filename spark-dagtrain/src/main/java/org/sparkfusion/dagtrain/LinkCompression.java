package org.sparkfusion.dagtrain;

/**
 * Compression of one pipeline link: activations forward, gradients backward, each with or without error
 * feedback. AdaTopK gives gradients a kept fraction of min(1, 2 x the activation fraction) (gradients are
 * compressed more gently than activations) and always feeds the dropped part of a gradient back into the next
 * gradient message of that tensor; activations get error feedback only when it is configured.
 */
record LinkCompression(Compression setting, Compressor activations, Compressor gradients, boolean activationFeedback,
    boolean gradientFeedback) {

  static LinkCompression none() {
    return new LinkCompression(new Compression.None(), new Compressor.Dense(), new Compressor.Dense(), false, false);
  }

  /** For the fixed settings none, topk:F, randomk:F and int8 (same compressor and feedback both ways). */
  static LinkCompression fixed(Compression c, boolean errorFeedback) {
    return new LinkCompression(c, c.compressor(), c.compressor(), errorFeedback, errorFeedback);
  }

  /**
   * The compression of one planned link: AdaTopK at the fraction the planner chose for it ({@code activationFeedback}
   * for activations), or the fixed setting with {@code errorFeedback} both ways.
   */
  static LinkCompression forLink(Compression c, double activationFraction, boolean errorFeedback) {
    return c.adaptive() ? adaptive(activationFraction, errorFeedback) : fixed(c, errorFeedback);
  }

  /** AdaTopK at a given activation fraction; a fraction of 1 sends dense fp32. */
  static LinkCompression adaptive(double fraction, boolean activationFeedback) {
    if (fraction >= 1) {
      return new LinkCompression(new Compression.AdaTopK(), new Compressor.Dense(), new Compressor.Dense(), false, false);
    }
    return new LinkCompression(new Compression.AdaTopK(), new Compressor.TopK(fraction),
        new Compressor.TopK(Math.min(1, 2 * fraction)), activationFeedback, true);
  }

  double activationFraction() {
    return activations.fraction();
  }
}
