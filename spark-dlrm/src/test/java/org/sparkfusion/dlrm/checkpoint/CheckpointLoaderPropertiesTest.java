package org.sparkfusion.dlrm.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the checkpoint loaders (issue 18), with jqwik and fixed seeds so that a CI failure reproduces:
 * shape products never wrap, a generated .npy header either round-trips exactly or is refused cleanly, and the zip
 * reader and the unpickler, given arbitrary or mutated bytes, never throw anything but
 * {@link CheckpointFormatException} and never allocate more than a small multiple of their input.
 */
class CheckpointLoaderPropertiesTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Dims near the interesting edges: small, zero, negative, powers of two, the int and long limits. */
  @Provide
  Arbitrary<Long> dims() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.longs().between(0, 70_000)),
        net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(-5, 5)),
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 63).map(k -> 1L << k)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, (1L << 62) + 1, (long) Integer.MAX_VALUE,
            (long) Shapes.MAX_ELEMENTS, Shapes.MAX_ELEMENTS + 1L, 65536L, 46341L)),
        net.jqwik.api.Tuple.of(1, Arbitraries.longs()));
  }

  @Provide
  Arbitrary<long[]> shapes() {
    return dims().list().ofMaxSize(6).map(l -> l.stream().mapToLong(Long::longValue).toArray());
  }

  @Property(tries = 3000, seed = "18")
  void elementCountIsTheExactProductOrARefusal(@ForAll("shapes") long[] shape) {
    BigInteger product = BigInteger.ONE;
    boolean badDim = false;
    for (long d : shape) {
      product = product.multiply(BigInteger.valueOf(d));
      badDim |= d < 0 || d > Shapes.MAX_ELEMENTS;
    }
    boolean fits = !badDim && product.compareTo(BigInteger.valueOf(Shapes.MAX_ELEMENTS)) <= 0;
    try {
      int n = Shapes.elementCount("t", shape);
      assertThat(fits).as("accepted %s", Arrays.toString(shape)).isTrue();
      assertThat(BigInteger.valueOf(n)).isEqualTo(product);
    } catch (CheckpointFormatException e) {
      assertThat(fits).as("refused %s: %s", Arrays.toString(shape), e.getMessage()).isFalse();
      assertThat(e.getMessage()).startsWith("t ").doesNotContain("\n");
    }
  }

  /** A .npy header as NumPy or a hand writer might lay it out: key order, spacing and trailing commas vary. */
  record Header(String text, String descr, boolean fortran, long[] shape) {}

  @Provide
  Arbitrary<Header> headers() {
    Arbitrary<String> descr = Arbitraries.of("<f4", "<f8", ">f4", "|u1", "<i8");
    Arbitrary<long[]> shape = Arbitraries.longs().between(0, 999_999_999_999_999_999L).list().ofMaxSize(5)
        .map(l -> l.stream().mapToLong(Long::longValue).toArray());
    Arbitrary<List<Integer>> order = Arbitraries.of(List.of(0, 1, 2), List.of(2, 1, 0), List.of(1, 0, 2),
        List.of(0, 2, 1), List.of(2, 0, 1), List.of(1, 2, 0));
    Arbitrary<String> space = Arbitraries.of("", " ", "  ");
    return Combinators.combine(descr, Arbitraries.of(true, false), shape, order, space, Arbitraries.of(true, false),
        Arbitraries.of('\'', '"')).as((d, f, s, o, sp, comma, q) -> {
          String tuple = s.length == 1 ? "(" + s[0] + "," + sp + ")"
              : Arrays.stream(s).mapToObj(Long::toString).collect(Collectors.joining("," + sp, "(", ")"));
          String[] kv = {q + "descr" + q + ":" + sp + q + d + q, q + "fortran_order" + q + ":" + sp + (f ? "True" : "False"),
              q + "shape" + q + ":" + sp + tuple};
          String body = o.stream().map(i -> kv[i]).collect(Collectors.joining("," + sp));
          return new Header("{" + body + (comma ? "," + sp : "") + "}" + " ".repeat(sp.length()) + "\n", d, f, s);
        });
  }

  @Property(tries = 2000, seed = "18")
  void generatedNpyHeadersRoundTripExactly(@ForAll("headers") Header h) {
    NpyHeader parsed = NpyHeader.parse("x.npy", h.text());
    assertThat(parsed.descr()).isEqualTo(h.descr());
    assertThat(parsed.fortranOrder()).isEqualTo(h.fortran());
    assertThat(parsed.shape()).containsExactly(h.shape());
  }

  @Property(tries = 3000, seed = "18")
  void mutatedNpyHeadersParseOrFailCleanly(@ForAll("headers") Header h, @ForAll("edits") List<int[]> edits) {
    StringBuilder s = new StringBuilder(h.text());
    for (int[] e : edits) {
      int at = Math.floorMod(e[0], s.length() + 1);
      switch (e[1]) {
        case 0 -> s.insert(at, (char) e[2]);
        case 1 -> { if (at < s.length()) s.deleteCharAt(at); }
        default -> { if (at < s.length()) s.setCharAt(at, (char) e[2]); }
      }
    }
    try {
      NpyHeader parsed = NpyHeader.parse("x.npy", s.toString());
      for (long d : parsed.shape()) {
        assertThat(d).as("dim of %s", s).isNotNegative();
      }
    } catch (CheckpointFormatException e) {
      assertThat(e.getMessage()).startsWith("x.npy: malformed .npy header").doesNotContain("\n");
    }
  }

  @Provide
  Arbitrary<List<int[]>> edits() {
    Arbitrary<Integer> ch = Arbitraries.oneOf(Arbitraries.of((int) '(', (int) ')', (int) ',', (int) '-', (int) '\'',
        (int) ':', (int) '{', (int) '}', (int) ' ', (int) '\n', (int) '9', (int) '0'), Arbitraries.integers().between(0, 255));
    return Combinators.combine(Arbitraries.integers().between(0, 400), Arbitraries.integers().between(0, 2), ch)
        .as((a, b, c) -> new int[] {a, b, c}).list().ofMinSize(1).ofMaxSize(4);
  }

  /** Zip archives as torch.save writes them (random entries), then bytes flipped and 2/4/8-byte fields forged. */
  @Provide
  Arbitrary<byte[]> mutatedZips() {
    Arbitrary<ZipWriter.Item> item = Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300), Arbitraries.of(true, false))
        .as((n, d, z) -> new ZipWriter.Item("m/data/" + n, d, z));
    Arbitrary<int[]> mutation = Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE),
        Arbitraries.of(1, 2, 4, 8), Arbitraries.oneOf(Arbitraries.longs(),
            Arbitraries.of(0L, -1L, 0xFFFFFFFFL, 0xFFFFL, 1L << 31, 1L << 40))).as((a, w, v) ->
        new int[] {a, w, (int) (long) v, (int) ((long) v >>> 32)});
    return Combinators.combine(item.list().ofMinSize(1).ofMaxSize(5).uniqueElements(ZipWriter.Item::name),
        Arbitraries.of(true, false), mutation.list().ofMaxSize(4)).as((items, z64, muts) -> {
          byte[] b = ZipWriter.write(items, z64).bytes();
          for (int[] m : muts) {
            int at = Math.floorMod(m[0], Math.max(1, b.length - m[1]));
            long v = (m[2] & 0xFFFFFFFFL) | ((long) m[3] << 32);
            b = m[1] == 1 ? flip(b, at, (int) v) : ZipWriter.patch(b, at, m[1], v);
          }
          return b;
        });
  }

  private static byte[] flip(byte[] b, int at, int x) {
    byte[] out = b.clone();
    out[at] ^= (byte) (x == 0 ? 1 : x);
    return out;
  }

  @Property(tries = 3000, seed = "18")
  void zipArchiveOnMutatedArchivesOnlyEverRefusesCleanly(@ForAll("mutatedZips") byte[] bytes) {
    readAllEntries(bytes);
  }

  @Property(tries = 3000, seed = "18")
  void zipArchiveOnArbitraryBytesOnlyEverRefusesCleanly(@ForAll("anyBytes") byte[] bytes) {
    readAllEntries(bytes);
  }

  @Provide
  Arbitrary<byte[]> anyBytes() {
    // Random bytes, sometimes led by a local header signature and ended by an end record, so parsing gets further.
    return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(2000), Arbitraries.of(0, 1, 2, 3))
        .as((b, frame) -> {
          ByteBuffer out = ByteBuffer.allocate(b.length + 26).order(java.nio.ByteOrder.LITTLE_ENDIAN);
          if ((frame & 1) != 0) {
            out.putInt(0x04034b50);
          }
          out.put(b);
          if ((frame & 2) != 0) {
            out.putInt(0x06054b50).put(new byte[18]);
          }
          return Arrays.copyOf(out.array(), out.position());
        });
  }

  private static void readAllEntries(byte[] bytes) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      ZipArchive zip = new ZipArchive("p.pt", ByteSource.of(bytes));
      List<String> names = new ArrayList<>();
      zip.names().forEach(names::add);
      for (String n : names) {
        try {
          zip.read(n, -1, 1 << 20, null);
        } catch (CheckpointFormatException e) {
          assertThat(e.getMessage()).startsWith("p.pt: ").doesNotContain("\n");
        }
      }
    } catch (CheckpointFormatException e) {
      assertThat(e.getMessage()).startsWith("p.pt: ").doesNotContain("\n");
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    // The 64 KB tail buffer, 64 KB inflate chunks and what the entries really hold; nothing declared is trusted.
    assertThat(allocated).as("bytes allocated reading a %d-byte archive", bytes.length)
        .isLessThan(4L * 65_536 + 40L * bytes.length + (1 << 20));
  }

  /** Opcode soup from the unpickler's whole alphabet and some it refuses, with small arguments. */
  @Provide
  Arbitrary<byte[]> pickles() {
    Arbitrary<byte[]> op = Arbitraries.oneOf(
        Arbitraries.of("(", "]", "}", ")", "t", "l", "d", "N", "\u0088", "\u0089", "a", "e", "s", "u", "R", "Q", "b",
            "\u0085", "\u0086", "\u0087", "\u0094", ".", "0", "i", "o", "c", "\u0093").map(s -> s.getBytes(StandardCharsets.ISO_8859_1)),
        Arbitraries.integers().between(0, 255).map(k -> new byte[] {'K', (byte) (int) k}),
        Arbitraries.integers().between(0, 5).map(k -> new byte[] {'q', (byte) (int) k}),
        Arbitraries.integers().between(0, 5).map(k -> new byte[] {'h', (byte) (int) k}),
        Arbitraries.of("storage", "cpu", "0", "state_dict", "x").map(FaultCorpus::su),
        Arbitraries.of("ctorch._utils\n_rebuild_tensor_v2\n", "ctorch\nFloatStorage\n", "ccollections\nOrderedDict\n",
            "cos\nsystem\n", "cbuiltins\neval\n").map(s -> s.getBytes(StandardCharsets.US_ASCII)),
        Arbitraries.longs().map(v -> ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .put((byte) 0x8a).put((byte) 8).putLong(v).array()),
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(5));
    return op.list().ofMaxSize(60).map(ops -> FaultCorpus.cat(FaultCorpus.cat(ops.toArray(new byte[0][])), new byte[] {'.'}));
  }

  @Property(tries = 5000, seed = "18")
  void unpicklerOnOpcodeSoupOnlyEverRefusesCleanlyOrReturnsAValue(@ForAll("pickles") byte[] pickle) {
    try {
      RestrictedUnpickler.load("p.pkl", FaultCorpus.cat(FaultCorpus.proto(), pickle));
    } catch (CheckpointFormatException e) {
      assertThat(e.getMessage()).contains("p.pkl").doesNotContain("\n");
    }
  }

  @Property(tries = 1500, seed = "18")
  void torchCheckpointOfAMutatedPickleLoadsConsistentTensorsOrRefuses(@ForAll("pickles") byte[] pickle) {
    byte[] file = ZipWriter.write(List.of(new ZipWriter.Item("m/data.pkl", FaultCorpus.cat(FaultCorpus.proto(), pickle), false),
        new ZipWriter.Item("m/data/0", HostileCheckpointTest.floats(64), false)), false).bytes();
    try {
      for (Tensor t : TorchCheckpoint.read("p.pt", file).values()) {
        assertThat((long) t.size()).isEqualTo(Arrays.stream(t.shape()).reduce(1, Math::multiplyExact));
      }
    } catch (CheckpointFormatException e) {
      assertThat(e.getMessage()).startsWith("p.pt").doesNotContain("\n");
    }
  }
}
