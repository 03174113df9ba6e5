package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassStatisticsTest {
  @Test
  void mergedStatisticsEqualStatisticsOfAllRows() {
    Random r = new Random(3);
    ClassStatistics a = new ClassStatistics(2, 3);
    ClassStatistics b = new ClassStatistics(2, 3);
    ClassStatistics all = new ClassStatistics(2, 3);
    for (int i = 0; i < 200; i++) {
      float[] f = {r.nextFloat(), r.nextFloat() * 2, r.nextFloat() - 1};
      int label = i % 2;
      (i < 70 ? a : b).add(f, 0, label);
      all.add(f, 0, label);
    }
    a.merge(ClassStatistics.fromBytes(b.toBytes()));
    for (int c = 0; c < 2; c++) {
      assertThat(a.count(c)).isEqualTo(all.count(c));
      double[] ca = a.covariance(c);
      double[] call = all.covariance(c);
      for (int i = 0; i < ca.length; i++) {
        // b's second moments travel as float32
        assertThat(ca[i]).isCloseTo(call[i], offset(1e-6));
      }
    }
  }

  @Test
  void virtualFeaturesFollowTheClassMoments() {
    Random r = new Random(4);
    ClassStatistics s = new ClassStatistics(2, 2);
    for (int i = 0; i < 5000; i++) {
      s.add(new float[] {(float) (3 + r.nextGaussian()), (float) (-1 + 0.5 * r.nextGaussian())}, 0, 1);
    }
    float[][] out = new float[1][];
    int[] labels = s.sample(4000, 9, out);
    assertThat(labels).hasSize(4000).containsOnly(1);
    double m0 = 0;
    double m1 = 0;
    for (int i = 0; i < 4000; i++) {
      m0 += out[0][2 * i] / 4000.0;
      m1 += out[0][2 * i + 1] / 4000.0;
    }
    assertThat(m0).isCloseTo(3, offset(0.1));
    assertThat(m1).isCloseTo(-1, offset(0.05));
  }

  @Test
  void calibrationTrainingSeparatesWellSeparatedClasses() {
    ClassStatistics s = new ClassStatistics(2, 2);
    Random r = new Random(5);
    for (int i = 0; i < 1000; i++) {
      s.add(new float[] {(float) (2 + r.nextGaussian() * 0.3), 0f}, 0, 0);
      s.add(new float[] {(float) (-2 + r.nextGaussian() * 0.3), 0f}, 0, 1);
    }
    float[][] feats = new float[1][];
    int[] labels = s.sample(500, 1, feats);
    SoftmaxHead head = new SoftmaxHead(2, 2);
    head.train(feats[0], labels, 2, 32, 0.1, 0.9, 1);
    assertThat(head.probabilities(new float[] {2f, 0f}, 0)[0]).isGreaterThan(0.9);
    assertThat(head.probabilities(new float[] {-2f, 0f}, 0)[1]).isGreaterThan(0.9);
  }

  @Test
  void batchedAdditionEqualsRowByRowAddition() {
    Random r = new Random(6);
    int rows = 50;
    float[] f = new float[rows * 3];
    int[] labels = new int[rows + 5];
    ClassStatistics one = new ClassStatistics(3, 3);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 3; j++) {
        f[i * 3 + j] = r.nextFloat() - 0.3f;
      }
      labels[5 + i] = (i * 7) % 3;
      one.add(f, i * 3, labels[5 + i]);
    }
    ClassStatistics batched = new ClassStatistics(3, 3);
    batched.addAll(f, rows, labels, 5);
    for (int c = 0; c < 3; c++) {
      assertThat(batched.count(c)).isEqualTo(one.count(c));
      assertThat(batched.mean(c)).containsExactly(one.mean(c), offset(1e-9));
      assertThat(batched.covariance(c)).containsExactly(one.covariance(c), offset(1e-9));
    }
  }

  @Test
  void virtualFeaturesFollowTheClassCovariance() {
    Random r = new Random(7);
    ClassStatistics s = new ClassStatistics(1, 2);
    for (int i = 0; i < 20000; i++) {
      double a = r.nextGaussian();
      double b = r.nextGaussian();
      s.add(new float[] {(float) a, (float) (0.8 * a + 0.6 * b)}, 0, 0);
    }
    float[][] out = new float[1][];
    s.sample(20000, 11, out);
    ClassStatistics virtual = new ClassStatistics(1, 2);
    for (int i = 0; i < 20000; i++) {
      virtual.add(out[0], 2 * i, 0);
    }
    assertThat(virtual.covariance(0)).containsExactly(new double[] {1, 0.8, 0.8, 1}, offset(0.05));
  }

  @Test
  void wireFormatIsFloat32UpperTrianglesOfPresentClassesAndKeepsTheCalibrationSamples() {
    Random r = new Random(9);
    int dim = 20;
    ClassStatistics s = new ClassStatistics(3, dim);
    for (int i = 0; i < 600; i++) {
      float[] f = new float[dim];
      for (int j = 0; j < dim; j++) {
        f[j] = (float) (j % 3 + r.nextGaussian() * (1 + j % 2) + (j > 0 ? 0.5 * f[j - 1] : 0));
      }
      s.add(f, 0, i % 2); // class 2 absent
    }
    byte[] wire = s.toBytes();
    int triangle = dim * (dim + 1) / 2;
    assertThat(wire.length).isEqualTo(8 + 3 * 8 + 3 * dim * 8 + 2 * triangle * 4);
    ClassStatistics back = ClassStatistics.fromBytes(wire);
    for (int c = 0; c < 3; c++) {
      assertThat(back.count(c)).isEqualTo(s.count(c));
    }
    for (int c = 0; c < 2; c++) {
      double[] a = s.covariance(c);
      double[] b = back.covariance(c);
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).isCloseTo(a[i], offset(1e-4 * (1 + Math.abs(a[i]))));
      }
    }
    float[][] fromOriginal = new float[1][];
    float[][] fromWire = new float[1][];
    int[] la = s.sample(300, 11, fromOriginal);
    int[] lb = back.sample(300, 11, fromWire);
    assertThat(lb).containsExactly(la);
    double maxDiff = 0;
    for (int i = 0; i < fromOriginal[0].length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(fromOriginal[0][i] - fromWire[0][i]));
    }
    assertThat(maxDiff).isLessThan(1e-2);
  }
}
