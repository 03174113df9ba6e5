package org.sparkfusion.dagtrain;

/**
 * Compression of one pipeline link: activations forward, gradients backward, each with or without error
 * feedback. AdaTopK's encodings come from the wire fraction the planner chose ({@link AdaptiveLadder}).
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
   * The compression of one planned link: AdaTopK at the wire fraction the planner chose for it ({@code activationFeedback}
   * for activations), or the fixed setting with {@code errorFeedback} both ways.
   */
  static LinkCompression forLink(Compression c, double activationFraction, boolean errorFeedback) {
    return c.adaptive() ? adaptive(activationFraction, errorFeedback) : fixed(c, errorFeedback);
  }

  /**
   * AdaTopK with activations at wire fraction {@code wire} (the planner's choice): the ladder's encoding for it and
   * for the gradients ({@link AdaptiveLadder}); 1 sends dense fp32. Error feedback: always on top-k gradients, on
   * top-k activations only when configured, never on fp16/int8 (their rounding error is below what it could
   * correct).
   */
  static LinkCompression adaptive(double wire, boolean activationFeedback) {
    Compressor act = AdaptiveLadder.compressor(wire);
    Compressor grad = AdaptiveLadder.compressor(AdaptiveLadder.gradientWire(wire));
    return new LinkCompression(new Compression.AdaTopK(), act, grad,
        activationFeedback && act instanceof Compressor.TopK, grad instanceof Compressor.TopK);
  }

  double activationFraction() {
    return activations.fraction();
  }
}
