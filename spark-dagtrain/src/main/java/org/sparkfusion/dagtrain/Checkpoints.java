package org.sparkfusion.dagtrain;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkfusion.common.io.HadoopIO;

/**
 * Stage checkpoints under a Hadoop directory: {@code plan.json}, and {@code step-NNNNNNNN/stage-S.bin} with a
 * stage's parameters and optimizer state after step N (CRC-32 protected, written atomically through
 * {@link HadoopIO}). A step is complete when every stage's file exists.
 */
final class Checkpoints {
  private static final int MAGIC = 0x5346434b;
  final Path dir;
  final Configuration conf;

  Checkpoints(String dir, Configuration conf) {
    this.dir = new Path(dir);
    this.conf = conf;
  }

  void writePlan(String json) throws IOException {
    HadoopIO.writeFileAtomically(new Path(dir, "plan.json"), conf, true, out -> out.write(json.getBytes(StandardCharsets.UTF_8)));
  }

  String readPlan() throws IOException {
    Path p = new Path(dir, "plan.json");
    FileSystem fs = HadoopIO.fileSystem(p, conf);
    return fs.exists(p) ? new String(HadoopIO.readAllBytes(p, conf), StandardCharsets.UTF_8) : null;
  }

  static String stepDir(int step) {
    return String.format("step-%08d", step);
  }

  void write(int step, int stage, StageRunner runner, Optimizer opt) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(1);
    out.writeInt(step);
    out.writeInt(stage);
    out.writeInt(runner.from);
    out.writeInt(runner.to);
    out.writeInt(opt.t);
    out.writeInt(runner.params.size());
    for (Map.Entry<String, Tensor[]> e : runner.params.entrySet()) {
      out.writeUTF(e.getKey());
      Tensor[] ps = e.getValue();
      double[][] m = opt.m.get(e.getKey());
      double[][] v = opt.v.get(e.getKey());
      out.writeInt(ps.length);
      for (int k = 0; k < ps.length; k++) {
        writeArray(out, ps[k].data);
        writeArray(out, m == null ? new double[0] : m[k]);
        writeArray(out, v == null ? new double[0] : v[k]);
      }
    }
    out.flush();
    byte[] body = bytes.toByteArray();
    CRC32 crc = new CRC32();
    crc.update(body);
    Path target = new Path(new Path(dir, stepDir(step)), "stage-" + stage + ".bin");
    HadoopIO.writeFileAtomically(target, conf, true, o -> {
      o.write(body);
      new DataOutputStream(o).writeLong(crc.getValue());
    });
  }

  void read(int step, int stage, StageRunner runner, Optimizer opt) throws IOException {
    Path p = new Path(new Path(dir, stepDir(step)), "stage-" + stage + ".bin");
    byte[] all = HadoopIO.readAllBytes(p, conf);
    if (all.length < 8) {
      throw new IOException("checkpoint " + p + " is truncated");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    long stored = new DataInputStream(new ByteArrayInputStream(all, all.length - 8, 8)).readLong();
    if (stored != crc.getValue()) {
      throw new IOException("checkpoint " + p + " is corrupt (checksum mismatch)");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 8));
    if (in.readInt() != MAGIC || in.readInt() != 1) {
      throw new IOException(p + " is not a dagtrain checkpoint");
    }
    int s = in.readInt();
    int st = in.readInt();
    int from = in.readInt();
    int to = in.readInt();
    if (s != step || st != stage || from != runner.from || to != runner.to) {
      throw new IOException("checkpoint " + p + " holds step " + s + " stage " + st + " nodes [" + from + "," + to
          + "), expected step " + step + " stage " + stage + " nodes [" + runner.from + "," + runner.to + ")");
    }
    opt.t = in.readInt();
    int nodes = in.readInt();
    for (int i = 0; i < nodes; i++) {
      String name = in.readUTF();
      Tensor[] ps = runner.params.get(name);
      int count = in.readInt();
      if (ps == null || ps.length != count) {
        throw new IOException("checkpoint " + p + " has parameters for unexpected node '" + name + "'");
      }
      double[][] m = new double[count][];
      double[][] v = new double[count][];
      for (int k = 0; k < count; k++) {
        double[] data = readArray(in);
        if (data.length != ps[k].size()) {
          throw new IOException("checkpoint " + p + ": parameter " + k + " of '" + name + "' has " + data.length
              + " values, expected " + ps[k].size());
        }
        System.arraycopy(data, 0, ps[k].data, 0, data.length);
        m[k] = readArray(in);
        v[k] = readArray(in);
        if (m[k].length == 0) {
          m[k] = new double[data.length];
          v[k] = new double[data.length];
        }
      }
      opt.m.put(name, m);
      opt.v.put(name, v);
    }
  }

  /** The latest step for which all {@code stages} stage files exist, or -1. */
  int latestComplete(int stages) throws IOException {
    FileSystem fs = HadoopIO.fileSystem(dir, conf);
    if (!fs.exists(dir)) {
      return -1;
    }
    TreeSet<Integer> steps = new TreeSet<>();
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (st.isDirectory() && name.startsWith("step-")) {
        try {
          steps.add(Integer.parseInt(name.substring(5)));
        } catch (NumberFormatException ignored) {
          // not ours
        }
      }
    }
    for (Integer s : steps.descendingSet()) {
      boolean all = true;
      for (int k = 0; k < stages; k++) {
        all &= fs.exists(new Path(new Path(dir, stepDir(s)), "stage-" + k + ".bin"));
      }
      if (all) {
        return s;
      }
    }
    return -1;
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double d : a) {
      out.writeDouble(d);
    }
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 28) {
      throw new IOException("implausible array length " + n + " in checkpoint");
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readDouble();
    }
    return a;
  }
}
