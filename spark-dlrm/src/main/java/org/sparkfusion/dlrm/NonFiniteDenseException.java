package org.sparkfusion.dlrm;

/**
 * A dense feature that is NaN or infinite (or a double too large for a float): scoring it would write NaN next to
 * a success marker. The message names the column, the element and the row; {@code nonFiniteDense=null}
 * ({@link DlrmModel}, {@code spark.sparkfusion.dlrm.nonFiniteDense}, {@code --non-finite-dense}) scores such rows
 * as null instead.
 */
final class NonFiniteDenseException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  NonFiniteDenseException(String column, int element, String where, String value) {
    super(column + ": element " + element + " of " + where + " is " + value + ", not a finite number (set "
        + "nonFiniteDense / " + DlrmConf.NON_FINITE_DENSE.key() + " / --non-finite-dense to null to score such rows "
        + "as null)");
  }
}
