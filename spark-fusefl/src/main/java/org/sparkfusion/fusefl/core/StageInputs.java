package org.sparkfusion.fusefl.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inputs of a client's stage-k network: the images at stage 0, otherwise the output of the frozen fused blocks
 * below. Those blocks run in inference mode and never change during the stage, so their output is computed
 * once per row and kept (when it fits in {@link #MAX_VALUES} floats) instead of once per row and epoch; the
 * batches are then the same values a per-batch forward pass gives. With flip augmentation alone an image has two
 * possible inputs, so both are cached (twice the values) and each training row picks one with the same draw the
 * uncached path uses. With shift augmentation the training batches are shifted (and maybe mirrored) images sent
 * through the frozen blocks per batch (nothing cached: every epoch sees new inputs).
 */
final class StageInputs {
  /** Largest cache, in float values (400 MB). */
  static final long MAX_VALUES = 100_000_000L;
  private static final int CHUNK = 256;

  private final FusedNetwork below;
  private final int stage;
  private final LocalData data;
  private final float[] cache;
  /** The stage input of each row's mirror image (flip augmentation), or null. */
  private final float[] mirrorCache;
  private final long[] rowShape;
  private final int rowSize;

  private StageInputs(FusedNetwork below, int stage, LocalData data, float[] cache, float[] mirrorCache,
      long[] rowShape, int rowSize) {
    this.below = below;
    this.stage = stage;
    this.data = data;
    this.cache = cache;
    this.mirrorCache = mirrorCache;
    this.rowShape = rowShape;
    this.rowSize = rowSize;
  }

  static StageInputs of(FusedNetwork below, int stage, LocalData data, long maxValues) {
    return of(below, stage, data, maxValues, false);
  }

  /**
   * @param maxValues largest cache in float values (0 = no cache)
   * @param mirrored also cache the inputs of the mirrored images (for flip augmentation without shift)
   */
  static StageInputs of(FusedNetwork below, int stage, LocalData data, long maxValues, boolean mirrored) {
    if (stage == 0 || data.size() == 0) {
      return new StageInputs(below, stage, data, null, null, null, 0);
    }
    int n = data.size();
    int[] order = data.identityOrder();
    INDArray first = below.stageInput(data.batch(order, 0, Math.min(n, CHUNK)), stage);
    long[] shape = first.shape();
    int rowSize = (int) (first.length() / shape[0]);
    if ((long) rowSize * n * (mirrored ? 2 : 1) > maxValues) {
      return new StageInputs(below, stage, data, null, null, null, 0);
    }
    float[] cache = new float[rowSize * n];
    float[] mirrorCache = mirrored ? new float[rowSize * n] : null;
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      INDArray out = from == 0 ? first : below.stageInput(data.batch(order, from, to), stage);
      copyRows(out, cache, from * rowSize, (to - from) * rowSize);
      if (mirrored) {
        copyRows(below.stageInput(data.mirroredBatch(order, from, to), stage), mirrorCache, from * rowSize,
            (to - from) * rowSize);
      }
      OffHeapGuard.check("caching the fused blocks' output");
    }
    long[] rowShape = new long[shape.length];
    System.arraycopy(shape, 1, rowShape, 1, shape.length - 1);
    return new StageInputs(below, stage, data, cache, mirrorCache, rowShape, rowSize);
  }

  /** Copies {@code count} values of {@code a} (row-major) into {@code dst} and frees {@code a}. */
  private static void copyRows(INDArray a, float[] dst, int offset, int count) {
    INDArray c = a.dup('c');
    System.arraycopy(c.data().asFloat(), 0, dst, offset, count);
    Arrays2.close(c, a);
  }

  boolean cached() {
    return cache != null;
  }

  /**
   * The training input of rows {@code rows[from..to)}: {@link #batch} without augmentation, otherwise each image
   * randomly shifted by up to {@code shift} pixels and/or mirrored ({@code flip}, see
   * {@link LocalData#augmentedBatch}) and, above stage 0, passed through the frozen blocks below.
   */
  INDArray trainingBatch(int[] rows, int from, int to, int shift, boolean flip, java.util.SplittableRandom rng) {
    if (shift == 0 && !flip) {
      return batch(rows, from, to);
    }
    if (shift == 0 && mirrorCache != null) {
      // The draw augmentedBatch makes for a flip without shift: one boolean per row, in row order.
      float[] buf = new float[(to - from) * rowSize];
      for (int i = from; i < to; i++) {
        float[] src = rng.nextBoolean() ? mirrorCache : cache;
        System.arraycopy(src, rows[i] * rowSize, buf, (i - from) * rowSize, rowSize);
      }
      return rowBatch(buf, to - from);
    }
    INDArray images = data.augmentedBatch(rows, from, to, shift, flip, rng);
    if (stage == 0) {
      return images;
    }
    INDArray out = below.stageInput(images, stage);
    Arrays2.close(images);
    return out;
  }

  /** The stage input of rows {@code rows[from..to)}. */
  INDArray batch(int[] rows, int from, int to) {
    if (stage == 0) {
      return data.batch(rows, from, to);
    }
    if (cache == null) {
      INDArray images = data.batch(rows, from, to);
      INDArray out = below.stageInput(images, stage);
      Arrays2.close(images);
      return out;
    }
    float[] buf = new float[(to - from) * rowSize];
    for (int i = from; i < to; i++) {
      System.arraycopy(cache, rows[i] * rowSize, buf, (i - from) * rowSize, rowSize);
    }
    return rowBatch(buf, to - from);
  }

  private INDArray rowBatch(float[] buf, int rows) {
    long[] shape = rowShape.clone();
    shape[0] = rows;
    return Nd4j.create(buf, shape, 'c');
  }
}
