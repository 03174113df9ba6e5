package org.sparkfusion.dagtrain;

import org.sparkfusion.common.kryo.KryoIds;
import org.sparkfusion.common.kryo.KryoRegistrations;

/** Classes dagtrain puts through Spark's data serializer. */
public final class DagTrainKryo implements KryoRegistrations {
  @Override
  public int idBase() {
    return KryoIds.DAGTRAIN;
  }

  @Override
  public void register(KryoIds.Registrar registrar) {
    registrar.register(Sample.class);
    registrar.register(float[].class);
    registrar.register(float[][].class);
    registrar.register(String[].class);
  }
}
