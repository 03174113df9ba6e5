package org.sparkfusion.common.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;

/**
 * The fixed Kryo ID blocks of Spark Fusion's modules, far above the IDs Kryo and Spark assign themselves (a few
 * hundred), so that no registration of ours can move or replace one of theirs.
 */
public final class KryoIds {
  /** IDs per module. */
  public static final int BLOCK = 100;
  /** spark-common: ND4J arrays. */
  public static final int COMMON = 20_000;
  /** spark-fusefl. */
  public static final int FUSEFL = COMMON + BLOCK;
  /** spark-dagtrain. */
  public static final int DAGTRAIN = COMMON + 2 * BLOCK;
  /** spark-dlrm. */
  public static final int DLRM = COMMON + 3 * BLOCK;
  /** native-upmem. */
  public static final int UPMEM = COMMON + 4 * BLOCK;

  private KryoIds() {}

  /**
   * Gives a module's classes the IDs of its block in registration order. A class Kryo or Spark registered
   * already (the same on every JVM) keeps its registration; its slot in the block stays unused, so the IDs of the
   * module's other classes do not depend on it.
   */
  public static final class Registrar {
    private final Kryo kryo;
    private final String module;
    private final int end;
    private int next;

    Registrar(Kryo kryo, String module, int base) {
      this.kryo = kryo;
      this.module = module;
      this.next = base;
      this.end = base + BLOCK;
    }

    /** Registers {@code type} with Kryo's default serializer for it. */
    public void register(Class<?> type) {
      int id = slot(type);
      if (kryo.getClassResolver().getRegistration(type) == null) {
        kryo.register(type, id);
      }
    }

    /** Registers {@code type} with {@code serializer}. */
    public void register(Class<?> type, Serializer<?> serializer) {
      int id = slot(type);
      if (kryo.getClassResolver().getRegistration(type) == null) {
        kryo.register(type, serializer, id);
      } else {
        kryo.getRegistration(type).setSerializer(serializer);
      }
    }

    private int slot(Class<?> type) {
      if (next >= end) {
        throw new IllegalStateException(module + " registers more than " + BLOCK + " Kryo classes (at "
            + type.getName() + "); give it a second block in KryoIds");
      }
      return next++;
    }
  }
}
