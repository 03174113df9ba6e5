package org.sparkfusion.fusefl;

import org.sparkfusion.common.kryo.KryoIds;
import org.sparkfusion.common.kryo.KryoRegistrations;

/**
 * Classes FuseFL sends through Spark's data serializer: everything travels as {@code byte[]} (DL4J
 * ModelSerializer zips, packed containers), collected as arrays of them.
 */
public final class FuseFLKryoRegistrations implements KryoRegistrations {
  @Override
  public int idBase() {
    return KryoIds.FUSEFL;
  }

  @Override
  public void register(KryoIds.Registrar registrar) {
    registrar.register(byte[].class);
    registrar.register(byte[][].class);
    registrar.register(Object[].class);
  }
}
