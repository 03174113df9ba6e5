package org.sparkfusion.upmem;

import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * int32 fixed point of the tables in MRAM: q = rint(w * scale). With |q| <= 2^29 a pair sum fits int32 and the
 * DPU's int64 accumulation cannot overflow for any bag below 2^33 rows. Pooled error per value <= bag size *
 * 0.5 / scale (plus the final float rounding).
 */
final class FixedPoint {
  static final double Q_LIMIT = 1 << 29;

  final double scale;

  FixedPoint(double scale) {
    this.scale = scale;
  }

  static double maxAbs(EmbeddingTables tables) {
    double m = 0;
    for (int t = 0; t < tables.numTables(); t++) {
      float[] a = tables.weights(t);
      int from = tables.rowBase(t);
      long to = from + tables.rows(t) * tables.dim();
      for (int i = from; i < to; i++) {
        float w = a[i];
        if (!Float.isFinite(w)) {
          throw new IllegalArgumentException("embedding table " + t + " holds a non-finite weight (" + w + ")");
        }
        m = Math.max(m, Math.abs(w));
      }
    }
    return m;
  }

  /** From the configured value ('auto' or a number) and the tables' largest |weight|. */
  static FixedPoint of(String configured, double maxAbs) {
    double scale;
    if (configured == null || configured.trim().equalsIgnoreCase("auto")) {
      scale = maxAbs == 0 ? (1 << 24) : Math.min(0x1p50, Math.pow(2, Math.floor(Math.log(Q_LIMIT / maxAbs) / Math.log(2))));
    } else {
      try {
        scale = Double.parseDouble(configured.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(UpmemConfig.FIXED_POINT_SCALE.key() + "=" + configured
            + " is neither 'auto' nor a number", e);
      }
      if (!(scale > 0) || maxAbs * scale > Q_LIMIT) {
        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
            "%s=%s: the largest |weight| %.6g times the scale must stay <= 2^29 (%.0f) and the scale positive",
            UpmemConfig.FIXED_POINT_SCALE.key(), configured, maxAbs, Q_LIMIT));
      }
    }
    return new FixedPoint(scale);
  }

  int quantize(float w) {
    return (int) Math.rint(w * scale);
  }
}
