package org.sparkfusion.common.kryo;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class KryoGuardTest {

  @Test
  void kryoWithoutOurRegistratorFailsWithTheFix() {
    SparkConf conf = new SparkConf(false)
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", "com.example.Other");
    assertThatThrownBy(() -> SparkFusionKryoRegistrator.requireRegisteredIfKryo(conf))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("spark.kryo.registrator")
        .hasMessageContaining(SparkFusionKryoRegistrator.CLASS_NAME);
  }

  @Test
  void registratorAmongOthersIsAccepted() {
    SparkConf conf = new SparkConf(false)
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", "com.example.Other, " + SparkFusionKryoRegistrator.CLASS_NAME);
    assertThatCode(() -> SparkFusionKryoRegistrator.requireRegisteredIfKryo(conf)).doesNotThrowAnyException();
  }

  @Test
  void javaSerializerNeedsNoRegistrator() {
    assertThatCode(() -> SparkFusionKryoRegistrator.requireRegisteredIfKryo(new SparkConf(false)))
        .doesNotThrowAnyException();
  }
}
