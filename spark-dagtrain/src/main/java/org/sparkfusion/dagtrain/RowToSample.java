package org.sparkfusion.dagtrain;

import java.util.List;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Row;

/** Converts a DataFrame row (one array column per graph input, named after it) into a {@link Sample}. */
final class RowToSample implements Function<Row, Sample> {
  private static final long serialVersionUID = 1L;
  private final String[] names;
  private final int[] sizes;

  RowToSample(Graph graph) {
    this(graph.nodes().stream().filter(Node::isInput).toList());
  }

  /** Reads only these inputs (the model's transform needs the features, not the label). */
  RowToSample(List<Node> inputs) {
    names = inputs.stream().map(Node::name).toArray(String[]::new);
    sizes = inputs.stream().mapToInt(n -> n.output().elements()).toArray();
  }

  @Override
  public Sample call(Row row) {
    float[][] v = new float[names.length][];
    for (int i = 0; i < names.length; i++) {
      int col;
      try {
        col = row.fieldIndex(names[i]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("training data has no column '" + names[i] + "' for graph input '" + names[i] + "'");
      }
      Object o = row.get(col);
      if (o == null) {
        throw new IllegalArgumentException("column '" + names[i] + "' is null in a training row");
      }
      float[] f;
      if (o instanceof Number num) {
        f = new float[] {num.floatValue()};
      } else if (o instanceof scala.collection.Seq<?> seq) {
        f = new float[seq.size()];
        for (int k = 0; k < f.length; k++) {
          f[k] = ((Number) seq.apply(k)).floatValue();
        }
      } else if (o instanceof List<?> list) {
        f = new float[list.size()];
        for (int k = 0; k < f.length; k++) {
          f[k] = ((Number) list.get(k)).floatValue();
        }
      } else {
        throw new IllegalArgumentException("column '" + names[i] + "' must be a number or an array of numbers, got "
            + o.getClass().getSimpleName());
      }
      if (f.length != sizes[i]) {
        throw new IllegalArgumentException("column '" + names[i] + "' has " + f.length + " values in a row, graph input '"
            + names[i] + "' needs " + sizes[i]);
      }
      v[i] = f;
    }
    return new Sample(v);
  }
}
