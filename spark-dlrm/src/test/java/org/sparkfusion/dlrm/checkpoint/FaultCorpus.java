package org.sparkfusion.dlrm.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.sparkfusion.dlrm.Fixtures;

/**
 * The generated fault corpus of issue 18 for DLRM model files: every input is derived, with fixed seeds, from the
 * committed real PyTorch / NumPy fixtures ({@code dot_state_dict.pt}, {@code dot_checkpoint.pt}, {@code dot_npy/})
 * or built by hand, and carries what a load of it may legitimately return. Nothing is committed: the test
 * regenerates the corpus under {@code target/fault-corpus} on every run.
 */
final class FaultCorpus {
  /** What a successful load must return. */
  enum Oracle {
    /** Exactly the reference state_dict (the mutation is harmless), or a clean error. */
    SAME,
    /** The reference tensors in order with possibly other names (a flipped byte in a key), or a clean error. */
    SAME_UP_TO_NAMES,
    /** Exactly {@link Input#expected}: a .npy whose data bytes changed has no checksum, so it loads what it says. */
    EXPECTED,
    /** Must fail cleanly: any load is a silent wrong result. */
    ERROR
  }

  /** One corpus input: written to {@code fileName} (a .pt file, or a .npy file alone in a directory). */
  record Input(String family, String name, byte[] bytes, boolean npy, String npyKey, Oracle oracle,
      Tensor expected) {}

  static final long SEED = 18;
  private final List<Input> inputs = new ArrayList<>();

  static List<Input> generate() {
    FaultCorpus c = new FaultCorpus();
    try {
      c.torch("dot_state_dict.pt");
      c.torch("dot_checkpoint.pt");
      c.shapes();
      c.hostilePickles();
      c.npy();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return c.inputs;
  }

  private void add(String family, String name, byte[] bytes, Oracle oracle) {
    inputs.add(new Input(family, name, bytes, false, null, oracle, null));
  }

  /** The entries of a real checkpoint, in central-directory order. */
  static List<ZipWriter.Item> entries(String fixture) throws IOException {
    List<ZipWriter.Item> out = new ArrayList<>();
    try (ZipFile z = new ZipFile(Fixtures.path(fixture).toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        out.add(new ZipWriter.Item(e.getName(), z.getInputStream(e).readAllBytes(), e.getMethod() == ZipEntry.DEFLATED));
      }
    }
    return out;
  }

  private void torch(String fixture) throws IOException {
    String base = fixture.replace(".pt", "");
    byte[] real = Files.readAllBytes(Fixtures.path(fixture));
    List<ZipWriter.Item> items = entries(fixture);
    Random r = new Random(SEED ^ fixture.hashCode());
    // The same entries through our writer: the real archive's layout is then known structure by structure.
    ZipWriter.Layout plain = ZipWriter.write(items, false);
    add("torch-rewritten", base + "-classic", plain.bytes(), Oracle.SAME);

    // Truncated at every structure boundary (and one byte either side) and at random offsets.
    List<Integer> cuts = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      for (int at : new int[] {plain.local()[i], plain.dataStart()[i], plain.central()[i]}) {
        cuts.addAll(List.of(at - 1, at, at + 1, at + 17));
      }
    }
    cuts.addAll(List.of(plain.end() - 1, plain.end(), plain.end() + 1, plain.bytes().length - 1, 0, 1, 3, 4));
    for (int k = 0; k < 40; k++) {
      cuts.add(r.nextInt(plain.bytes().length));
    }
    for (int cut : cuts.stream().filter(x -> x >= 0 && x < plain.bytes().length).distinct().sorted().toList()) {
      add("torch-truncated", base + "-cut" + cut, Arrays.copyOf(plain.bytes(), cut), Oracle.ERROR);
    }
    for (int k = 0; k < 20; k++) {
      int cut = r.nextInt(real.length);
      add("torch-truncated", base + "-realcut" + cut, Arrays.copyOf(real, cut), Oracle.ERROR);
    }

    // Byte flips in the zip structures (local headers, central directory, end record): harmless or refused.
    List<int[]> regions = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      regions.add(new int[] {plain.local()[i], plain.dataStart()[i]});
    }
    regions.add(new int[] {plain.centralStart(), plain.bytes().length});
    for (int k = 0; k < 250; k++) {
      int[] reg = regions.get(r.nextInt(regions.size()));
      int at = reg[0] + r.nextInt(reg[1] - reg[0]);
      byte[] b = plain.bytes().clone();
      b[at] ^= (byte) (1 + r.nextInt(255));
      add("torch-zip-flip", base + "-flip" + k + "@" + at, b, Oracle.SAME);
    }
    for (int k = 0; k < 60; k++) {
      byte[] b = real.clone();
      int at = r.nextInt(b.length);
      b[at] ^= (byte) (1 + r.nextInt(255));
      add("torch-any-flip", base + "-realflip" + k + "@" + at, b, Oracle.SAME_UP_TO_NAMES);
    }

