package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Character-level text for gpt-tiny: newline is id 0, printable ASCII 32..126 are ids 1..95, anything else
 * becomes a space. Micro-batches are random windows chosen from (seed, step, micro-batch).
 */
final class CharCorpus implements MicroBatchSource, java.io.Serializable {
  private static final long serialVersionUID = 1L;
  final byte[] ids;
  final int seq;
  final int batch;
  final long seed;

  CharCorpus(byte[] ids, int seq, int batch, long seed) {
    if (ids.length < seq + 2) {
      throw new IllegalArgumentException("text corpus has " + ids.length + " characters, need at least " + (seq + 2));
    }
    this.ids = ids;
    this.seq = seq;
    this.batch = batch;
    this.seed = seed;
  }

  static byte[] encode(String text) {
    byte[] out = new byte[text.length()];
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out[i] = (byte) (c == '\n' ? 0 : (c >= 32 && c <= 126 ? c - 31 : 1));
    }
    return out;
  }

  /** Reads the plain-text files of a directory tree (skipping .dat index files and .u8 duplicates). */
  static String readDirectory(Path dir, long maxChars) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("text corpus directory not found: " + dir + " (for gpt-tiny install the Debian package 'fortunes')");
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".dat") && !p.toString().endsWith(".u8"))
          .sorted().forEach(files::add);
    }
    StringBuilder sb = new StringBuilder();
    for (Path f : files) {
      if (sb.length() >= maxChars) {
        break;
      }
      sb.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
    }
    if (sb.length() == 0) {
      throw new IOException("no text found under " + dir);
    }
    return sb.length() > maxChars ? sb.substring(0, (int) maxChars) : sb.toString();
  }

  @Override
  public Map<String, Tensor> microBatch(int step, int micro) {
    SplittableRandom r = new SplittableRandom(Seeds.mix(Seeds.mix(seed, step), micro));
    Tensor tokens = Tensor.zeros(batch, seq);
    Tensor targets = Tensor.zeros(batch, seq);
    for (int b = 0; b < batch; b++) {
      int start = r.nextInt(ids.length - seq - 1);
      for (int t = 0; t < seq; t++) {
        tokens.data[b * seq + t] = ids[start + t];
        targets.data[b * seq + t] = ids[start + t + 1];
      }
    }
    return Map.of("tokens", tokens, "targets", targets);
  }
}
