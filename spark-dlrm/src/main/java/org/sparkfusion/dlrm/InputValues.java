package org.sparkfusion.dlrm;

import java.util.List;

/** Converts SQL array values (Scala Seqs, Java lists or arrays) into the scorer's primitive arrays. */
final class InputValues {
  private InputValues() {}

  /** The dense features; a NaN or infinite one fails with {@link NonFiniteDenseException}. */
  static float[] dense(Object value, String column, String where) {
    List<?> list = asList(value, column, where);
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      if (!(v instanceof Number n)) {
        throw new IllegalArgumentException(column + ": element " + i + " of " + where + " is "
            + (v == null ? "null" : v.getClass().getSimpleName()) + ", expected a number");
      }
      out[i] = n.floatValue();
      if (!Float.isFinite(out[i])) {
        throw new NonFiniteDenseException(column, i, where, String.valueOf(v));
      }
    }
    return out;
  }

  static long[][] sparse(Object value, String column, String where) {
    List<?> bags = asList(value, column, where);
    long[][] out = new long[bags.size()][];
    for (int t = 0; t < out.length; t++) {
      Object bag = bags.get(t);
      if (bag == null) {
        throw new IllegalArgumentException(column + ": bag " + t + " of " + where
            + " is null (use an empty array for a feature without ids)");
      }
      List<?> ids = asList(bag, column + "[" + t + "]", where);
      long[] b = new long[ids.size()];
      for (int k = 0; k < b.length; k++) {
        Object v = ids.get(k);
        if (!(v instanceof Number n) || v instanceof Float || v instanceof Double) {
          throw new IllegalArgumentException(column + ": id " + k + " of sparse feature " + t + " in " + where + " is "
              + (v == null ? "null" : v.getClass().getSimpleName() + " " + v) + ", expected an integer");
        }
        b[k] = n.longValue();
      }
      out[t] = b;
    }
    return out;
  }

  private static List<?> asList(Object value, String column, String where) {
    if (value instanceof scala.collection.Seq<?> seq) {
      return scala.jdk.javaapi.CollectionConverters.asJava(seq);
    }
    if (value instanceof List<?> l) {
      return l;
    }
    if (value instanceof Object[] a) {
      return java.util.Arrays.asList(a);
    }
    throw new IllegalArgumentException(column + ": " + where + " holds "
        + (value == null ? "null" : value.getClass().getSimpleName()) + ", expected an array");
  }
}
