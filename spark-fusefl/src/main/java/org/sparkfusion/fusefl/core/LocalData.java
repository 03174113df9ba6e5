package org.sparkfusion.fusefl.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One client's images (row-major, channels first, values in [0,1]) and labels, held in memory by its task. */
public final class LocalData {
  private final ImageShape shape;
  private final float[] features;
  private final int[] labels;

  public LocalData(ImageShape shape, float[] features, int[] labels) {
    if (features.length != (long) labels.length * shape.size()) {
      throw new IllegalArgumentException("features hold " + features.length + " values, expected "
          + labels.length + " rows x " + shape.size());
    }
    this.shape = shape;
    this.features = features;
    this.labels = labels;
  }

  public int size() {
    return labels.length;
  }

  public ImageShape shape() {
    return shape;
  }

  public int[] labels() {
    return labels;
  }

  /** Rows {@code rows} as an NCHW float array. */
  public INDArray batch(int[] rows, int from, int to) {
    int d = shape.size();
    float[] buf = new float[(to - from) * d];
    for (int i = from; i < to; i++) {
      System.arraycopy(features, rows[i] * d, buf, (i - from) * d, d);
    }
    return Nd4j.create(buf, new long[] {to - from, shape.channels(), shape.height(), shape.width()}, 'c');
  }

  /**
   * Rows {@code rows[from..to)} as an NCHW float array, each image moved by its own random offset in
   * [-shift, shift] per axis (pixels moved out are dropped, pixels moved in are 0). Same rng state, same batch.
   */
  public INDArray shiftedBatch(int[] rows, int from, int to, int shift, java.util.SplittableRandom rng) {
    return augmentedBatch(rows, from, to, shift, false, rng);
  }

  /**
   * Rows {@code rows[from..to)} as an NCHW float array, each image augmented with its own random draws: moved by
   * an offset in [-shift, shift] per axis (pixels moved out are dropped, pixels moved in are 0; no draw when
   * {@code shift} is 0), then, with {@code flip}, mirrored left-right with probability 1/2 (one draw). The
   * draws come from {@code rng} in row order, dy, dx, flip, so the same rng state gives the same batch (a
   * retried task repeats its run) and, without flip, the same batch as {@link #shiftedBatch}.
   */
  public INDArray augmentedBatch(int[] rows, int from, int to, int shift, boolean flip,
      java.util.SplittableRandom rng) {
    int c = shape.channels();
    int h = shape.height();
    int w = shape.width();
    int d = shape.size();
    float[] buf = new float[(to - from) * d];
    for (int i = from; i < to; i++) {
      int dy = 0;
      int dx = 0;
      if (shift > 0) {
        dy = rng.nextInt(2 * shift + 1) - shift;
        dx = rng.nextInt(2 * shift + 1) - shift;
      }
      boolean mirror = flip && rng.nextBoolean();
      int src = rows[i] * d;
      int dst = (i - from) * d;
      int x0 = Math.max(0, dx);
      int x1 = Math.min(w, w + dx);
      if (x1 <= x0) {
        continue;
      }
      for (int ch = 0; ch < c; ch++) {
        for (int y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
          System.arraycopy(features, src + (ch * h + y - dy) * w + x0 - dx, buf, dst + (ch * h + y) * w + x0, x1 - x0);
        }
      }
      if (mirror) {
        for (int row = dst; row < dst + d; row += w) {
          for (int a = row, b = row + w - 1; a < b; a++, b--) {
            float t = buf[a];
            buf[a] = buf[b];
            buf[b] = t;
          }
        }
      }
    }
    return Nd4j.create(buf, new long[] {to - from, c, h, w}, 'c');
  }

  /** Rows {@code rows[from..to)} as an NCHW float array, every image mirrored left-right. */
  public INDArray mirroredBatch(int[] rows, int from, int to) {
    int w = shape.width();
    int d = shape.size();
    float[] buf = new float[(to - from) * d];
    for (int i = from; i < to; i++) {
      int src = rows[i] * d;
      int dst = (i - from) * d;
      for (int row = 0; row < d; row += w) {
        for (int x = 0; x < w; x++) {
          buf[dst + row + x] = features[src + row + w - 1 - x];
        }
      }
    }
    return Nd4j.create(buf, new long[] {to - from, shape.channels(), shape.height(), shape.width()}, 'c');
  }

  /** One-hot labels of rows {@code rows[from..to)}. */
  public INDArray oneHot(int[] rows, int from, int to, int numClasses) {
    float[] buf = new float[(to - from) * numClasses];
    for (int i = from; i < to; i++) {
      buf[(i - from) * numClasses + labels[rows[i]]] = 1f;
    }
    return Nd4j.create(buf, new long[] {to - from, numClasses}, 'c');
  }

  public int[] identityOrder() {
    int[] rows = new int[labels.length];
    Arrays.setAll(rows, i -> i);
    return rows;
  }
}
