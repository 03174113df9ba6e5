package org.sparkfusion.dlrm.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

/** The issue-18 exploits, each built here byte by byte, and the clean one-line errors they must now give. */
class HostileCheckpointTest {

  /** A one-tensor pickle: {'emb_l.0.weight': _rebuild_tensor_v2(storage('0', numel), 0, shape, stride)}. */
  static byte[] pickle(long numel, long[] shape, long[] stride) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(0x80);
    p.write(2);
    p.write('}');
    shortString(p, "emb_l.0.weight");
    p.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII));
    p.write('(');
    p.write('(');
    shortString(p, "storage");
    p.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
    shortString(p, "0");
    shortString(p, "cpu");
    long1(p, numel);
    p.write('t');
    p.write('Q');
    long1(p, 0);
    tuple(p, shape);
    tuple(p, stride);
    p.write('t');
    p.write('R');
    p.write('s');
    p.write('.');
    return p.toByteArray();
  }

  private static void shortString(ByteArrayOutputStream p, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    p.write(0x8c);
    p.write(b.length);
    p.writeBytes(b);
  }

  private static void long1(ByteArrayOutputStream p, long v) {
    p.write(0x8a);
    p.write(8);
    p.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
  }

  private static void tuple(ByteArrayOutputStream p, long[] v) {
    p.write('(');
    for (long x : v) {
      long1(p, x);
    }
    p.write('t');
  }

  /** A zip of (name, bytes, deflate?, declared size or -1) entries, written as torch.save lays them out. */
  static byte[] zip(Object[]... entries) {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    ByteArrayOutputStream cd = new ByteArrayOutputStream();
    for (Object[] e : entries) {
      byte[] name = ((String) e[0]).getBytes(StandardCharsets.UTF_8);
      byte[] data = (byte[]) e[1];
      boolean deflate = (Boolean) e[2];
      long declared = e.length > 3 ? (Long) e[3] : data.length;
      byte[] stored = data;
      if (deflate) {
        Deflater d = new Deflater(9, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 64];
        int n = d.deflate(buf);
        d.end();
        stored = java.util.Arrays.copyOf(buf, n);
      }
      CRC32 crc = new CRC32();
      crc.update(data);
      int local = z.size();
      ByteBuffer lh = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
      lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) (deflate ? 8 : 0))
          .putInt(0).putInt((int) crc.getValue()).putInt(stored.length).putInt((int) declared)
          .putShort((short) name.length).putShort((short) 0);
      z.writeBytes(lh.array());
      z.writeBytes(name);
      z.writeBytes(stored);
      ByteBuffer ch = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
      ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
          .putShort((short) (deflate ? 8 : 0)).putInt(0).putInt((int) crc.getValue()).putInt(stored.length)
          .putInt((int) declared).putShort((short) name.length).putShort((short) 0).putShort((short) 0)
          .putShort((short) 0).putShort((short) 0).putInt(0).putInt(local);
      cd.writeBytes(ch.array());
      cd.writeBytes(name);
    }
    int cdOffset = z.size();
    z.writeBytes(cd.toByteArray());
    ByteBuffer eocd = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
    eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.length)
        .putShort((short) entries.length).putInt(cd.size()).putInt(cdOffset).putShort((short) 0);
    z.writeBytes(eocd.array());
    return z.toByteArray();
  }

  static byte[] floats(int n) {
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat(i + 0.5f);
    }
    return b.array();
  }

  static byte[] checkpoint(long numel, long[] shape, long[] stride, byte[] storage) {
    return zip(new Object[] {"m/data.pkl", pickle(numel, shape, stride), false},
        new Object[] {"m/data/0", storage, false});
  }

  @Test
  void validHandBuiltCheckpointLoads() {
    var sd = TorchCheckpoint.read("ok.pt", checkpoint(8, new long[] {2, 4}, new long[] {4, 1}, floats(8)));
    assertThat(sd.get("emb_l.0.weight").shape()).containsExactly(2, 4);
    assertThat(sd.get("emb_l.0.weight").data()).containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f);
  }

  @Test
  void shapeOfTwoToTheSixtyTwoPlusOneRowsIsRejectedNotWrapped() {
    long rows = (1L << 62) + 1; // rows * 4 wraps to 4 in 64-bit arithmetic
    byte[] file = checkpoint(4, new long[] {rows, 4}, new long[] {4, 1}, floats(4));
    assertThatThrownBy(() -> TorchCheckpoint.read("wrap.pt", file))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("wrap.pt").hasMessageContaining("emb_l.0.weight").hasMessageNotContaining("\n");
  }

  @Test
  void tensorObjectItselfRefusesAWrappingShape() {
    assertThatThrownBy(() -> new Tensor("t", new long[] {(1L << 62) + 1, 4}, new float[4]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Tensor("t", new long[] {-2, -2}, new float[4]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void viewBeyondItsStorageAndForgedStorageSizesAreRejected() {
    assertThatThrownBy(() -> TorchCheckpoint.read("big.pt",
        checkpoint(8, new long[] {3, 4}, new long[] {4, 1}, floats(8))))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("beyond its storage");
    // The pickle says 8 values, the entry holds 4: a forged size.
    assertThatThrownBy(() -> TorchCheckpoint.read("short.pt",
        checkpoint(8, new long[] {2, 4}, new long[] {4, 1}, floats(4))))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("short.pt")
        .hasMessageContaining("emb_l.0.weight");
    // Strides that overflow when multiplied out.
    assertThatThrownBy(() -> TorchCheckpoint.read("stride.pt",
        checkpoint(8, new long[] {2, 4}, new long[] {Long.MAX_VALUE / 2, 1}, floats(8))))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("beyond its storage");
  }

  @Test
  void smallEntryDeclaringTwoGigabytesIsRefusedBeforeAllocating() {
    byte[] pkl = pickle(8, new long[] {2, 4}, new long[] {4, 1});
    byte[] file = zip(new Object[] {"m/data.pkl", pkl, true, 2_000_000_000L},
        new Object[] {"m/data/0", floats(8), false});
    assertThatThrownBy(() -> TorchCheckpoint.read("bomb.pt", file))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("bomb.pt").hasMessageContaining("m/data.pkl");
    // Within the deflate ratio but more than the entry really inflates to: a forged header.
    byte[] lying = zip(new Object[] {"m/data.pkl", pkl, true, (long) pkl.length + 100},
        new Object[] {"m/data/0", floats(8), false});
    assertThatThrownBy(() -> TorchCheckpoint.read("lying.pt", lying))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("inflates to");
  }

  @Test
  void corruptedStorageBytesFailTheCrcInsteadOfLoadingWrongValues() {
    byte[] file = checkpoint(8, new long[] {2, 4}, new long[] {4, 1}, floats(8));
    byte[] pkl = pickle(8, new long[] {2, 4}, new long[] {4, 1});
    int dataAt = 30 + "m/data.pkl".length() + pkl.length + 30 + "m/data/0".length();
    file[dataAt + 5] ^= 0x10;
    assertThatThrownBy(() -> TorchCheckpoint.read("flip.pt", file))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("CRC");
  }

  @Test
  void npyWithWrappingOrNegativeDimsOrTrailingDataIsRejected() {
    for (String shape : new String[] {"(4611686018427387905, 4)", "(-2, -2)", "(2, 2), 'shape': (1, 4)"}) {
      byte[] npy = npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", 16);
      assertThatThrownBy(() -> NpyFormat.read("m/x.npy", "emb_l.0.weight", npy)).as(shape)
          .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("m/x.npy")
          .hasMessageContaining("emb_l.0.weight");
    }
    byte[] extra = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 16);
    assertThatThrownBy(() -> NpyFormat.read("m/x.npy", "x", extra)).hasMessageContaining("trailing");
    byte[] ok = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16);
    assertThat(NpyFormat.read("m/x.npy", "x", ok).shape()).containsExactly(2, 2);
  }

  private static byte[] npy(String dict, int dataBytes) {
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

  @Test
  void selfContainingListAsDictKeyIsRejectedNotHashed() {
    // [] q0 h0 a  -> a list holding itself;  } h0 N s -> {that list: None}
    byte[] p = {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '}', 'h', 0, 'N', 's', '.'};
    assertThatThrownBy(() -> RestrictedUnpickler.load("k.pt!data.pkl", p))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("dict key");
  }

  @Test
  void hostileFileThroughTheUserPathGivesTheSameCleanError() throws Exception {
    Path f = TestDirs.newDir("hostile").resolve("wrap.pt");
    Files.write(f, checkpoint(4, new long[] {(1L << 62) + 1, 4}, new long[] {4, 1}, floats(4)));
    assertThatThrownBy(() -> ModelFiles.read(f.toString(), new Configuration()))
        .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("wrap.pt")
        .hasMessageContaining("emb_l.0.weight");
  }
}
