package org.sparkfusion.dlrm;

import com.esotericsoftware.kryo.Kryo;
import org.sparkfusion.common.kryo.KryoRegistrations;

/**
 * Spark SQL types that travel through Kryo when Spark infers the schema of DLRM input (JSON lines with
 * {@code dense} and {@code sparse} arrays); needed when {@code spark.kryo.registrationRequired=true}.
 */
public final class DlrmKryoRegistrations implements KryoRegistrations {
  @Override
  public void register(Kryo kryo) {
    kryo.register(org.apache.spark.sql.types.ArrayType.class);
  }
}
