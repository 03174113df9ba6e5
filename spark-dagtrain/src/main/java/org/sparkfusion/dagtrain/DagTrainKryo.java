package org.sparkfusion.dagtrain;

import com.esotericsoftware.kryo.Kryo;
import org.sparkfusion.common.kryo.KryoRegistrations;

/** Classes dagtrain puts through Spark's data serializer. */
public final class DagTrainKryo implements KryoRegistrations {
  @Override
  public void register(Kryo kryo) {
    kryo.register(Sample.class);
    kryo.register(float[].class);
    kryo.register(float[][].class);
    kryo.register(String[].class);
  }
}
