package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;
import org.sparkfusion.fusefl.core.ImageShape;

/** One declaration (FuseFLParams) seen by Spark's reflection the same way on the estimator and the model. */
class FuseFLParamsTest {

  private static Map<String, String> docs(Params stage) {
    Map<String, String> m = new TreeMap<>();
    for (Param<?> p : stage.params()) {
      assertThat(p.parent()).as(p.name()).isEqualTo(stage.uid());
      m.put(p.name(), p.doc());
    }
    return m;
  }

  @Test
  void estimatorAndModelDeclareTheSameParams() {
    FuseFL est = new FuseFL();
    FuseFLModel model = new FuseFLModel("fuseflModel-p", null, new ImageShape(1, 12, 12));
    Map<String, String> estimatorOnly = docs(est);
    assertThat(estimatorOnly.remove("numClasses")).isEqualTo("number of classes; 0 = max label + 1");
    assertThat(estimatorOnly).hasSize(29).isEqualTo(docs(model));
    for (Param<?> p : est.params()) {
      if (p.name().equals("numClasses")) {
        continue;
      }
      Object d = est.getDefault(p).get();
      Object md = model.getDefault(model.getParam(p.name())).get();
      if (d instanceof int[] a) {
        assertThat((int[]) md).as(p.name()).isEqualTo(a);
      } else {
        assertThat(md).as(p.name()).isEqualTo(d);
      }
    }
    assertThat(model.hasParam("numClasses")).isFalse();
    assertThat(est.explainParams()).contains("blocks: number of blocks K = number of stages (1..4) (default: 2)");
    assertThat(model.getInputShape()).containsExactly(1, 12, 12);
    assertThat(model.isSet(model.inputShape())).isTrue();
  }

  @Test
  void copyAndExtractParamMapKeepEveryValue() {
    FuseFL est = new FuseFL().setBlocks(3).setMethod("ensemble").setInputShape(new int[] {1, 12, 12});
    FuseFL copy = est.copy(new ParamMap().put(est.seed(), 9L));
    assertThat(copy.uid()).isEqualTo(est.uid());
    assertThat(copy.getBlocks()).isEqualTo(3);
    assertThat(copy.getMethod()).isEqualTo("ensemble");
    assertThat(copy.getSeed()).isEqualTo(9L);
    assertThat(est.getSeed()).isEqualTo(1L);
    ParamMap all = est.extractParamMap();
    assertThat(all.size()).isEqualTo(30);
    assertThat((int[]) all.apply(est.inputShape())).containsExactly(1, 12, 12);

    FuseFLModel model = new FuseFLModel("fuseflModel-c", null, new ImageShape(1, 12, 12));
    est.copyValues(model, ParamMap.empty());
    FuseFLModel m2 = model.copy(new ParamMap().put(model.predictionCol(), "yhat"));
    assertThat(m2.getBlocks()).isEqualTo(3);
    assertThat(m2.getMethod()).isEqualTo("ensemble");
    assertThat(m2.getPredictionCol()).isEqualTo("yhat");
    assertThat(model.getPredictionCol()).isEqualTo("prediction");
    assertThat(Arrays.stream(m2.params()).map(Param::name)).contains("learningRate", "clientExtraLayers");
  }
}
