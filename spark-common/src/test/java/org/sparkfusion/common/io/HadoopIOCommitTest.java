package org.sparkfusion.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.MiniDfs;
import org.sparkfusion.common.test.TestDirs;

/** Job outputs ({@link HadoopIO#commitDirectory}) on the local file system and on a real HDFS. */
@ExtendWith(MiniDfs.class)
class HadoopIOCommitTest {

  private static void writeResult(FileSystem fs, Path dir, String content) throws IOException {
    fs.mkdirs(dir);
    try (var out = fs.create(new Path(dir, "part-00000"))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(FileSystem fs, Path dir) throws IOException {
    try (var in = fs.open(new Path(dir, "part-00000"))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String[] names(FileSystem fs, Path dir) throws IOException {
    return Arrays.stream(fs.listStatus(dir)).map(FileStatus::getPath).map(Path::getName).sorted()
        .toArray(String[]::new);
  }

  /** The same contract on any file system: a failed overwrite keeps the old result, a good one replaces it. */
  private static void contract(Path parent, Configuration conf) throws IOException {
    FileSystem fs = parent.getFileSystem(conf);
    Path target = new Path(parent, "scored");

    HadoopIO.commitDirectory(target, conf, false, dir -> writeResult(fs, dir, "v1"));
    assertThat(read(fs, target)).isEqualTo("v1");
    assertThat(names(fs, parent)).containsExactly("scored");

    // Without overwrite: refused, naming the path, before the writer runs.
    boolean[] ran = {false};
    assertThatThrownBy(() -> HadoopIO.commitDirectory(target, conf, false, dir -> ran[0] = true))
        .hasMessageContaining(target.toString()).hasMessageContaining("--overwrite");
    assertThat(ran[0]).isFalse();

    // A writer that fails half-way: the previous result stays, nothing else is left.
    assertThatThrownBy(() -> HadoopIO.commitDirectory(target, conf, true, dir -> {
      writeResult(fs, dir, "half");
      throw new IOException("task failed (simulated)");
    })).hasMessageContaining("simulated");
    assertThat(read(fs, target)).isEqualTo("v1");
    assertThat(names(fs, parent)).containsExactly("scored");

    // A writer that writes nothing is not a result.
    assertThatThrownBy(() -> HadoopIO.commitDirectory(target, conf, true, dir -> { }))
        .hasMessageContaining("Nothing was written");
    assertThat(read(fs, target)).isEqualTo("v1");

    HadoopIO.commitDirectory(target, conf, true, dir -> writeResult(fs, dir, "v2"));
    assertThat(read(fs, target)).isEqualTo("v2");
    assertThat(names(fs, parent)).containsExactly("scored");
  }

  @Test
  void jobOutputContractOnLocalDisk() throws IOException {
    contract(new Path(TestDirs.newDir("commit").toUri()), new Configuration());
  }

  @Test
  void jobOutputContractOnHdfs(MiniDfs.Hdfs hdfs) throws IOException {
    contract(new Path(hdfs.path("/jobs/commit")), hdfs.configuration());
  }

  @Test
  void aRunKilledBetweenTheTwoRenamesGetsThePreviousResultBack() throws IOException {
    Configuration conf = new Configuration();
    Path parent = new Path(TestDirs.newDir("aside").toUri());
    FileSystem fs = parent.getFileSystem(conf);
    Path target = new Path(parent, "scored");
    HadoopIO.commitDirectory(target, conf, false, dir -> writeResult(fs, dir, "v1"));
    // The state a kill leaves after "move the old result aside" and before "rename the new one in".
    assertThat(fs.rename(target, new Path(parent, ".scored" + HadoopIO.ASIDE + "killed"))).isTrue();
    Path staleTmp = new Path(parent, ".scored" + HadoopIO.TEMPORARY + "killed");
    writeResult(fs, staleTmp, "half");
    fs.setTimes(staleTmp, System.currentTimeMillis() - 60_000, -1);

    // The next run's check puts the previous result back: without --overwrite it is still there to refuse.
    assertThatThrownBy(() -> HadoopIO.checkOutput(target, conf, false)).hasMessageContaining("already exists");
    assertThat(read(fs, target)).isEqualTo("v1");

    // A later successful run removes the killed run's hidden temporary directory.
    HadoopIO.commitDirectory(target, conf, true, dir -> writeResult(fs, dir, "v2"));
    assertThat(read(fs, target)).isEqualTo("v2");
    assertThat(names(fs, parent)).containsExactly("scored");
  }
}