    // Storage bytes flipped (CRC-32 must catch them).
    for (int k = 0; k < 30; k++) {
      int e = 1 + r.nextInt(items.size() - 1);
      if (items.get(e).data().length == 0 || !items.get(e).name().contains("/data/")) {
        continue;
      }
      byte[] b = plain.bytes().clone();
      int at = plain.dataStart()[e] + r.nextInt(items.get(e).data().length);
      b[at] ^= (byte) (1 + r.nextInt(255));
      // SAME: a flip in a storage the state_dict does not use (optimizer state) is never read.
      add("torch-data-flip", base + "-dataflip" + k + "@" + at, b, Oracle.SAME);
    }

    // The pickle mutated and re-zipped with a correct CRC, so that the unpickler itself sees the damage.
    int pkl = indexOf(items, "/data.pkl");
    byte[] pickle = items.get(pkl).data();
    for (int k = 0; k < 400; k++) {
      byte[] p = pickle.clone();
      int flips = 1 + r.nextInt(3);
      StringBuilder where = new StringBuilder();
      for (int f = 0; f < flips; f++) {
        int at = r.nextInt(p.length);
        p[at] = r.nextInt(4) == 0 ? (byte) "(]}tRQqhsuebN.".charAt(r.nextInt(14)) : (byte) (p[at] ^ (1 + r.nextInt(255)));
        where.append('@').append(at);
      }
      add("torch-pickle-flip", base + "-pkl" + k + where, rezip(items, pkl, p), Oracle.SAME_UP_TO_NAMES);
    }
    for (int k = 0; k < 40; k++) {
      int cut = r.nextInt(pickle.length);
      add("torch-pickle-truncated", base + "-pklcut" + cut, rezip(items, pkl, Arrays.copyOf(pickle, cut)), Oracle.ERROR);
    }

    // Forged sizes in the central directory and the end record.
    for (int k = 0; k < 120; k++) {
      int e = r.nextInt(items.size());
      int c = plain.central()[e];
      int size = items.get(e).data().length;
      long[][] forgeries = {
          {c + 24, 4, 0}, {c + 24, 4, size + 1L}, {c + 24, 4, Math.max(0, size - 1)}, {c + 24, 4, 0x7FFFFFFFL},
          {c + 24, 4, 0xFFFFFFFEL}, {c + 24, 4, 0xFFFFFFFFL}, {c + 20, 4, 0}, {c + 20, 4, size + 1L},
          {c + 20, 4, 0xFFFFFFFFL}, {c + 42, 4, 0xFFFFFFFEL}, {c + 42, 4, plain.local()[e] + 1L},
          {c + 42, 4, plain.centralStart() + 1L}, {c + 10, 2, 8}, {c + 10, 2, 12}, {c + 10, 2, 99},
          {c + 28, 2, 0xFFFF}, {c + 30, 2, 0xFFFF}, {c + 32, 2, 0xFFFF}, {c + 8, 2, 1},
          {plain.local()[e] + 26, 2, 0xFFFF}, {plain.local()[e] + 28, 2, 0xFFFF}};
      long[] f = forgeries[r.nextInt(forgeries.length)];
      add("torch-forged-size", base + "-forge" + k + "@" + f[0] + "=" + f[2],
          ZipWriter.patch(plain.bytes(), (int) f[0], (int) f[1], f[2]), Oracle.SAME);
    }
    int eo = plain.end();
    long[][] endForgeries = {{eo + 8, 2, 0}, {eo + 8, 2, 0xFFFE}, {eo + 10, 2, 0xFFFE}, {eo + 10, 2, 1},
        {eo + 12, 4, 0}, {eo + 12, 4, 0x7FFFFFFFL}, {eo + 12, 4, 0xFFFFFFFEL}, {eo + 16, 4, 0},
        {eo + 16, 4, 0xFFFFFFFEL}, {eo + 16, 4, plain.centralStart() + 1L}, {eo + 20, 2, 5}, {eo + 4, 2, 1},
        {eo + 10, 2, 0xFFFF}, {eo + 12, 4, 0xFFFFFFFFL}, {eo + 16, 4, 0xFFFFFFFFL}};
    for (long[] f : endForgeries) {
      add("torch-forged-size", base + "-eocd@" + f[0] + "=" + f[2],
          ZipWriter.patch(plain.bytes(), (int) f[0], (int) f[1], f[2]), Oracle.SAME);
    }

