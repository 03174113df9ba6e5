package org.sparkfusion.dagtrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An operator DAG, validated and in topological order. Build one with {@link GraphBuilder}, {@link #fromJson}
 * or an importer; it is immutable. Construction fails with a {@link GraphValidationException} naming the
 * offending nodes when the graph has a cycle, a dangling input, a shape or dtype mismatch, an unknown op, no
 * loss (or more than one), or nodes that do not contribute to the loss.
 */
public final class Graph {
  static final String FORMAT = "sparkfusion-dagtrain-graph";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Node> nodes;
  private final Map<String, Integer> index = new HashMap<>();
  /** Initial parameter values per node (e.g. imported weights), in the order of the node's parameters. */
  private final Map<String, double[][]> initial;

  /** A node as declared, before validation. */
  record Decl(String name, Op op, List<String> inputs) { }

  private Graph(List<Node> nodes, Map<String, double[][]> initial) {
    this.nodes = Collections.unmodifiableList(nodes);
    this.initial = initial;
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i).name(), i);
    }
  }

  static Graph of(List<Decl> decls) {
    return of(decls, Map.of());
  }

  /**
   * Validates the declarations; {@code initial} gives starting values for some nodes' parameters (all of a node's
   * parameters, in its order, each of the parameter's size), which replace the seeded initialisation.
   */
  static Graph of(List<Decl> decls, Map<String, double[][]> initial) {
    Map<String, Decl> byName = new LinkedHashMap<>();
    for (Decl d : decls) {
      if (d.name() == null || d.name().isBlank()) {
        throw new GraphValidationException("a node of type " + d.op().type() + " has no name");
      }
      if (byName.put(d.name(), d) != null) {
        throw new GraphValidationException("duplicate node name '" + d.name() + "'");
      }
    }
    for (Decl d : decls) {
      if (d.inputs().size() != d.op().arity()) {
        throw new GraphValidationException("node '" + d.name() + "' (" + d.op().type() + ") takes " + d.op().arity()
            + " input(s), got " + d.inputs().size() + " " + d.inputs());
      }
      for (String in : d.inputs()) {
        if (!byName.containsKey(in)) {
          throw new GraphValidationException("node '" + d.name() + "' (" + d.op().type() + ") reads '" + in
              + "', which no node produces (dangling input)");
        }
      }
    }
    List<Decl> order = topologicalOrder(decls, byName);
    Map<String, TensorType> types = new HashMap<>();
    List<Node> nodes = new ArrayList<>();
    for (Decl d : order) {
      TensorType[] in = new TensorType[d.inputs().size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = types.get(d.inputs().get(i));
      }
      TensorType out;
      ParamSpec[] params;
      try {
        out = d.op().infer(in);
        params = d.op().params(in);
      } catch (GraphValidationException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new GraphValidationException("node '" + d.name() + "' (" + d.op().type() + ") with input(s) "
            + d.inputs() + ": " + e.getMessage(), e);
      }
      types.put(d.name(), out);
      nodes.add(new Node(d.name(), d.op(), List.copyOf(d.inputs()), out, params));
    }
    checkLoss(nodes);
    Map<String, double[][]> init = new HashMap<>();
    for (Map.Entry<String, double[][]> e : initial.entrySet()) {
      Node n = nodes.stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElseThrow(
          () -> new GraphValidationException("initial parameters for '" + e.getKey() + "', which is not a node"));
      double[][] v = e.getValue();
      if (v.length != n.params().length) {
        throw new GraphValidationException("node " + n.describe() + " has " + n.params().length
            + " parameter(s), initial values give " + v.length);
      }
      double[][] copy = new double[v.length][];
      for (int k = 0; k < v.length; k++) {
        if (v[k].length != n.params()[k].elements()) {
          throw new GraphValidationException("node " + n.describe() + ": initial '" + n.params()[k].name() + "' has "
              + v[k].length + " values, the parameter " + java.util.Arrays.toString(n.params()[k].shape()) + " needs "
              + n.params()[k].elements());
        }
        copy[k] = v[k].clone();
      }
      init.put(n.name(), copy);
    }
    return new Graph(nodes, init);
  }

  /** Starting value of parameter {@code k} of {@code n}: the given initial value, or the seeded initialisation. */
  Tensor initialParameter(Node n, int k, long seed) {
    double[][] v = initial.get(n.name());
    return v != null ? new Tensor(n.params()[k].shape(), v[k].clone()) : n.params()[k].initialise(seed, n.name());
  }

  /** Whether some parameters start from given values (imported weights) rather than from the seed. */
  public boolean hasInitialParameters() {
    return !initial.isEmpty();
  }

  private static List<Decl> topologicalOrder(List<Decl> decls, Map<String, Decl> byName) {
    Map<String, Integer> pending = new HashMap<>();
    Map<String, List<String>> consumers = new HashMap<>();
    for (Decl d : decls) {
      pending.put(d.name(), d.inputs().size());
      for (String in : d.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(d.name());
      }
    }
    Deque<String> ready = new ArrayDeque<>();
    for (Decl d : decls) {
      if (d.inputs().isEmpty()) {
        ready.add(d.name());
      }
    }
    List<Decl> order = new ArrayList<>();
    while (!ready.isEmpty()) {
      String n = ready.poll();
      order.add(byName.get(n));
      for (String c : consumers.getOrDefault(n, List.of())) {
        if (pending.merge(c, -1, Integer::sum) == 0) {
          ready.add(c);
        }
      }
    }
    if (order.size() != decls.size()) {
      List<String> cyclic = new ArrayList<>();
      for (Decl d : decls) {
        if (pending.get(d.name()) > 0) {
          cyclic.add(d.name());
        }
      }
      throw new GraphValidationException("graph has a cycle through node(s) " + cyclic);
    }
    return order;
  }

  private static void checkLoss(List<Node> nodes) {
    List<Node> losses = new ArrayList<>();
    for (Node n : nodes) {
      if (n.op().isLoss()) {
        losses.add(n);
      }
    }
    if (losses.size() != 1) {
      throw new GraphValidationException("a graph needs exactly one loss node (softmax_cross_entropy), found "
          + losses.stream().map(Node::name).toList());
    }
    Node loss = losses.get(0);
    Set<String> used = new HashSet<>();
    used.add(loss.name());
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (used.contains(n.name())) {
        used.addAll(n.inputs());
      }
    }
    List<String> dead = new ArrayList<>();
    for (Node n : nodes) {
      if (!used.contains(n.name())) {
        dead.add(n.name());
      }
    }
    if (!dead.isEmpty()) {
      throw new GraphValidationException("node(s) " + dead + " do not contribute to the loss '" + loss.name() + "'");
    }
    if (nodes.get(nodes.size() - 1) != loss) {
      throw new GraphValidationException("loss '" + loss.name() + "' must be the last node; "
          + nodes.get(nodes.size() - 1).describe() + " follows it");
    }
  }

  List<Node> nodes() {
    return nodes;
  }

  Node node(String name) {
    Integer i = index.get(name);
    if (i == null) {
      throw new IllegalArgumentException("no node named '" + name + "'");
    }
    return nodes.get(i);
  }

  int indexOf(String name) {
    Integer i = index.get(name);
    return i == null ? -1 : i;
  }

  /** Node names in topological order. */
  public List<String> nodeNames() {
    return nodes.stream().map(Node::name).toList();
  }

  /** Names of the input nodes, fed from the data, in topological order. */
  public List<String> inputNames() {
    return nodes.stream().filter(Node::isInput).map(Node::name).toList();
  }

  /** Number of nodes, inputs and loss included. */
  public int size() {
    return nodes.size();
  }

  /** Total trainable parameters. */
  public long parameterCount() {
    return nodes.stream().mapToLong(Node::paramCount).sum();
  }

  /** One line per node: name, op, inputs, output type, parameters. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    for (Node n : nodes) {
      sb.append(String.format("%-18s %-22s %-28s -> %-20s params=%d%n", n.name(), n.op().type(),
          n.inputs(), n.output(), n.paramCount()));
    }
    return sb.toString();
  }

  /**
   * The graph as JSON (format {@value #FORMAT}, version 1): nodes in topological order with op type and attributes,
   * and, for nodes whose parameters start from given values, {@code init}: one base64 string of little-endian
   * float64 values per parameter.
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", 1);
    ArrayNode arr = root.putArray("nodes");
    for (Node n : nodes) {
      ObjectNode o = arr.addObject();
      o.put("name", n.name());
      o.put("op", n.op().type());
      ArrayNode ins = o.putArray("inputs");
      n.inputs().forEach(ins::add);
      o.set("attrs", JSON.valueToTree(n.op().attrs()));
      o.put("output", n.output().toString());
      double[][] init = initial.get(n.name());
      if (init != null) {
        ArrayNode vals = o.putArray("init");
        for (double[] v : init) {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(v.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
          buf.asDoubleBuffer().put(v);
          vals.add(java.util.Base64.getEncoder().encodeToString(buf.array()));
        }
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (Exception e) {
      throw new IllegalStateException("could not write graph JSON", e);
    }
  }

  /**
   * Reads a graph written by {@link #toJson()}. Only op types on the allow-list are created; anything else
   * (or a missing attribute, or an invalid graph) fails with a {@link GraphValidationException} naming the node.
   */
  public static Graph fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (Exception e) {
      throw new GraphValidationException("graph JSON does not parse: " + e.getMessage(), e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new GraphValidationException("not a graph JSON: field 'format' must be '" + FORMAT + "'");
    }
    if (root.path("version").asInt(-1) != 1) {
      throw new GraphValidationException("unsupported graph JSON version " + root.path("version"));
    }
    JsonNode arr = root.path("nodes");
    if (!arr.isArray()) {
      throw new GraphValidationException("graph JSON: field 'nodes' must be an array");
    }
    List<Decl> decls = new ArrayList<>();
    Map<String, double[][]> init = new HashMap<>();
    int i = 0;
    for (JsonNode n : arr) {
      String name = n.path("name").asText("");
      if (name.isEmpty()) {
        throw new GraphValidationException("graph JSON: node #" + i + " has no name");
      }
      String type = n.path("op").asText("");
      @SuppressWarnings("unchecked")
      Map<String, Object> attrs = n.has("attrs") ? JSON.convertValue(n.get("attrs"), Map.class) : Map.of();
      List<String> inputs = new ArrayList<>();
      for (JsonNode in : n.path("inputs")) {
        inputs.add(in.asText());
      }
      decls.add(new Decl(name, OpRegistry.create(type, attrs, name), inputs));
      if (n.has("init")) {
        List<double[]> vals = new ArrayList<>();
        for (JsonNode v : n.get("init")) {
          byte[] bytes;
          try {
            bytes = java.util.Base64.getDecoder().decode(v.asText());
          } catch (IllegalArgumentException e) {
            throw new GraphValidationException("graph JSON: node '" + name + "': 'init' is not base64", e);
          }
          if (bytes.length % 8 != 0) {
            throw new GraphValidationException("graph JSON: node '" + name + "': 'init' holds " + bytes.length
                + " bytes, not a whole number of float64 values");
          }
          double[] d = new double[bytes.length / 8];
          java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(d);
          vals.add(d);
        }
        init.put(name, vals.toArray(new double[0][]));
      }
      i++;
    }
    return of(decls, init);
  }

  @Override
  public String toString() {
    return "Graph(" + nodes.size() + " nodes, " + parameterCount() + " parameters)";
  }
}
