package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The trained parameters of a graph, node by node in topological order, each node's parameters in its op's order
 * (float64, as the engine trains them). Travels from each stage's task to the driver in a small binary form
 * ({@link #encode}), and is saved as one {@code .npy} per parameter with an {@code index.json} naming them
 * {@code <node>.<parameter>} (the node names of the graph, which for imported models are the imported layer names).
 * Every read checks names and sizes against the graph, so a file cannot put values where the graph has none.
 */
final class TrainedWeights {
  private static final int MAGIC = 0x53465754;
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String INDEX = "index.json";

  /** node -> that node's parameters, in the graph's order. */
  final Map<String, double[][]> values = new LinkedHashMap<>();

  /** Copies of the parameters a stage holds. */
  static TrainedWeights of(Map<String, Tensor[]> params) {
    TrainedWeights w = new TrainedWeights();
    for (Map.Entry<String, Tensor[]> e : params.entrySet()) {
      double[][] v = new double[e.getValue().length][];
      for (int k = 0; k < v.length; k++) {
        v[k] = e.getValue()[k].data.clone();
      }
      w.values.put(e.getKey(), v);
    }
    return w;
  }

  /** One map in graph order from the stages' parts; fails naming the first node no stage returned. */
  static TrainedWeights merge(Graph graph, List<TrainedWeights> parts) {
    TrainedWeights all = new TrainedWeights();
    for (Node n : graph.nodes()) {
      if (n.params().length == 0) {
        continue;
      }
      for (TrainedWeights p : parts) {
        double[][] v = p.values.get(n.name());
        if (v != null) {
          all.values.put(n.name(), v);
        }
      }
      if (!all.values.containsKey(n.name())) {
        throw new IllegalStateException("no stage returned the trained parameters of node " + n.describe());
      }
    }
    return all;
  }

  /** Dotted names {@code node.parameter}, in graph order. */
  List<String> names(Graph graph) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, double[][]> e : values.entrySet()) {
      Node n = graph.node(e.getKey());
      for (ParamSpec p : n.params()) {
        out.add(n.name() + "." + p.name());
      }
    }
    return out;
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(values.size());
      for (Map.Entry<String, double[][]> e : values.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        for (double[] v : e.getValue()) {
          out.writeInt(v.length);
          for (double d : v) {
            out.writeDouble(d);
          }
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static TrainedWeights decode(byte[] bytes, Graph graph) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != MAGIC) {
      throw new IOException("not a dagtrain weights message");
    }
    int nodes = in.readInt();
    TrainedWeights w = new TrainedWeights();
    for (int i = 0; i < nodes; i++) {
      Node n = checkedNode(graph, in.readUTF(), "weights message");
      int count = in.readInt();
      if (count != n.params().length) {
        throw new IOException("weights message: node " + n.describe() + " has " + n.params().length
            + " parameter(s), the message " + count);
      }
      double[][] v = new double[count][];
      for (int k = 0; k < count; k++) {
        int len = in.readInt();
        if (len != n.params()[k].elements()) {
          throw new IOException("weights message: " + n.name() + "." + n.params()[k].name() + " has " + len
              + " values, its shape " + Arrays.toString(n.params()[k].shape()) + " needs " + n.params()[k].elements());
        }
        v[k] = new double[len];
        for (int j = 0; j < len; j++) {
          v[k][j] = in.readDouble();
        }
      }
      w.values.put(n.name(), v);
    }
    return w;
  }

  private static Node checkedNode(Graph graph, String name, String where) throws IOException {
    if (graph.indexOf(name) < 0) {
      throw new IOException(where + ": parameters for '" + name + "', which is not a node of the graph");
    }
    return graph.node(name);
  }

  /** A file name for a parameter: its dotted name with anything but letters, digits, '.', '_' and '-' as '_'. */
  static String fileName(String dotted) {
    return dotted.replaceAll("[^A-Za-z0-9._-]", "_") + ".npy";
  }

  /** Writes {@code dir/<node>.<param>.npy} for every parameter and {@code dir/index.json} listing them. */
  void writeNpy(FileSystem fs, Path dir, Graph graph) throws IOException {
    fs.mkdirs(dir);
    ArrayNode index = JSON.createArrayNode();
    java.util.Set<String> files = new java.util.HashSet<>();
    for (Map.Entry<String, double[][]> e : values.entrySet()) {
      Node n = graph.node(e.getKey());
      for (int k = 0; k < n.params().length; k++) {
        ParamSpec p = n.params()[k];
        String dotted = n.name() + "." + p.name();
        String file = fileName(dotted);
        if (!files.add(file)) {
          file = fileName(dotted + "-" + files.size());
          files.add(file);
        }
        try (FSDataOutputStream out = fs.create(new Path(dir, file), false)) {
          out.write(Npy.write(p.shape(), e.getValue()[k]));
        }
        index.addObject().put("name", dotted).put("node", n.name()).put("parameter", p.name()).put("file", file)
            .set("shape", JSON.valueToTree(p.shape()));
      }
    }
    try (FSDataOutputStream out = fs.create(new Path(dir, INDEX), false)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Reads what {@link #writeNpy} wrote, checked against the graph: every parameter present, shapes equal. */
  static TrainedWeights readNpy(FileSystem fs, Path dir, Graph graph) throws IOException {
    Path indexPath = new Path(dir, INDEX);
    JsonNode index = JSON.readTree(readAll(fs, indexPath));
    if (!index.isArray()) {
      throw new IOException(indexPath + ": expected a JSON array of parameters");
    }
    TrainedWeights w = new TrainedWeights();
    for (Node n : graph.nodes()) {
      if (n.params().length > 0) {
        w.values.put(n.name(), new double[n.params().length][]);
      }
    }
    for (JsonNode entry : index) {
      String node = entry.path("node").asText();
      String param = entry.path("parameter").asText();
      String file = entry.path("file").asText();
      Node n = checkedNode(graph, node, indexPath.toString());
      int k = -1;
      for (int i = 0; i < n.params().length; i++) {
        if (n.params()[i].name().equals(param)) {
          k = i;
        }
      }
      if (k < 0 || file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new IOException(indexPath + ": entry '" + node + "." + param + "' (file '" + file
            + "') is not a parameter of the graph or names a file outside " + dir);
      }
      Path f = new Path(dir, file);
      Npy.Array a = Npy.read(readAll(fs, f), f.toString());
      if (!Arrays.equals(a.shape(), n.params()[k].shape())) {
        throw new IOException(f + ": shape " + Arrays.toString(a.shape()) + ", parameter '" + node + "." + param
            + "' of the graph has " + Arrays.toString(n.params()[k].shape()));
      }
      w.values.get(node)[k] = a.data();
    }
    for (Map.Entry<String, double[][]> e : w.values.entrySet()) {
      for (int k = 0; k < e.getValue().length; k++) {
        if (e.getValue()[k] == null) {
          throw new IOException(indexPath + ": no file for parameter '" + e.getKey() + "."
              + graph.node(e.getKey()).params()[k].name() + "'");
        }
      }
    }
    return w;
  }

  private static byte[] readAll(FileSystem fs, Path p) throws IOException {
    if (!fs.exists(p)) {
      throw new IOException(p + " does not exist");
    }
    try (java.io.InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
