package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class LocalDataTest {
  private static final ImageShape SHAPE = new ImageShape(2, 5, 6);

  /** Image r holds value 1000 r + 100 c + 10 y + x at (c, y, x) plus one, so every pixel is identifiable. */
  private static LocalData data(int rows) {
    float[] f = new float[rows * SHAPE.size()];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < 5; y++) {
          for (int x = 0; x < 6; x++) {
            f[r * SHAPE.size() + (c * 5 + y) * 6 + x] = 1 + 1000 * r + 100 * c + 10 * y + x;
          }
        }
      }
    }
    return new LocalData(SHAPE, f, new int[rows]);
  }

  @Test
  void shiftedBatchMovesEachImageByItsOwnOffsetWithZeroFill() {
    LocalData d = data(40);
    int[] order = d.identityOrder();
    int shift = 2;
    INDArray b = d.shiftedBatch(order, 3, 40, shift, new SplittableRandom(5));
    SplittableRandom rng = new SplittableRandom(5);
    boolean sawNonZeroShift = false;
    for (int i = 3; i < 40; i++) {
      int dy = rng.nextInt(2 * shift + 1) - shift;
      int dx = rng.nextInt(2 * shift + 1) - shift;
      sawNonZeroShift |= dx != 0 || dy != 0;
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < 5; y++) {
          for (int x = 0; x < 6; x++) {
            int sy = y - dy;
            int sx = x - dx;
            float want = sy < 0 || sy >= 5 || sx < 0 || sx >= 6 ? 0 : 1 + 1000 * i + 100 * c + 10 * sy + sx;
            assertThat(b.getFloat(i - 3, c, y, x)).as("row %d c %d y %d x %d (dy %d dx %d)", i, c, y, x, dy, dx)
                .isEqualTo(want);
          }
        }
      }
    }
    assertThat(sawNonZeroShift).isTrue();
  }

  @Test
  void shiftZeroIsThePlainBatch() {
    LocalData d = data(7);
    int[] order = {6, 2, 0, 5, 1, 3, 4};
    assertThat(d.shiftedBatch(order, 1, 6, 0, new SplittableRandom(1))).isEqualTo(d.batch(order, 1, 6));
  }

  @Test
  void flipMirrorsAboutHalfTheImagesLeftRightDeterministically() {
    LocalData d = data(60);
    int[] order = d.identityOrder();
    INDArray b = d.augmentedBatch(order, 0, 60, 0, true, new SplittableRandom(9));
    assertThat(d.augmentedBatch(order, 0, 60, 0, true, new SplittableRandom(9))).as("same rng, same batch").isEqualTo(b);
    SplittableRandom rng = new SplittableRandom(9);
    int mirrored = 0;
    for (int i = 0; i < 60; i++) {
      boolean m = rng.nextBoolean();
      mirrored += m ? 1 : 0;
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < 5; y++) {
          for (int x = 0; x < 6; x++) {
            int sx = m ? 5 - x : x;
            assertThat(b.getFloat(i, c, y, x)).as("row %d c %d y %d x %d (mirrored %s)", i, c, y, x, m)
                .isEqualTo(1 + 1000 * i + 100 * c + 10 * y + sx);
          }
        }
      }
    }
    assertThat(mirrored).isBetween(15, 45);
  }

  @Test
  void flipAfterShiftAndShiftAloneDrawsAsBefore() {
    LocalData d = data(30);
    int[] order = d.identityOrder();
    // Without flip the draws (and so the batches) are those of the shift-only augmentation.
    assertThat(d.augmentedBatch(order, 0, 30, 2, false, new SplittableRandom(3)))
        .isEqualTo(d.shiftedBatch(order, 0, 30, 2, new SplittableRandom(3)));
    INDArray b = d.augmentedBatch(order, 0, 30, 1, true, new SplittableRandom(4));
    SplittableRandom rng = new SplittableRandom(4);
    for (int i = 0; i < 30; i++) {
      int dy = rng.nextInt(3) - 1;
      int dx = rng.nextInt(3) - 1;
      boolean m = rng.nextBoolean();
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 6; x++) {
          int ux = m ? 5 - x : x; // position in the shifted image
          int sy = y - dy;
          int sx = ux - dx;
          float want = sy < 0 || sy >= 5 || sx < 0 || sx >= 6 ? 0 : 1 + 1000 * i + 100 + 10 * sy + sx;
          assertThat(b.getFloat(i, 1, y, x)).as("row %d y %d x %d", i, y, x).isEqualTo(want);
        }
      }
    }
  }
}
