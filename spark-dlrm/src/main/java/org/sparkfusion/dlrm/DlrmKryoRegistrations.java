package org.sparkfusion.dlrm;

import org.sparkfusion.common.kryo.KryoIds;
import org.sparkfusion.common.kryo.KryoRegistrations;

/**
 * Spark SQL types that travel through Kryo when Spark infers the schema of DLRM input (JSON lines with
 * {@code dense} and {@code sparse} arrays); needed when {@code spark.kryo.registrationRequired=true}.
 */
public final class DlrmKryoRegistrations implements KryoRegistrations {
  @Override
  public int idBase() {
    return KryoIds.DLRM;
  }

  @Override
  public void register(KryoIds.Registrar registrar) {
    registrar.register(org.apache.spark.sql.types.ArrayType.class);
  }
}
