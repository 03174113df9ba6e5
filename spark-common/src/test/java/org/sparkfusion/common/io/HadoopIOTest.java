package org.sparkfusion.common.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

class HadoopIOTest {

  private final Configuration conf = new Configuration();

  @Test
  void writesAndReadsAFile() throws IOException {
    Path target = new Path(TestDirs.newDir("io").toUri().toString(), "model.bin");
    HadoopIO.writeFileAtomically(target, conf, false, out -> out.write("hello".getBytes(StandardCharsets.UTF_8)));
    assertThat(new String(HadoopIO.readAllBytes(target, conf), StandardCharsets.UTF_8)).isEqualTo("hello");
  }

  @Test
  void failedWriteLeavesNoTargetAndNoTemporaryFile() throws IOException {
    java.nio.file.Path dir = TestDirs.newDir("io-fail");
    Path target = new Path(dir.toUri().toString(), "model.bin");
    assertThatThrownBy(() -> HadoopIO.writeFileAtomically(target, conf, false, out -> {
      out.write(new byte[1000]);
      throw new IOException("disk full (simulated)");
    })).hasMessageContaining("disk full");
    try (Stream<java.nio.file.Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> !p.getFileName().toString().endsWith(".crc"))).isEmpty();
    }
  }

  @Test
  void failedOverwriteKeepsThePreviousCompleteVersion() throws IOException {
    Path target = new Path(TestDirs.newDir("io-keep").toUri().toString(), "model");
    HadoopIO.writeDirectoryAtomically(target, conf, false, (fs, dir) -> {
      try (var out = fs.create(new Path(dir, "part-0"))) {
        out.write("v1".getBytes(StandardCharsets.UTF_8));
      }
    });
    assertThatThrownBy(() -> HadoopIO.writeDirectoryAtomically(target, conf, true, (fs, dir) -> {
      try (var out = fs.create(new Path(dir, "part-0"))) {
        out.write("v2-half".getBytes(StandardCharsets.UTF_8));
      }
      throw new IOException("interrupted");
    })).hasMessageContaining("interrupted");
    assertThat(new String(HadoopIO.readAllBytes(new Path(target, "part-0"), conf), StandardCharsets.UTF_8))
        .isEqualTo("v1");
  }

  @Test
  void refusesToOverwriteUnlessAsked() throws IOException {
    Path target = new Path(TestDirs.newDir("io-no-overwrite").toUri().toString(), "f");
    HadoopIO.writeFileAtomically(target, conf, false, out -> out.write(1));
    assertThatThrownBy(() -> HadoopIO.writeFileAtomically(target, conf, false, out -> out.write(2)))
        .hasMessageContaining("Refusing to overwrite").hasMessageContaining(target.toString());
    HadoopIO.writeFileAtomically(target, conf, true, out -> out.write(3));
    assertThat(HadoopIO.readAllBytes(target, conf)).containsExactly(3);
  }

  @Test
  void missingFileIsNamed() {
    Path missing = new Path(TestDirs.newDir("io-missing").toUri().toString(), "nope.bin");
    assertThatThrownBy(() -> HadoopIO.readAllBytes(missing, conf)).hasMessageContaining("nope.bin");
  }
}
