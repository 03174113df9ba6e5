package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Samples for the built-in models: windows of the fortunes text for gpt-tiny, Fashion-MNIST for resnet-small. */
final class BuiltInData {
  static final Path FORTUNES = Path.of("/usr/share/games/fortunes");
  static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

  private BuiltInData() {}

  /** Windows of {@code seq + 1} characters every {@code seq / 2} characters: tokens and next-character targets. */
  static List<Sample> textWindows(String text, int seq) {
    byte[] ids = CharCorpus.encode(text);
    List<Sample> out = new ArrayList<>();
    for (int start = 0; start + seq + 1 <= ids.length; start += Math.max(1, seq / 2)) {
      float[] tokens = new float[seq];
      float[] targets = new float[seq];
      for (int t = 0; t < seq; t++) {
        tokens[t] = ids[start + t];
        targets[t] = ids[start + t + 1];
      }
      out.add(new Sample(new float[][] {tokens, targets}));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("text of " + text.length() + " characters is shorter than one window of " + (seq + 1));
    }
    return out;
  }

  static List<Sample> fortunes(int seq, long maxChars) throws IOException {
    return textWindows(CharCorpus.readDirectory(FORTUNES, maxChars), seq);
  }

  static List<Sample> fashionMnist(int limit) throws IOException {
    Path dir = FASHION;
    Path images = first(dir, "train-images-idx3-ubyte");
    Path labels = first(dir, "train-labels-idx1-ubyte");
    ImageSet set = ImageSet.readIdx(images, labels, limit, 1, 0);
    List<Sample> out = new ArrayList<>();
    int per = set.rows * set.cols;
    if (set.rows != 28 || set.cols != 28) {
      throw new IOException(images + " has " + set.rows + "x" + set.cols + " images; resnet-small needs 28x28");
    }
    for (int i = 0; i < set.size(); i++) {
      float[] px = new float[per];
      for (int k = 0; k < per; k++) {
        px[k] = (set.pixels[i * per + k] & 0xff) / 255f - 0.3f;
      }
      out.add(new Sample(new float[][] {px, {set.labels[i]}}));
    }
    return out;
  }

  private static Path first(Path dir, String base) throws IOException {
    for (String ext : new String[] {"", ".gz"}) {
      Path p = dir.resolve(base + ext);
      if (Files.exists(p)) {
        return p;
      }
    }
    throw new IOException("Fashion-MNIST file " + base + "[.gz] not found in " + dir
        + " (install the Debian package dataset-fashion-mnist)");
  }
}
