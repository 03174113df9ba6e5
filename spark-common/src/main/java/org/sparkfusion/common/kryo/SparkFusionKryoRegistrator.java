package org.sparkfusion.common.kryo;

import com.esotericsoftware.kryo.Kryo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one Kryo registrator users name: {@code spark.kryo.registrator=org.sparkfusion.common.kryo.SparkFusionKryoRegistrator}.
 * Registers ND4J arrays when ND4J is on the class path (serialized through ND4J's own format) and every module's classes found through
 * {@link KryoRegistrations}. Works with {@code spark.kryo.registrationRequired=true}.
 */
public class SparkFusionKryoRegistrator implements KryoRegistrator {

  public static final String CLASS_NAME = SparkFusionKryoRegistrator.class.getName();

  @Override
  public void registerClasses(Kryo kryo) {
    if (nd4jPresent()) {
      Nd4jRegistration.register(kryo);
    }
    List<KryoRegistrations> modules = new ArrayList<>();
    ServiceLoader.load(KryoRegistrations.class, SparkFusionKryoRegistrator.class.getClassLoader())
        .forEach(modules::add);
    registerModules(kryo, modules);
  }

  /** Registers each module in its own ID block, in block order (the class path order does not matter). */
  static void registerModules(Kryo kryo, List<KryoRegistrations> modules) {
    List<KryoRegistrations> sorted = new ArrayList<>(modules);
    sorted.sort(Comparator.comparingInt(KryoRegistrations::idBase));
    for (int i = 0; i < sorted.size(); i++) {
      KryoRegistrations m = sorted.get(i);
      if (m.idBase() < KryoIds.FUSEFL || m.idBase() % KryoIds.BLOCK != 0) {
        throw new IllegalStateException(m.getClass().getName() + " has Kryo ID base " + m.idBase()
            + "; use a block of KryoIds above spark-common's");
      }
      if (i > 0 && sorted.get(i - 1).idBase() == m.idBase()) {
        throw new IllegalStateException(sorted.get(i - 1).getClass().getName() + " and " + m.getClass().getName()
            + " both use Kryo ID block " + m.idBase());
      }
      m.register(new KryoIds.Registrar(kryo, m.getClass().getName(), m.idBase()));
    }
  }

  private static boolean nd4jPresent() {
    try {
      Class.forName("org.nd4j.linalg.factory.Nd4j", false, SparkFusionKryoRegistrator.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Kept in its own class so that modules without ND4J (DLRM) never load ND4J classes. */
  private static final class Nd4jRegistration {
    static void register(Kryo kryo) {
      INDArraySerializer arrays = new INDArraySerializer();
      KryoIds.Registrar registrar = new KryoIds.Registrar(kryo, "spark-common (ND4J)", KryoIds.COMMON);
      registrar.register(Nd4j.getBackend().getNDArrayClass(), arrays);
      registrar.register(INDArray[].class);
      kryo.addDefaultSerializer(INDArray.class, arrays);
    }
  }

  /**
   * Fails fast when Kryo is the serializer but this registrator is not among the configured ones:
   * ND4J arrays would otherwise arrive broken (a null shape) far from the cause.
   */
  public static void requireRegisteredIfKryo(SparkConf conf) {
    String serializer = conf.get("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    if (!serializer.endsWith("KryoSerializer")) {
      return;
    }
    for (String name : conf.get("spark.kryo.registrator", "").split(",")) {
      if (name.trim().equals(CLASS_NAME)) {
        return;
      }
    }
    throw new IllegalStateException("spark.serializer is Kryo but spark.kryo.registrator does not include "
        + CLASS_NAME + "; add it (comma-separated with any others) so ND4J arrays survive serialization.");
  }
}
