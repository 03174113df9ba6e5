package org.sparkfusion.fusefl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparkfusion.common.io.HadoopIO;

/**
 * Spark ML stage metadata ({@code metadata/part-00000}, the JSON {@code DefaultParamsReader} reads, so
 * {@code Pipeline.load} finds our class and calls its static {@code read()}), written into a directory that
 * {@link HadoopIO#writeDirectoryAtomically} later renames into place.
 */
final class ParamsMetadata {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ParamsMetadata() {}

  @SuppressWarnings("unchecked")
  static void write(Params stage, String sparkVersion, FileSystem fs, Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("class", stage.getClass().getName());
    root.put("timestamp", System.currentTimeMillis());
    root.put("sparkVersion", sparkVersion);
    root.put("uid", stage.uid());
    ObjectNode set = root.putObject("paramMap");
    ObjectNode defaults = root.putObject("defaultParamMap");
    for (Param<?> p : stage.params()) {
      Param<Object> param = (Param<Object>) p;
      if (stage.isSet(param)) {
        set.set(param.name(), JSON.readTree(param.jsonEncode(stage.getOrDefault(param))));
      } else if (stage.hasDefault(param)) {
        defaults.set(param.name(), JSON.readTree(param.jsonEncode(stage.getDefault(param).get())));
      }
    }
    Path metadata = new Path(dir, "metadata");
    fs.mkdirs(metadata);
    try (FSDataOutputStream out = fs.create(new Path(metadata, "part-00000"), true)) {
      out.write(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    fs.create(new Path(metadata, "_SUCCESS"), true).close();
  }

  /** Reads the metadata, checks the class, and returns the uid; sets every listed param on {@code target}. */
  @SuppressWarnings("unchecked")
  static JsonNode read(String path, Configuration conf, String expectedClass) throws IOException {
    Path file = new Path(new Path(path, "metadata"), "part-00000");
    byte[] bytes = HadoopIO.readAllBytes(file, conf);
    JsonNode root = JSON.readTree(bytes);
    String cls = root.path("class").asText("");
    if (!cls.equals(expectedClass)) {
      throw new IOException("Model at " + path + " is a " + (cls.isEmpty() ? "(no class)" : cls) + ", expected "
          + expectedClass);
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  static void applyParams(Params target, JsonNode root, String path) {
    for (String section : new String[] {"defaultParamMap", "paramMap"}) {
      JsonNode map = root.path(section);
      map.fieldNames().forEachRemaining(name -> {
        if (!target.hasParam(name)) {
          throw new IllegalArgumentException("Unknown param '" + name + "' in metadata of " + path);
        }
        Param<Object> p = (Param<Object>) target.getParam(name);
        Object value = p.jsonDecode(map.get(name).toString());
        target.set(p, value);
      });
    }
  }
}