    // zip64: the same checkpoint with zip64 records (must load), stored and deflated, then forged zip64 fields.
    ZipWriter.Layout z64 = ZipWriter.write(items, true);
    add("torch-zip64", base + "-zip64", z64.bytes(), Oracle.SAME);
    List<ZipWriter.Item> deflated = items.stream().map(i -> new ZipWriter.Item(i.name(), i.data(), true)).toList();
    add("torch-zip64", base + "-zip64-deflated", ZipWriter.write(deflated, true).bytes(), Oracle.SAME);
    add("torch-rewritten", base + "-deflated", ZipWriter.write(deflated, false).bytes(), Oracle.SAME);
    for (int e = 0; e < items.size(); e += 3) {
      int x = z64.central()[e] + 46 + items.get(e).name().getBytes(StandardCharsets.UTF_8).length + 4;
      int size = items.get(e).data().length;
      for (long v : new long[] {1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, size + 1L, 0xFFFFFFFFL}) {
        add("torch-zip64", base + "-z64size" + e + "=" + v, ZipWriter.patch(z64.bytes(), x, 8, v), Oracle.SAME);
      }
      add("torch-zip64", base + "-z64comp" + e, ZipWriter.patch(z64.bytes(), x + 8, 8, 1L << 50), Oracle.SAME);
      add("torch-zip64", base + "-z64local" + e, ZipWriter.patch(z64.bytes(), x + 16, 8, 1L << 45), Oracle.SAME);
      add("torch-zip64", base + "-z64extralen" + e, ZipWriter.patch(z64.bytes(), x - 2, 2, 8), Oracle.SAME);
      add("torch-zip64", base + "-z64noextra" + e, ZipWriter.patch(z64.bytes(), x - 4, 2, 0x5455), Oracle.SAME);
    }
    int e64 = z64.zip64End();
    int loc = z64.zip64Locator();
    long[][] z64Forgeries = {{e64, 4, 0}, {e64 + 16, 4, 1}, {e64 + 20, 4, 1}, {e64 + 32, 8, 1L << 40},
        {e64 + 32, 8, -1}, {e64 + 40, 8, 1L << 40}, {e64 + 40, 8, -1}, {e64 + 40, 8, 0}, {e64 + 48, 8, 1L << 40},
        {e64 + 48, 8, -1}, {e64 + 48, 8, z64.centralStart() + 1L}, {loc, 4, 0}, {loc + 8, 8, 1L << 40},
        {loc + 8, 8, -1}, {loc + 8, 8, e64 + 1L}, {loc + 8, 8, 0}};
    for (long[] f : z64Forgeries) {
      add("torch-zip64", base + "-z64end@" + f[0] + "=" + f[2],
          ZipWriter.patch(z64.bytes(), (int) f[0], (int) f[1], f[2]), Oracle.SAME);
    }
    for (int k = 0; k < 60; k++) {
      byte[] b = z64.bytes().clone();
      int at = z64.centralStart() + r.nextInt(b.length - z64.centralStart());
      b[at] ^= (byte) (1 + r.nextInt(255));
      add("torch-zip64", base + "-z64flip" + k + "@" + at, b, Oracle.SAME);
    }
    for (int k = 0; k < 20; k++) {
      int cut = z64.centralStart() + r.nextInt(z64.bytes().length - z64.centralStart());
      add("torch-zip64", base + "-z64cut" + cut, Arrays.copyOf(z64.bytes(), cut), Oracle.ERROR);
    }
  }

  private static int indexOf(List<ZipWriter.Item> items, String suffix) {
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i).name().endsWith(suffix)) {
        return i;
      }
    }
    throw new IllegalStateException("no entry " + suffix);
  }

  private static byte[] rezip(List<ZipWriter.Item> items, int replace, byte[] data) {
    List<ZipWriter.Item> out = new ArrayList<>(items);
    out.set(replace, new ZipWriter.Item(items.get(replace).name(), data, items.get(replace).deflate()));
    return ZipWriter.write(out, false).bytes();
  }

  /** Shapes, strides and offsets that disagree with their storage, overflow, or are negative. */
  private void shapes() {
    long big = (1L << 62) + 1;
    Object[][] cases = {
        {8L, new long[] {3, 4}, new long[] {4, 1}, 8}, {8L, new long[] {big, 4}, new long[] {4, 1}, 8},
        {8L, new long[] {-2, -4}, new long[] {4, 1}, 8}, {8L, new long[] {2, -4}, new long[] {4, 1}, 8},
        {8L, new long[] {1L << 31, 1L << 31}, new long[] {1, 1}, 8}, {8L, new long[] {Long.MAX_VALUE}, new long[] {1}, 8},
        {8L, new long[] {2, 4}, new long[] {-4, 1}, 8}, {8L, new long[] {2, 4}, new long[] {Long.MAX_VALUE / 2, 1}, 8},
        {8L, new long[] {2, 4}, new long[] {4}, 8}, {8L, new long[] {2, 4}, new long[] {5, 1}, 8},
        {8L, new long[] {2, 4}, new long[] {4, 1}, 4}, {8L, new long[] {2, 4}, new long[] {4, 1}, 9},
        {4L, new long[] {2, 4}, new long[] {4, 1}, 8}, {-1L, new long[] {2, 4}, new long[] {4, 1}, 8},
        {1L << 40, new long[] {2, 4}, new long[] {4, 1}, 8}, {Long.MAX_VALUE / 4 + 1, new long[] {2, 4}, new long[] {4, 1}, 8},
        {8L, new long[] {0, big}, new long[] {1, 1}, 8}, {8L, new long[] {Shapes.MAX_ELEMENTS + 1L}, new long[] {1}, 8},
        {8L, new long[] {65536, 65536}, new long[] {0, 0}, 8}, {8L, new long[] {1, 1, 1, 1, 1, 1, 1, 9}, new long[] {1, 1, 1, 1, 1, 1, 1, 1}, 8},
    };
    for (int i = 0; i < cases.length; i++) {
      Object[] c = cases[i];
      long numel = (Long) c[0];
      byte[] pkl = HostileCheckpointTest.pickle(numel, (long[]) c[1], (long[]) c[2]);
      byte[] file = ZipWriter.write(List.of(new ZipWriter.Item("m/data.pkl", pkl, false),
          new ZipWriter.Item("m/data/0", HostileCheckpointTest.floats((Integer) c[3]), false)), false).bytes();
      add("torch-shapes", "shape" + i + Arrays.toString((long[]) c[1]).replace(" ", ""), file, Oracle.ERROR);
    }
  }

  /** Pickles an attacker would write: code execution, budget exhaustion, deep nesting, lying lengths. */
  private void hostilePickles() {
    List<byte[]> p = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String[] g : new String[][] {{"os", "system"}, {"posix", "system"}, {"nt", "system"},
        {"builtins", "eval"}, {"builtins", "exec"}, {"__builtin__", "eval"}, {"builtins", "getattr"},
        {"subprocess", "Popen"}, {"subprocess", "check_output"}, {"torch", "load"}, {"torch.serialization", "load"},
        {"numpy.core.multiarray", "_reconstruct"}, {"collections", "defaultdict"}, {"torch._utils", "_rebuild_qtensor"},
        {"pickle", "loads"}, {"torch.nn.modules.linear", "Linear"}}) {
      names.add("global-" + g[0] + "." + g[1]);
      p.add(cat(proto(), ("c" + g[0] + "\n" + g[1] + "\n").getBytes(StandardCharsets.US_ASCII), su("echo pwned"),
          b(0x85, 'R', '.')));
      names.add("stack-global-" + g[0] + "." + g[1]);
      p.add(cat(proto(), su(g[0]), su(g[1]), b(0x93), su("id"), b(0x85, 'R', '.')));
    }
    names.add("reduce-of-tuple");
    p.add(cat(proto(), b(')', ')', 'R', '.')));
    names.add("ordereddict-bad-args");
    p.add(cat(proto(), "ccollections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII), b('K', 1, 'K', 2, 0x86, 'R', '.')));
    names.add("rebuild-wrong-arity");
    p.add(cat(proto(), "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII), b(')', 'R', '.')));
    names.add("rebuild-non-storage");
    p.add(cat(proto(), b('}'), su("w"), "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII),
        b('(', 'N', 'K', 0, ')', ')', 't', 'R', 's', '.')));
    names.add("persid-bad-dtype");
    p.add(cat(proto(), b('(', 0x8c, 7), "storage".getBytes(StandardCharsets.US_ASCII),
        "cos\nsystem\n".getBytes(StandardCharsets.US_ASCII), su("0"), su("cpu"), b('K', 8, 't', 'Q', '.')));
    names.add("persid-not-tuple");
    p.add(cat(proto(), su("storage"), b('Q', '.')));
    names.add("mark-bomb");
    p.add(cat(proto(), repeat('(', 200_000), b('.')));
    names.add("stack-bomb");
    p.add(cat(proto(), repeat('N', 1_100_000), b('.')));
    names.add("nested-lists-deep");
    p.add(cat(proto(), repeat(']', 500_000), repeat('a', 499_999), b('.')));
    names.add("nested-tuples-deep-as-key");
    p.add(cat(proto(), b('}'), b('N'), repeat(0x85, 900_000), b('N', 's', '.')));
    names.add("nested-tuples-deep-as-value");
    p.add(cat(proto(), b('}'), su("k"), b('N'), repeat(0x85, 900_000), b('s', '.')));
    names.add("nested-dicts-deep");
    ByteArrayOutputStream dicts = new ByteArrayOutputStream();
    dicts.writeBytes(cat(proto(), b('}')));
    for (int i = 0; i < 300_000; i++) {
      dicts.writeBytes(su("k"));
      dicts.write('}');
    }
    dicts.writeBytes(repeat('s', 300_000));
    dicts.write('.');
    p.add(dicts.toByteArray());
    names.add("many-empty-dicts-left-on-stack");
    p.add(cat(proto(), b('}'), su("k"), repeat('}', 300_000), b('.')));
    names.add("empty-state-dict");
    p.add(cat(proto(), b('}', '.')));
    names.add("bytes-after-stop");
    p.add(cat(proto(), b('}', '.', 'N', '.')));
    names.add("self-containing-list-key");
    p.add(cat(proto(), b('}', ']', 'q', 0, 'h', 0, 'a', 'N', 's', '.')));
    names.add("self-appending-list-million");
    ByteArrayOutputStream laugh = new ByteArrayOutputStream();
    laugh.writeBytes(cat(proto(), b(']', 'q', 0, '(')));
    laugh.writeBytes(repeat('h', 0, 900_000));
    laugh.writeBytes(b('e', '.'));
    p.add(laugh.toByteArray());
    names.add("memo-huge-index");
    p.add(cat(proto(), b('N', 'r', -1, -1, -1, 0x7f, '.')));
    names.add("memo-negative-index");
    p.add(cat(proto(), b('N', 'r', -1, -1, -1, -1, 'j', -1, -1, -1, -1, '.')));
    names.add("memo-bomb");
    p.add(cat(proto(), b('N'), repeat(0x94, 1_100_000), b('.')));
    names.add("memo-get-missing");
    p.add(cat(proto(), b('j', 0x10, 0x27, 0, 0, '.')));
    names.add("binunicode-2gb");
    p.add(cat(proto(), b('X', -1, -1, -1, 0x7f), su("x"), b('.')));
    names.add("binunicode-negative");
    p.add(cat(proto(), b('X', -1, -1, -1, -1, '.')));
    names.add("binunicode8-huge");
    p.add(cat(proto(), b(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40, '.')));
    names.add("binbytes-negative");
    p.add(cat(proto(), b('B', 0, 0, 0, -128, '.')));
    names.add("long1-huge");
    p.add(cat(proto(), b(0x8a, (byte) 0xff), new byte[10], b('.')));
    names.add("frame-huge");
    p.add(cat(proto(), b(0x95, -1, -1, -1, -1, -1, -1, -1, 0x7f, 'N', '.')));
    for (int op : new int[] {'i', 'o', 0x81, 0x92, 0x82, 'P', 'S', 'V', 'I', 'L', 'F', 'p', 'g', 0x96, 0x97}) {
      names.add("opcode-" + op);
      p.add(cat(proto(), b(op), "os\nsystem\n".getBytes(StandardCharsets.US_ASCII), b('.')));
    }
    names.add("no-stop");
    p.add(cat(proto(), b('}')));
    names.add("empty");
    p.add(new byte[0]);
    names.add("stop-empty-stack");
    p.add(cat(proto(), b('.')));
    names.add("setitem-on-list");
    p.add(cat(proto(), b(']', 'N', 'N', 's', '.')));
    names.add("append-on-dict");
    p.add(cat(proto(), b('}', 'N', 'a', '.')));
    names.add("build-on-list");
    p.add(cat(proto(), b(']', '}', 'b', '.')));
    names.add("not-a-dict");
    p.add(cat(proto(), b(']', '.')));
    names.add("ops-bomb");
    ByteArrayOutputStream ops = new ByteArrayOutputStream();
    ops.writeBytes(proto());
    for (int i = 0; i < 2_100_000; i++) {
      ops.write('N');
      ops.write('0'); // POP, if supported; either way the budget or an unknown opcode ends it
    }
    ops.write('.');
    p.add(ops.toByteArray());
    for (int i = 0; i < p.size(); i++) {
      byte[] file = ZipWriter.write(List.of(new ZipWriter.Item("m/data.pkl", p.get(i), i % 2 == 1),
          new ZipWriter.Item("m/data/0", HostileCheckpointTest.floats(8), false)), false).bytes();
      add("torch-hostile-pickle", names.get(i), file, Oracle.ERROR);
    }
    byte[] malicious;
    try {
      malicious = Files.readAllBytes(Fixtures.path("malicious.pt"));
      add("torch-hostile-pickle", "fixture-malicious", malicious, Oracle.ERROR);
      add("torch-hostile-pickle", "fixture-wrong-dtype", Files.readAllBytes(Fixtures.path("wrong_dtype.pt")), Oracle.ERROR);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void npy() throws IOException {
    Path dir = Fixtures.path("dot_npy");
    Random r = new Random(SEED * 31);
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(f -> f.toString().endsWith(".npy")).sorted().toList();
    }
    for (Path f : files) {
      byte[] real = Files.readAllBytes(f);
      String key = f.getFileName().toString().replace(".npy", "");
      int headerEnd = 10 + (ByteBuffer.wrap(real).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff);
      Tensor ref = NpyFormat.read("ref", key, real);
      npyInput("npy-rewritten", key + "-same", key, real, Oracle.EXPECTED, ref);
      for (int k = 0; k < 12; k++) {
        int cut = k < 4 ? new int[] {0, 6, 9, headerEnd}[k] : r.nextInt(real.length);
        npyInput("npy-truncated", key + "-cut" + cut, key, Arrays.copyOf(real, cut), Oracle.ERROR, null);
      }
      for (int k = 0; k < 25; k++) {
        byte[] b = real.clone();
        int at = r.nextInt(headerEnd);
        b[at] ^= (byte) (1 + r.nextInt(255));
        npyInput("npy-header-flip", key + "-hflip" + k + "@" + at, key, b, Oracle.EXPECTED, ref);
      }
      for (int k = 0; k < 4 && real.length > headerEnd; k++) {
        byte[] b = real.clone();
        int at = headerEnd + r.nextInt(real.length - headerEnd);
        b[at] ^= (byte) (1 + r.nextInt(255));
        npyInput("npy-data-flip", key + "-dflip" + k + "@" + at, key, b, Oracle.EXPECTED,
            new Tensor(key, ref.shape(), decode(b, headerEnd)));
      }
      byte[] trailing = Arrays.copyOf(real, real.length + 4);
      npyInput("npy-structured", key + "-trailing", key, trailing, Oracle.ERROR, null);
    }
    String[] headers = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387905, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999999, 999999999999999999), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'shape': (1, 4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,4), }",
        "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
        "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
        "{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 2), }",
        "{'descr': '<f4', 'shape': (2, 2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': __import__('os').system('id'), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0x2, 2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 2), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2], }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), } trailing",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), ",
        "{'descr': '<f4", "",
    };
    for (int i = 0; i < headers.length; i++) {
      npyInput("npy-structured", "header" + i, "t", npy(headers[i], 16), Oracle.ERROR, null);
    }
    byte[] ok = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16);
    npyInput("npy-structured", "valid-2x2", "t", ok, Oracle.EXPECTED,
        new Tensor("t", new long[] {2, 2}, new float[4]));
    // No comma after the shape: still a Python dict literal (NumPy's parser accepts it), so it must load.
    npyInput("npy-structured", "valid-no-trailing-comma", "t",
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2) }", 16), Oracle.EXPECTED,
        new Tensor("t", new long[] {2, 2}, new float[4]));
    for (int[] v : new int[][] {{2, 0}, {3, 0}, {1, 1}, {4, 0}, {0, 0}, {255, 255}}) {
      byte[] b = ok.clone();
      b[6] = (byte) v[0];
      b[7] = (byte) v[1];
      npyInput("npy-structured", "version" + v[0] + "." + v[1], "t", b, Oracle.ERROR, null);
    }
    byte[] v2 = ok.clone();
    v2[6] = 2;
    npyInput("npy-structured", "v2-headerlen-huge", "t", cat(Arrays.copyOf(v2, 8), b(-1, -1, -1, -1), Arrays.copyOfRange(ok, 10, ok.length)), Oracle.ERROR, null);
    npyInput("npy-structured", "v1-headerlen-huge", "t", ZipWriter.patch(ok, 8, 2, 0xFFFF), Oracle.ERROR, null);
    npyInput("npy-structured", "bad-magic", "t", ZipWriter.patch(ok, 1, 1, 'X'), Oracle.ERROR, null);
  }

  /** A version 1.0 .npy file with header dict {@code dict} padded as NumPy pads it and {@code dataBytes} zeros. */
  static byte[] npy(String dict, int dataBytes) {
    StringBuilder h = new StringBuilder(dict);
    while ((10 + h.length() + 1) % 64 != 0) {
      h.append(' ');
    }
    h.append('\n');
    ByteBuffer b = ByteBuffer.allocate(10 + h.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
    b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    return b.array();
  }

  private static float[] decode(byte[] b, int from) {
    float[] out = new float[(b.length - from) / 4];
    ByteBuffer.wrap(b, from, b.length - from).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private void npyInput(String family, String name, String key, byte[] bytes, Oracle oracle, Tensor expected) {
    inputs.add(new Input(family, name, bytes, true, key, oracle, expected));
  }

  // --- byte helpers -------------------------------------------------------------------------------------------

  static byte[] proto() {
    return b(0x80, 2);
  }

  static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  /** SHORT_BINUNICODE of {@code s}. */
  static byte[] su(String s) {
    byte[] u = s.getBytes(StandardCharsets.UTF_8);
    return cat(b(0x8c, u.length), u);
  }

  static byte[] repeat(int op, int n) {
    byte[] out = new byte[n];
    Arrays.fill(out, (byte) op);
    return out;
  }

  /** {@code n} copies of the two-byte opcode {@code op arg}. */
  static byte[] repeat(int op, int arg, int n) {
    byte[] out = new byte[2 * n];
    for (int i = 0; i < n; i++) {
      out[2 * i] = (byte) op;
      out[2 * i + 1] = (byte) arg;
    }
    return out;
  }

  static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
