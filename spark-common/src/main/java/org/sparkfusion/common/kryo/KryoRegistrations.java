package org.sparkfusion.common.kryo;

import com.esotericsoftware.kryo.Kryo;

/**
 * A module's contribution to {@link SparkFusionKryoRegistrator}. Implementations are found with
 * {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/org.sparkfusion.common.kryo.KryoRegistrations}), so users name a single
 * registrator in {@code spark.kryo.registrator} whatever modules they use.
 */
public interface KryoRegistrations {
  /** Registers every class the module sends through Spark's data serializer. */
  void register(Kryo kryo);
}
