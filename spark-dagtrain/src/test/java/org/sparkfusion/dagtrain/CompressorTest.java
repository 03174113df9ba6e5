package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkfusion.dagtrain.transport.Frame;
import org.sparkfusion.dagtrain.transport.FrameCodec;

class CompressorTest {
  private static double[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextDouble(-3, 3);
    }
    return x;
  }

  private static byte[] encode(Compressor c, double[] x) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    c.encode(x, new DataOutputStream(b), 99);
    return b.toByteArray();
  }

  private static double[] roundTrip(Compressor c, double[] x) throws Exception {
    return Compressor.decode(new DataInputStream(new ByteArrayInputStream(encode(c, x))), x.length);
  }

  /** The wire format as one DataOutputStream call per value wrote it (before the bulk encoders): must not change. */
  private static byte[] reference(Compressor c, double[] x) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    int n = x.length;
    if (c instanceof Compressor.Dense || c instanceof Compressor.TopK t && t.fraction >= 1) {
      out.writeByte(Compressor.DENSE);
      for (double v : x) {
        out.writeFloat((float) v);
      }
    } else if (c instanceof Compressor.TopK t) {
      int k = Compressor.keep(n, t.fraction);
      int[] idx = Compressor.TopK.topIndices(x, k);
      out.writeByte(Compressor.TOPK);
      out.writeInt(k);
      IndexCodec.write(out, idx, n);
      for (int i : idx) {
        out.writeShort(Half.fromFloat((float) x[i]));
      }
    } else if (c instanceof Compressor.RandomK r) {
      int k = Compressor.keep(n, r.fraction);
      out.writeByte(Compressor.RANDOMK);
      out.writeInt(k);
      out.writeLong(99);
      for (int i : Compressor.RandomK.choose(n, k, 99)) {
        out.writeShort(Half.fromFloat((float) x[i]));
      }
    } else {
      double max = 0;
      for (double v : x) {
        max = Math.max(max, Math.abs(v));
      }
      float scale = (float) (max / 127);
      out.writeByte(Compressor.INT8);
      out.writeFloat(scale);
      for (double v : x) {
        out.writeByte(scale == 0 ? 0 : (int) Math.max(-127, Math.min(127, Math.round(v / scale))));
      }
    }
    out.flush();
    return b.toByteArray();
  }

  @Test void bulkEncodersWriteTheSameBytesAsOneWritePerValue() throws Exception {
    double[] x = random(5000, 11);
    x[3] = Double.NaN;
    x[4] = -0.0;
    x[5] = 1e300;
    for (Compressor c : new Compressor[] {new Compressor.Dense(), new Compressor.TopK(0.1), new Compressor.TopK(1),
        new Compressor.RandomK(0.3), new Compressor.Int8()}) {
      double[] in = c instanceof Compressor.Dense ? x : random(5000, 12);
      assertThat(encode(c, in)).as(c.getClass().getSimpleName()).isEqualTo(reference(c, in));
    }
    // int tensors in a message: four big-endian bytes per value, as DataOutputStream.writeInt
    Tensor ids = new Tensor(new int[] {3}, new double[] {7, -1, 65535});
    byte[] msg = new TensorCodec(false).encode(Map.of("ids", ids), Map.of("ids", DType.INT), new Compressor.Dense(), 1);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.writeInt(1);
    out.writeUTF("ids");
    out.writeByte(1);
    out.writeInt(3);
    out.writeByte(DType.INT.ordinal());
    for (int v : new int[] {7, -1, 65535}) {
      out.writeInt(v);
    }
    assertThat(msg).isEqualTo(b.toByteArray());
    assertThat(TensorCodec.decode(msg).get("ids").data).containsExactly(7, -1, 65535);
  }

  @Test void truncatedTensorsAreErrors() throws Exception {
    byte[] dense = encode(new Compressor.Dense(), random(100, 3));
    assertThatThrownBy(() -> Compressor.decode(new DataInputStream(new ByteArrayInputStream(Arrays.copyOf(dense, 200))), 100))
        .hasMessageContaining("truncated dense tensor");
    byte[] msg = new TensorCodec(false).encode(Map.of("ids", new Tensor(new int[] {4}, new double[] {1, 2, 3, 4})),
        Map.of("ids", DType.INT), new Compressor.Dense(), 1);
    assertThatThrownBy(() -> TensorCodec.decode(Arrays.copyOf(msg, msg.length - 3))).hasMessageContaining("'ids' is truncated");
  }

  @Test void messageCostIsMeasuredPerEntryAndSide() throws Exception {
    double s = MessageCost.secondsPerEntry(4096, 0.02, 1);
    assertThat(s).isGreaterThan(0).isLessThan(1e-5);
  }

  /** Per message and per entry from two sizes: 1 ms + 10 ns per entry is recovered; no part below 0. */
  @Test void messageCostSplitsIntoPerMessageAndPerEntryParts() {
    double[] ab = MessageCost.fit(256, (1e-3 + 256 * 1e-8) / 256, 100_000, (1e-3 + 100_000 * 1e-8) / 100_000);
    assertThat(ab[0]).isCloseTo(1e-3, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(ab[1]).isCloseTo(1e-8, org.assertj.core.data.Offset.offset(1e-16));
    // the large message cheaper in all than the small one (noise): everything per message
    assertThat(MessageCost.fit(256, 1e-5, 100_000, 1e-11)).containsExactly(1e-6, 0);
    // the small one cheaper per entry than the line allows (a < 0): everything per entry
    assertThat(MessageCost.fit(256, 1e-9, 100_000, 1e-8)).containsExactly(0, 1e-8);
  }

  @Test void denseRoundTripIsFloat32Exact() throws Exception {
    double[] x = random(100, 1);
    double[] y = roundTrip(new Compressor.Dense(), x);
    for (int i = 0; i < x.length; i++) {
      assertThat(y[i]).isEqualTo((double) (float) x[i]);
    }
  }

  @Test void topKKeepsTheLargestMagnitudesWithinFp16Error() throws Exception {
    double[] x = random(1000, 2);
    double[] y = roundTrip(new Compressor.TopK(0.1), x);
    double[] mags = Arrays.stream(x).map(Math::abs).sorted().toArray();
    double threshold = mags[900];
    int kept = 0;
    for (int i = 0; i < x.length; i++) {
      if (y[i] != 0) {
        kept++;
        assertThat(Math.abs(x[i])).isGreaterThanOrEqualTo(threshold);
        assertThat(Math.abs(y[i] - x[i])).isLessThanOrEqualTo(Math.abs(x[i]) * 1e-3);
      }
    }
    assertThat(kept).isEqualTo(100);
  }

  @Test void kthLargestAgreesWithSortingIncludingTies() {
    SplittableRandom r = new SplittableRandom(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + r.nextInt(300);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = trial % 2 == 0 ? r.nextInt(5) : r.nextDouble();
      }
      double[] sorted = x.clone();
      Arrays.sort(sorted);
      int k = 1 + r.nextInt(n);
      assertThat(Compressor.kthLargest(x.clone(), k)).as("n=%d k=%d", n, k).isEqualTo(sorted[n - k]);
    }
  }

  @Test void adaTopKFeedsBackGradientsButNotActivationsByDefault() {
    // top-k at 0.1 of the entries: gradients keep 0.2, with feedback; activations without unless configured
    LinkCompression l = LinkCompression.adaptive(AdaptiveLadder.topkWire(0.1), false);
    assertThat(l.gradientFeedback()).isTrue();
    assertThat(l.activationFeedback()).isFalse();
    assertThat(l.gradients().fraction()).isCloseTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(LinkCompression.adaptive(1, false).gradientFeedback()).isFalse();
  }

  @Test void topKIsSmallerThanAQuarterOfDenseAtTenPercent() throws Exception {
    double[] x = random(10_000, 3);
    assertThat(encode(new Compressor.TopK(0.1), x).length).isLessThan(encode(new Compressor.Dense(), x).length / 4);
  }

  @Test void randomKSendsTheSeedInsteadOfIndices() throws Exception {
    double[] x = random(1000, 4);
    byte[] b = encode(new Compressor.RandomK(0.25), x);
    assertThat(b.length).isEqualTo(1 + 4 + 8 + 250 * 2);
    double[] y = roundTrip(new Compressor.RandomK(0.25), x);
    assertThat(Arrays.stream(y).filter(v -> v != 0).count()).isEqualTo(250);
  }

  @Test void int8ErrorIsAtMostHalfAStep() throws Exception {
    double[] x = random(500, 5);
    double max = Arrays.stream(x).map(Math::abs).max().orElseThrow();
    double[] y = roundTrip(new Compressor.Int8(), x);
    for (int i = 0; i < x.length; i++) {
      assertThat(Math.abs(y[i] - x[i])).isLessThanOrEqualTo(max / 127 / 2 + 1e-6);
    }
  }

  @Test void halfPrecisionRoundTripsRepresentableValues() {
    for (float f : new float[] {0f, 1f, -2.5f, 65504f, 6.1035156e-5f, -0.33325195f}) {
      assertThat(Half.toFloat(Half.fromFloat(f))).isEqualTo(f);
    }
    assertThat(Math.abs(Half.toFloat(Half.fromFloat(0.1f)) - 0.1f)).isLessThan(1e-4f);
  }

  @Test void indexCodecPicksTheSmallerOfBitmapAndGaps() throws Exception {
    int[] sparse = {3, 900, 5000};
    int[] dense = new int[5000];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = 2 * i;
    }
    assertThat(IndexCodec.encode(sparse, 10_000)[0]).isEqualTo((byte) 1);
    assertThat(IndexCodec.encode(dense, 10_000)[0]).isEqualTo((byte) 0);
    for (int[] idx : new int[][] {sparse, dense}) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      IndexCodec.write(new DataOutputStream(b), idx, 10_000);
      assertThat(IndexCodec.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())), idx.length, 10_000))
          .isEqualTo(idx);
    }
  }

  @Test void errorFeedbackCarriesTheDroppedPartToTheNextMessage() throws Exception {
    TensorCodec codec = new TensorCodec(true);
    Tensor t = new Tensor(new int[] {1, 4}, new double[] {1, 0.5, 0.25, 0.125});
    Map<String, DType> types = Map.of("a", DType.FLOAT);
    Compressor top1 = new Compressor.TopK(0.25);
    double[] first = TensorCodec.decode(codec.encode(Map.of("a", t), types, top1, 1)).get("a").data;
    double[] second = TensorCodec.decode(codec.encode(Map.of("a", t), types, top1, 2)).get("a").data;
    assertThat(first).containsExactly(1, 0, 0, 0);
    assertThat(second[0]).isEqualTo(1.0);
    double withoutFeedback = TensorCodec.decode(new TensorCodec(false).encode(Map.of("a", t), types, top1, 2)).get("a").data[1];
    assertThat(withoutFeedback).isZero();
    assertThat(second[0] + second[1] + second[2] + second[3]).isGreaterThanOrEqualTo(1.0);
  }

  @Test void unknownCompressionIsNamed() {
    assertThatThrownBy(() -> Compression.parse("zip")).hasMessageContaining("'zip'");
    assertThatThrownBy(() -> Compression.parse("topk:1.5")).hasMessageContaining("(0,1]");
  }

  @Test void corruptFrameIsRejected() {
    byte[] f = FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 0, 1, 2, new byte[] {1, 2, 3, 4}));
    f[f.length - 1] ^= 1;
    assertThatThrownBy(() -> FrameCodec.decode(f, 1 << 20)).hasMessageContaining("checksum mismatch");
    byte[] truncated = Arrays.copyOf(FrameCodec.encode(new Frame(Frame.ACTIVATIONS, 0, 1, 2, new byte[10])), 30);
    assertThatThrownBy(() -> FrameCodec.decode(truncated, 1 << 20)).hasMessageContaining("truncated");
  }

  @Test void fp16KeepsEveryEntryWithinHalfPrecisionAtHalfTheBytes() throws Exception {
    double[] x = random(1000, 7);
    byte[] wire = encode(new Compressor.Fp16(), x);
    assertThat(wire).hasSize(1 + 2 * x.length);
    double[] y = roundTrip(new Compressor.Fp16(), x);
    for (int i = 0; i < x.length; i++) {
      assertThat(Math.abs(y[i] - x[i])).as("entry %d", i).isLessThanOrEqualTo(Math.abs(x[i]) * Math.pow(2, -11) + 1e-7);
    }
    byte[] cut = Arrays.copyOf(wire, wire.length - 1);
    assertThatThrownBy(() -> Compressor.decode(new DataInputStream(new ByteArrayInputStream(cut)), x.length))
        .hasMessageContaining("truncated fp16 tensor");
  }

  /** The ladder's rungs, its top-k inverse and that the encoders' sizes are the wire fractions the planner costs. */
  @Test void adaptiveLadderEncodesEachWireFractionAtItsSize() throws Exception {
    assertThat(AdaptiveLadder.rung(1)).isEqualTo(1);
    assertThat(AdaptiveLadder.rung(0.9)).isEqualTo(0.5);
    assertThat(AdaptiveLadder.rung(0.3)).isEqualTo(0.25);
    assertThat(AdaptiveLadder.rung(0.1)).isEqualTo(0.1);
    assertThat(AdaptiveLadder.TOPK_AT_INT8).isEqualTo(0.4375);
    for (double f : new double[] {0.01, 0.05, 1.0 / 12, 0.1, 0.3, 0.43}) {
      assertThat(AdaptiveLadder.topkFraction(AdaptiveLadder.topkWire(f))).as("f=%s", f).isCloseTo(f,
          org.assertj.core.api.Assertions.within(1e-12));
    }
    assertThat(AdaptiveLadder.label(1)).isEqualTo("fp32");
    assertThat(AdaptiveLadder.label(0.5)).isEqualTo("fp16");
    assertThat(AdaptiveLadder.label(0.25)).isEqualTo("int8");
    assertThat(AdaptiveLadder.label(AdaptiveLadder.topkWire(0.1))).isEqualTo("topk:0.100");
    // gradients: the same quantisation rung, or top-k at twice the fraction up to int8's bytes
    assertThat(AdaptiveLadder.gradientWire(0.5)).isEqualTo(0.5);
    assertThat(AdaptiveLadder.gradientWire(0.25)).isEqualTo(0.25);
    assertThat(AdaptiveLadder.gradientWire(AdaptiveLadder.topkWire(0.3))).isEqualTo(0.25);
    assertThat(AdaptiveLadder.topkFraction(AdaptiveLadder.gradientWire(AdaptiveLadder.topkWire(0.1))))
        .isCloseTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
    double[] x = random(20_000, 3);
    for (double w : new double[] {1, 0.5, 0.25, AdaptiveLadder.topkWire(0.2), AdaptiveLadder.topkWire(0.05)}) {
      int bytes = encode(AdaptiveLadder.compressor(w), x).length;
      assertThat((double) bytes / (4.0 * x.length)).as("wire %s", w).isCloseTo(w,
          org.assertj.core.api.Assertions.within(0.01));
    }
  }
}
