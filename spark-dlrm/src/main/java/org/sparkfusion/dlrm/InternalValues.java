package org.sparkfusion.dlrm;

import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Reads the scorer's primitive arrays straight from Spark's internal array data (no boxing, no external rows).
 * Element types are fixed by the column's schema; {@code array<float>} and {@code array<array<int>>} take the
 * bulk-copy path, other numeric types are widened element by element.
 */
final class InternalValues implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final DataType denseElement;
  private final boolean denseNulls;
  private final DataType idElement;
  private final boolean bagNulls;
  private final boolean idNulls;
  private final String denseCol;
  private final String sparseCol;
  private final boolean nonFiniteNull;

  InternalValues(ArrayType denseType, ArrayType sparseType, String denseCol, String sparseCol) {
    this(denseType, sparseType, denseCol, sparseCol, false);
  }

  /** {@code nonFiniteNull}: a NaN or infinite dense value makes {@link #dense} return null instead of failing. */
  InternalValues(ArrayType denseType, ArrayType sparseType, String denseCol, String sparseCol,
      boolean nonFiniteNull) {
    this.nonFiniteNull = nonFiniteNull;
    this.denseElement = denseType.elementType();
    this.denseNulls = denseType.containsNull();
    ArrayType bag = (ArrayType) sparseType.elementType();
    this.bagNulls = sparseType.containsNull();
    this.idElement = bag.elementType();
    this.idNulls = bag.containsNull();
    this.denseCol = denseCol;
    this.sparseCol = sparseCol;
  }

  /**
   * The dense features of one row; null if one is NaN or infinite (after the conversion to float, so a double
   * beyond the float range counts) and the stage scores such rows as null, else an error naming the element.
   */
  float[] dense(ArrayData a, String where) {
    float[] out = denseValues(a, where);
    int bad = firstNonFinite(out);
    if (bad < 0) {
      return out;
    }
    if (nonFiniteNull) {
      return null;
    }
    throw new NonFiniteDenseException(denseCol, bad, where, originalValue(a, bad));
  }

  static int firstNonFinite(float[] v) {
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        return i;
      }
    }
    return -1;
  }

  private String originalValue(ArrayData a, int i) {
    return denseElement instanceof DoubleType ? String.valueOf(a.getDouble(i)) : String.valueOf(denseValue(a, i));
  }

  private float[] denseValues(ArrayData a, String where) {
    int n = a.numElements();
    if (denseNulls) {
      for (int i = 0; i < n; i++) {
        if (a.isNullAt(i)) {
          throw new IllegalArgumentException(denseCol + ": element " + i + " of " + where + " is null, expected a number");
        }
      }
    }
    if (denseElement instanceof FloatType) {
      return a.toFloatArray();
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = denseValue(a, i);
    }
    return out;
  }

  private float denseValue(ArrayData a, int i) {
    if (denseElement instanceof DoubleType) {
      return (float) a.getDouble(i);
    }
    if (denseElement instanceof IntegerType) {
      return a.getInt(i);
    }
    if (denseElement instanceof LongType) {
      return a.getLong(i);
    }
    if (denseElement instanceof ShortType) {
      return a.getShort(i);
    }
    if (denseElement instanceof ByteType) {
      return a.getByte(i);
    }
    if (denseElement instanceof DecimalType d) {
      return (float) a.getDecimal(i, d.precision(), d.scale()).toDouble();
    }
    throw new IllegalArgumentException(denseCol + ": unsupported element type " + denseElement.simpleString());
  }

  long[][] sparse(ArrayData bags, String where) {
    int nt = bags.numElements();
    long[][] out = new long[nt][];
    for (int t = 0; t < nt; t++) {
      if (bagNulls && bags.isNullAt(t)) {
        throw new IllegalArgumentException(sparseCol + ": bag " + t + " of " + where
            + " is null (use an empty array for a feature without ids)");
      }
      ArrayData ids = bags.getArray(t);
      int n = ids.numElements();
      long[] b = new long[n];
      for (int k = 0; k < n; k++) {
        if (idNulls && ids.isNullAt(k)) {
          throw new IllegalArgumentException(sparseCol + ": id " + k + " of sparse feature " + t + " in " + where
              + " is null, expected an integer");
        }
        b[k] = id(ids, k);
      }
      out[t] = b;
    }
    return out;
  }

  private long id(ArrayData a, int k) {
    if (idElement instanceof IntegerType) {
      return a.getInt(k);
    }
    if (idElement instanceof LongType) {
      return a.getLong(k);
    }
    if (idElement instanceof ShortType) {
      return a.getShort(k);
    }
    if (idElement instanceof ByteType) {
      return a.getByte(k);
    }
    throw new IllegalArgumentException(sparseCol + ": unsupported id type " + idElement.simpleString());
  }
}
