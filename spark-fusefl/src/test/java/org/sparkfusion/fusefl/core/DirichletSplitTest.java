package org.sparkfusion.fusefl.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DirichletSplitTest {
  private static int[] labels(int n, int classes) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % classes;
    }
    return y;
  }

  /** Mean over clients of the entropy (nats) of their class distribution. */
  private static double meanClientEntropy(long[][] counts) {
    double total = 0;
    for (long[] client : counts) {
      long n = Arrays.stream(client).sum();
      double h = 0;
      for (long c : client) {
        if (c > 0) {
          double p = (double) c / n;
          h -= p * Math.log(p);
        }
      }
      total += h;
    }
    return total / counts.length;
  }

  @Test
  void sameSeedGivesSameSplit() {
    int[] y = labels(5000, 10);
    assertThat(DirichletSplit.assign(y, 10, 5, 0.3, 7, 10)).isEqualTo(DirichletSplit.assign(y, 10, 5, 0.3, 7, 10));
  }

  @Test
  void differentSeedsGiveDifferentSplits() {
    int[] y = labels(5000, 10);
    assertThat(DirichletSplit.assign(y, 10, 5, 0.3, 7, 10)).isNotEqualTo(DirichletSplit.assign(y, 10, 5, 0.3, 8, 10));
  }

  @Test
  void everyClientGetsAtLeastTheMinimumAndEveryRowIsAssigned() {
    int[] y = labels(3000, 10);
    int[] a = DirichletSplit.assign(y, 10, 10, 0.1, 3, 10);
    long[][] counts = DirichletSplit.counts(y, a, 10, 10);
    long total = 0;
    for (long[] c : counts) {
      long n = Arrays.stream(c).sum();
      assertThat(n).isGreaterThanOrEqualTo(10);
      total += n;
    }
    assertThat(total).isEqualTo(3000);
  }

  @Test
  void smallerAlphaMeansStrongerLabelSkew() {
    int[] y = labels(20000, 10);
    double skewed = meanClientEntropy(DirichletSplit.counts(y, DirichletSplit.assign(y, 10, 5, 0.1, 1, 10), 10, 5));
    double mild = meanClientEntropy(DirichletSplit.counts(y, DirichletSplit.assign(y, 10, 5, 0.5, 1, 10), 10, 5));
    double nearIid = meanClientEntropy(DirichletSplit.counts(y, DirichletSplit.assign(y, 10, 5, 100, 1, 10), 10, 5));
    assertThat(skewed).isLessThan(mild);
    assertThat(mild).isLessThan(nearIid);
    assertThat(nearIid).isGreaterThan(0.95 * Math.log(10));
  }

  @Test
  void dirichletDrawsAverageToUniformProportions() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    double[] mean = new double[4];
    int draws = 20000;
    for (int i = 0; i < draws; i++) {
      double[] p = DirichletSplit.dirichlet(0.3, 4, rng);
      assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
      for (int j = 0; j < 4; j++) {
        mean[j] += p[j] / draws;
      }
    }
    for (double m : mean) {
      assertThat(m).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.01));
    }
  }

  @Test
  void rejectsLabelsOutsideTheClasses() {
    assertThatThrownBy(() -> DirichletSplit.assign(new int[] {0, 1, 12, 3}, 10, 2, 0.5, 1, 1))
        .hasMessageContaining("label 12 at row 2");
  }

  @Test
  void rejectsNonPositiveAlpha() {
    assertThatThrownBy(() -> DirichletSplit.assign(labels(100, 2), 2, 2, 0, 1, 1)).hasMessageContaining("alpha");
  }
}
