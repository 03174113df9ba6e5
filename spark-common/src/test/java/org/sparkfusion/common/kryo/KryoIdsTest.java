package org.sparkfusion.common.kryo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import java.util.List;
import org.junit.jupiter.api.Test;

class KryoIdsTest {
  static final class PayloadA {}

  static final class PayloadB {}

  static final class PayloadC {}

  /** Registers its classes in the block it is given. */
  record Module(int idBase, List<Class<?>> classes) implements KryoRegistrations {
    @Override
    public void register(KryoIds.Registrar registrar) {
      classes.forEach(registrar::register);
    }
  }

  static final Module FIRST = new Module(KryoIds.FUSEFL, List.of(PayloadA.class));
  static final Module SECOND = new Module(KryoIds.DAGTRAIN, List.of(String.class, PayloadB.class, PayloadC.class));

  static int id(Kryo kryo, Class<?> c) {
    return kryo.getRegistration(c).getId();
  }

  @Test
  void aModulesIdsDoNotDependOnClassPathOrderOrOnOtherModules() {
    Kryo inOrder = new Kryo();
    SparkFusionKryoRegistrator.registerModules(inOrder, List.of(FIRST, SECOND));
    Kryo reversed = new Kryo();
    SparkFusionKryoRegistrator.registerModules(reversed, List.of(SECOND, FIRST));
    Kryo withoutFirst = new Kryo();
    SparkFusionKryoRegistrator.registerModules(withoutFirst, List.of(SECOND));

    for (Kryo k : List.of(inOrder, reversed, withoutFirst)) {
      assertThat(id(k, PayloadB.class)).isEqualTo(KryoIds.DAGTRAIN + 1);
      assertThat(id(k, PayloadC.class)).isEqualTo(KryoIds.DAGTRAIN + 2);
    }
    assertThat(id(reversed, PayloadA.class)).isEqualTo(KryoIds.FUSEFL).isEqualTo(id(inOrder, PayloadA.class));
  }

  @Test
  void aClassKryoRegisteredAlreadyKeepsItsId() {
    Kryo kryo = new Kryo();
    int before = id(kryo, String.class);
    SparkFusionKryoRegistrator.registerModules(kryo, List.of(SECOND));
    assertThat(id(kryo, String.class)).isEqualTo(before).isLessThan(KryoIds.COMMON);
  }

  @Test
  void twoModulesInOneBlockAreRefused() {
    Module clash = new Module(KryoIds.DAGTRAIN, List.of(PayloadA.class));
    assertThatThrownBy(() -> SparkFusionKryoRegistrator.registerModules(new Kryo(), List.of(SECOND, clash)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("both use Kryo ID block " + KryoIds.DAGTRAIN);
  }

  @Test
  void aModuleOutgrowingItsBlockIsRefused() {
    KryoIds.Registrar registrar = new KryoIds.Registrar(new Kryo(), "big", KryoIds.UPMEM);
    for (int i = 0; i < KryoIds.BLOCK; i++) {
      registrar.register(String.class);
    }
    assertThatThrownBy(() -> registrar.register(PayloadA.class))
        .hasMessageContaining("big registers more than " + KryoIds.BLOCK);
  }
}
