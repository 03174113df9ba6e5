package org.sparkfusion.dagtrain;

/** Deterministic seed mixing (SplitMix64 finaliser) so random choices do not depend on placement. */
final class Seeds {
  private Seeds() {}

  static long mix(long seed, String key) {
    long h = seed;
    for (int i = 0; i < key.length(); i++) {
      h = mix64(h ^ key.charAt(i));
    }
    return mix64(h);
  }

  static long mix(long a, long b) {
    return mix64(a * 0x9E3779B97F4A7C15L + b);
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
