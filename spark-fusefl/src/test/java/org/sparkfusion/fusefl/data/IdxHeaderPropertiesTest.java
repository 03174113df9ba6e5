package org.sparkfusion.fusefl.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.hadoop.conf.Configuration;
import org.sparkfusion.common.test.TestDirs;

/**
 * Properties of the IDX header validation (issue 18), with jqwik and a fixed seed: for any header (magic, count,
 * rows, columns near the int edges), any real payload length and label count, plain or gzipped, the validation
 * either accepts a layout whose sizes exactly match the bytes in both files, or refuses with one line naming a
 * file; never another exception and never a layout that would read short or past the data.
 */
class IdxHeaderPropertiesTest {
  private static final Path DIR = TestDirs.newDir("idx-properties");
  private static final AtomicInteger N = new AtomicInteger();

  record Case(int magic, int count, int rows, int cols, int payload, int labelCount, int labelPayload, boolean gz) {}

  @Provide
  Arbitrary<Integer> dim() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 12)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(-3, 3)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 31).map(k -> 1 << k)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(Integer.MAX_VALUE, Integer.MIN_VALUE, 65536, 46341, 16384, 16385)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Integer> magic = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.just(0x803)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(0x801, 0x80d, 0x0803_0000, 0)), net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
    Arbitrary<Integer> slack = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(0)),
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(-3, 3)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-500, 500)));
    return Combinators.combine(magic, dim(), dim(), dim(), slack, slack, Arbitraries.of(true, false))
        .as((m, c, r, k, s, ls, gz) -> {
          long product = (long) c * r * k;
          int payload = (int) Math.max(0, Math.min(4096, (product >= 0 && product <= 4096 ? product : 100) + s));
          int labelCount = ls == 0 || c < 0 ? c : c + ls;
          int labelPayload = (int) Math.max(0, Math.min(4096, c >= 0 && c <= 4096 ? c : 10));
          return new Case(m, c, r, k, payload, labelCount, labelPayload, gz);
        });
  }

  @Property(tries = 600, seed = "18")
  void idxValidationAcceptsOnlyExactLayoutsAndRefusesCleanly(@ForAll("cases") Case c) throws IOException {
    int n = N.incrementAndGet();
    byte[] img = ByteBuffer.allocate(16 + c.payload()).putInt(c.magic()).putInt(c.count()).putInt(c.rows())
        .putInt(c.cols()).array();
    byte[] lbl = ByteBuffer.allocate(8 + c.labelPayload()).putInt(0x801).putInt(c.labelCount()).array();
    Path images = DIR.resolve(n + "-images" + (c.gz() ? ".gz" : ""));
    Path labels = DIR.resolve(n + "-labels");
    Files.write(images, c.gz() ? ImageDataSourcesTest.gzip(img) : img);
    Files.write(labels, lbl);
    try {
      ImageFileLayout layout = ImageFileLayout.idx(images.toString(), labels.toString(), new Configuration());
      assertThat((long) layout.count * layout.pixels()).as("%s", c).isEqualTo(c.payload());
      assertThat(layout.count).isEqualTo(c.labelPayload()).isEqualTo(c.count());
      assertThat(layout.recordBytes).isEqualTo(layout.pixels()).isPositive();
      assertThat(c.magic()).isEqualTo(0x803);
    } catch (ImageFormatException e) {
      assertThat(e.getMessage()).as("%s", c).doesNotContain("\n")
          .containsAnyOf(images.toString(), labels.toString());
    } finally {
      try {
        Files.deleteIfExists(images);
        Files.deleteIfExists(labels);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
