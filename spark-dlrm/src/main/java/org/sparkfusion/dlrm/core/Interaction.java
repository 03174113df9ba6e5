package org.sparkfusion.dlrm.core;

import java.util.Locale;

/** How the bottom-MLP output and the pooled embeddings are combined before the top MLP. */
public enum Interaction {
  /** Pairwise dot products over the strictly lower triangle (or including the diagonal with self-interaction). */
  DOT,
  /** Plain concatenation. */
  CAT;

  /** Parses {@code dot} or {@code cat}, naming {@code what} on error. */
  public static Interaction parse(String s, String what) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": unknown interaction '" + s + "' (expected dot or cat)", e);
    }
  }
}
