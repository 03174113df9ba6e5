package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

/** The .npy reader takes only float64 C-order arrays whose size matches, and weights only where the graph has them. */
class NpyTest {

  private static byte[] withHeader(String dict, int dataBytes) {
    byte[] ok = Npy.write(new int[] {1}, new double[] {0});
    String header = dict + " ".repeat(Math.max(0, 117 - dict.length() - 10)) + "\n";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[10 + h.length + dataBytes];
    System.arraycopy(ok, 0, out, 0, 8);
    out[8] = (byte) h.length;
    out[9] = (byte) (h.length >> 8);
    System.arraycopy(h, 0, out, 10, h.length);
    return out;
  }

  @Test void roundTripsShapesIncludingScalarsAndVectors() throws Exception {
    double[] v = {1.5, -2, Double.MIN_VALUE, 1e300, 0, 7};
    for (int[] shape : new int[][] {{6}, {2, 3}, {1, 2, 3}}) {
      byte[] f = Npy.write(shape, v);
      assertThat((f.length - 8 * v.length) % 64).isZero();  // header aligned as numpy writes it
      Npy.Array a = Npy.read(f, "f.npy");
      assertThat(a.shape()).isEqualTo(shape);
      assertThat(Arrays.mismatch(a.data(), v)).isEqualTo(-1);
    }
  }

  @Test void refusesOtherFormatsAndSizesNamingTheFile() {
    assertThatThrownBy(() -> Npy.read(new byte[] {1, 2, 3}, "w.npy")).hasMessageContaining("w.npy").hasMessageContaining("not a .npy");
    assertThatThrownBy(() -> Npy.read(withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16), "obj.npy"))
        .hasMessageContaining("obj.npy").hasMessageContaining("'<f8'");
    assertThatThrownBy(() -> Npy.read(withHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", 16), "f.npy"))
        .hasMessageContaining("fortran_order");
    assertThatThrownBy(() -> Npy.read(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 16), "short.npy"))
        .hasMessageContaining("short.npy").hasMessageContaining("needs 3 float64 values");
    assertThatThrownBy(() -> Npy.read(withHeader(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }", 16), "big.npy"))
        .isInstanceOf(ArithmeticException.class);
    byte[] truncated = Arrays.copyOf(Npy.write(new int[] {4}, new double[4]), 70);
    assertThatThrownBy(() -> Npy.read(truncated, "t.npy")).hasMessageContaining("t.npy");
  }

  @Test void weightsDirectoryIsCheckedAgainstTheGraph() throws Exception {
    Graph g = Synthetic.model(10, 4, 16);
    TrainedWeights w = TrainedWeights.of(new StageRunner(g, 0, g.size(), 3).params);
    Path dir = TestDirs.newDir("npy-weights").resolve("w");
    FileSystem fs = FileSystem.getLocal(new Configuration()).getRaw();  // no .crc files: the test edits files
    w.writeNpy(fs, new org.apache.hadoop.fs.Path(dir.toUri()), g);
    TrainedWeights back = TrainedWeights.readNpy(fs, new org.apache.hadoop.fs.Path(dir.toUri()), g);
    assertThat(Arrays.mismatch(back.values.get("fc1")[0], w.values.get("fc1")[0])).isEqualTo(-1);
    // a file of another shape, and an index entry pointing outside the directory, are refused with their names
    Files.write(dir.resolve("fc1.bias.npy"), Npy.write(new int[] {2, 8}, new double[16]));
    assertThatThrownBy(() -> TrainedWeights.readNpy(fs, new org.apache.hadoop.fs.Path(dir.toUri()), g))
        .hasMessageContaining("fc1.bias.npy").hasMessageContaining("shape [2, 8]");
    String index = Files.readString(dir.resolve("index.json")).replace("\"fc1.bias.npy\"", "\"../fc1.bias.npy\"");
    Files.writeString(dir.resolve("index.json"), index);
    assertThatThrownBy(() -> TrainedWeights.readNpy(fs, new org.apache.hadoop.fs.Path(dir.toUri()), g))
        .hasMessageContaining("outside");
  }
}
