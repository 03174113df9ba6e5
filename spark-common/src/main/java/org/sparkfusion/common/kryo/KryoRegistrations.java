package org.sparkfusion.common.kryo;

/**
 * A module's contribution to {@link SparkFusionKryoRegistrator}. Implementations are found with
 * {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/org.sparkfusion.common.kryo.KryoRegistrations}), so users name a single
 * registrator in {@code spark.kryo.registrator} whatever modules they use.
 *
 * <p>Kryo writes a class as its registration ID, so the driver and every executor must give each class the same
 * ID. ServiceLoader order follows the class path, and a driver may see other modules than its executors; so each
 * module owns a fixed block of IDs ({@link #idBase()} to {@code idBase() + }{@link KryoIds#BLOCK}{@code  - 1})
 * and its classes get them in the order it registers them, whatever else is on the class path.
 */
public interface KryoRegistrations {
  /** First ID of this module's block; one of the constants in {@link KryoIds}, unique per module. */
  int idBase();

  /** Registers, always in the same order, every class the module sends through Spark's data serializer. */
  void register(KryoIds.Registrar registrar);
}
