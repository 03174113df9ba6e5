package org.sparkfusion.fusefl;

import com.esotericsoftware.kryo.Kryo;
import org.sparkfusion.common.kryo.KryoRegistrations;

/**
 * Classes FuseFL sends through Spark's data serializer: everything travels as {@code byte[]} (DL4J
 * ModelSerializer zips, packed containers), collected as arrays of them.
 */
public final class FuseFLKryoRegistrations implements KryoRegistrations {
  @Override
  public void register(Kryo kryo) {
    kryo.register(byte[].class);
    kryo.register(byte[][].class);
    kryo.register(Object[].class);
  }
}
