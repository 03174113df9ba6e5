package org.sparkfusion.dagtrain;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;

/**
 * The compression setting of a run's links, parsed once where the text enters ({@link #parse}) and passed on typed:
 * dense float32, a fixed compressor (top-k, random-k, int8) on every link, or AdaTopK, whose per-link fraction the
 * planner chooses. {@link #label()} gives back the canonical text (reports, plans, logs).
 */
sealed interface Compression extends Serializable {
  /** Float32, nothing dropped. */
  record None() implements Compression { }

  /** The largest magnitudes, a fraction {@code fraction} of the entries, fp16 values. */
  record TopK(double fraction) implements Compression {
    public TopK {
      checkFraction(fraction, "topk");
    }
  }

  /** A seeded random choice of {@code fraction} of the entries, fp16 values. */
  record RandomK(double fraction) implements Compression {
    public RandomK {
      checkFraction(fraction, "randomk");
    }
  }

  /** Per-tensor int8 scale. */
  record Int8() implements Compression { }

  /** Adaptive top-k: the planner keeps each link as dense as it can without making it the bottleneck. */
  record AdaTopK() implements Compression { }

  /** The accepted forms, for help text and error messages. */
  List<String> NAMES = List.of("none", "topk:F", "randomk:F", "int8", "adatopk");

  static List<String> names() {
    return NAMES;
  }

  /**
   * none | topk:F | randomk:F | int8 | adatopk (case and surrounding spaces ignored; F in (0,1]). Throws
   * IllegalArgumentException naming the value and the allowed forms.
   */
  static Compression parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("compression missing (expected none, topk:F, randomk:F, int8 or adatopk)");
    }
    String s = text.trim().toLowerCase();
    if (s.equals("none")) {
      return new None();
    }
    if (s.equals("int8")) {
      return new Int8();
    }
    if (s.equals("adatopk")) {
      return new AdaTopK();
    }
    if (s.startsWith("topk:")) {
      return new TopK(fractionOf(s, text));
    }
    if (s.startsWith("randomk:")) {
      return new RandomK(fractionOf(s, text));
    }
    throw new IllegalArgumentException("unknown compression '" + text + "' (expected none, topk:F, randomk:F, int8 or"
        + " adatopk)");
  }

  private static double fractionOf(String s, String text) {
    double f;
    try {
      f = Double.parseDouble(s.substring(s.indexOf(':') + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("compression '" + text + "': fraction is not a number");
    }
    if (!(f > 0 && f <= 1)) {
      throw new IllegalArgumentException("compression '" + text + "': fraction must be in (0,1]");
    }
    return f;
  }

  private static void checkFraction(double f, String name) {
    if (!(f > 0 && f <= 1)) {
      throw new IllegalArgumentException("compression " + name + ": fraction must be in (0,1], got " + f);
    }
  }

  /** The canonical text: none, topk:0.1, randomk:0.25, int8, adatopk. */
  default String label() {
    if (this instanceof TopK t) {
      return "topk:" + plain(t.fraction());
    }
    if (this instanceof RandomK r) {
      return "randomk:" + plain(r.fraction());
    }
    return this instanceof Int8 ? "int8" : this instanceof AdaTopK ? "adatopk" : "none";
  }

  private static String plain(double f) {
    return BigDecimal.valueOf(f).stripTrailingZeros().toPlainString();
  }

  /** True for AdaTopK, whose links the planner compresses one by one. */
  default boolean adaptive() {
    return this instanceof AdaTopK;
  }

  /**
   * The fraction of entries a fixed setting keeps as the cost model counts it (1 for none and int8). AdaTopK has no
   * fixed fraction: its links are costed dense unless the planner compresses them.
   */
  default double fixedFraction() {
    if (this instanceof TopK t) {
      return t.fraction();
    }
    return this instanceof RandomK r ? r.fraction() : 1;
  }

  /** The compressor of a fixed setting; AdaTopK's are built per link ({@link LinkCompression#forLink}). */
  default Compressor compressor() {
    if (this instanceof TopK t) {
      return new Compressor.TopK(t.fraction());
    }
    if (this instanceof RandomK r) {
      return new Compressor.RandomK(r.fraction());
    }
    if (this instanceof Int8) {
      return new Compressor.Int8();
    }
    if (this instanceof AdaTopK) {
      throw new IllegalArgumentException("compression 'adatopk' is chosen per link by the planner, it is not a fixed"
          + " compressor (expected none, topk:F, randomk:F or int8)");
    }
    return new Compressor.Dense();
  }
}
