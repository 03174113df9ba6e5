package org.sparkfusion.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Random;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.MiniDfs;

@ExtendWith(MiniDfs.class)
class HadoopIOMiniDfsTest {

  @Test
  void roundTripsAFileThroughRealHdfs(MiniDfs.Hdfs hdfs) throws IOException {
    byte[] payload = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(payload);
    Path target = new Path(hdfs.path("/models/m1/weights.bin"));
    assertThat(target.toUri().getScheme()).isEqualTo("hdfs");

    HadoopIO.writeFileAtomically(target, hdfs.configuration(), false, out -> out.write(payload));

    assertThat(HadoopIO.readAllBytes(target, hdfs.configuration())).isEqualTo(payload);
    assertThat(hdfs.fileSystem().listStatus(target.getParent())).hasSize(1);
  }

  @Test
  void interruptedDirectoryWriteLeavesNothingOnHdfs(MiniDfs.Hdfs hdfs) throws IOException {
    Path target = new Path(hdfs.path("/models/broken"));
    assertThatThrownBy(() -> HadoopIO.writeDirectoryAtomically(target, hdfs.configuration(), false, (fs, dir) -> {
      try (var out = fs.create(new Path(dir, "data"))) {
        out.write(new byte[4096]);
      }
      throw new IOException("executor lost (simulated)");
    })).hasMessageContaining("executor lost");
    assertThat(hdfs.fileSystem().exists(target)).isFalse();
    assertThat(hdfs.fileSystem().listStatus(target.getParent())).isEmpty();
  }
}
