package org.sparkfusion.dagtrain;

/**
 * Compression of one pipeline link: activations forward, gradients backward. AdaTopK gives gradients a kept
 * fraction of min(1, 2 x the activation fraction): gradients are compressed more gently than activations.
 */
record LinkCompression(String setting, Compressor activations, Compressor gradients, boolean errorFeedback) {

  static LinkCompression none() {
    return new LinkCompression("none", new Compressor.Dense(), new Compressor.Dense(), false);
  }

  /** For the fixed settings none, topk:F, randomk:F and int8 (same compressor both ways). */
  static LinkCompression fixed(String spec, boolean errorFeedback) {
    return new LinkCompression(spec, Compressor.parse(spec), Compressor.parse(spec), errorFeedback);
  }

  /** AdaTopK at a given activation fraction; a fraction of 1 sends dense fp32. */
  static LinkCompression adaptive(double fraction, boolean errorFeedback) {
    if (fraction >= 1) {
      return new LinkCompression("adatopk", new Compressor.Dense(), new Compressor.Dense(), errorFeedback);
    }
    return new LinkCompression("adatopk", new Compressor.TopK(fraction),
        new Compressor.TopK(Math.min(1, 2 * fraction)), errorFeedback);
  }

  double activationFraction() {
    return activations.fraction();
  }
}
