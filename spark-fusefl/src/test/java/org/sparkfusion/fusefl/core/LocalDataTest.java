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
}
