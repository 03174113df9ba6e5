package org.sparkfusion.fusefl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkfusion.common.io.HadoopIO;
import org.sparkfusion.fusefl.core.DirichletSplit;

/**
 * {@code fusefl --export-split FILE}: the Dirichlet split a job trains on, as JSON another implementation can read
 * (dev/fusefl-torch reads it; JSON, not a pickle or Java serialization): the training and test files, the settings
 * the split was drawn with, and for every training row, in file order, its label and client. The label list lets
 * the reader check that its row i is our row i before it trains. {@code split_sha256} identifies the split in the
 * result JSON of both sides.
 */
final class SplitExport {
  static final String FORMAT = "sparkfusion-fusefl-split";
  static final int VERSION = 1;

  private SplitExport() {}

  /**
   * SHA-256 (hex) of the clients of the rows in order, as ASCII decimals joined by ',' (e.g. "0,3,1"): easy to
   * recompute in any language.
   */
  static String sha256(int[] assignment) {
    StringBuilder sb = new StringBuilder(assignment.length * 2);
    for (int i = 0; i < assignment.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(assignment[i]);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(sb.toString().getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The split as a JSON tree (see the class comment). */
  static ObjectNode toJson(FuseFLJob.Options o, String[] paths, long testRows, long seed,
      DirichletPartitioner.Split split) {
    int[] labels = split.labels();
    int[] assignment = split.assignment();
    int classes = 0;
    for (int y : labels) {
      classes = Math.max(classes, y + 1);
    }
    ObjectNode root = new ObjectMapper().createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("dataset", o.dataset);
    root.put("train_images", new File(paths[0]).getAbsolutePath());
    root.put("test_images", new File(paths[1]).getAbsolutePath());
    root.put("train_limit", o.trainLimit);
    root.put("test_limit", o.testLimit);
    root.put("test_rows", testRows);
    root.put("clients", o.clients);
    root.put("alpha", o.alpha);
    root.put("seed", seed);
    root.put("min_rows_per_client", split.minRowsPerClient());
    root.put("rows", labels.length);
    root.put("classes", classes);
    root.put("split_sha256", sha256(assignment));
    ArrayNode counts = root.putArray("counts");
    for (long[] perClass : DirichletSplit.counts(labels, assignment, classes, o.clients)) {
      ArrayNode row = counts.addArray();
      for (long c : perClass) {
        row.add(c);
      }
    }
    ArrayNode l = root.putArray("label");
    for (int y : labels) {
      l.add(y);
    }
    ArrayNode c = root.putArray("client");
    for (int a : assignment) {
      c.add(a);
    }
    return root;
  }

  /** Writes {@link #toJson} to {@code file}, atomically (a temporary file renamed on success). */
  static void write(String file, ObjectNode json, Configuration hadoop) throws Exception {
    byte[] bytes = new ObjectMapper().writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
    HadoopIO.writeFileAtomically(new Path(new File(file).getAbsoluteFile().toURI()), hadoop, true,
        out -> out.write(bytes));
  }
}
