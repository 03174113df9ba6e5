package org.sparkfusion.dlrm.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeInteractionTest {

  @Test
  void nativeDotInteractionGivesTheJavaLoopsBits() {
    assertThat(NativeInteraction.unavailableReason()).as("bundled library loads on linux-x86_64").isNull();
    Random rnd = new Random(3);
    for (int[] s : new int[][] {{1, 26, 16}, {15, 26, 16}, {16, 26, 16}, {17, 26, 16}, {2048, 26, 16}, {64, 3, 4},
        {9, 0, 8}, {33, 7, 17}}) {
      for (boolean self : new boolean[] {false, true}) {
        int n = s[0];
        int t = s[1];
        int d = s[2];
        int topIn = d + (t + 1) * (t + (self ? 2 : 0)) / 2;
        float[] x = new float[n * d];
        float[] pooled = new float[n * t * d];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < pooled.length; i++) {
          pooled[i] = (float) rnd.nextGaussian();
        }
        float[] viaJava = new float[n * topIn];
        float[] viaNative = new float[n * topIn];
        DlrmNetwork.interactInJava(Interaction.DOT, self, n, x, pooled, viaJava, d, t, d, topIn);
        assertThat(NativeInteraction.dot(n, t, d, self, x, pooled, viaNative)).isZero();
        assertThat(java.util.Arrays.mismatch(viaNative, viaJava)).as("n=%d t=%d d=%d self=%s", n, t, d, self)
            .isEqualTo(-1);
      }
    }
  }

  @Test
  void sizesThatDoNotFitAreRefusedWithoutWriting() {
    float[] r = new float[9];  // 2 rows x (2 + 3 pairs) = 10 needed
    assertThat(NativeInteraction.dot(2, 2, 2, false, new float[4], new float[8], r)).isEqualTo(-1);
    assertThat(NativeInteraction.dot(2, 2, 2, false, new float[4], new float[8], new float[10])).isZero();
    assertThat(NativeInteraction.dot(1, 2, 2, false, new float[1], new float[4], r)).isEqualTo(-1);
    assertThat(NativeInteraction.dot(1, -1, 2, false, new float[2], new float[4], r)).isEqualTo(-1);
    assertThat(NativeInteraction.dot(Integer.MAX_VALUE, 2, 2, false, new float[4], new float[8], r)).isEqualTo(-1);
    assertThat(r).containsOnly(0f);
  }
}
