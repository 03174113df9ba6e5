package org.sparkfusion.fusefl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.sparkfusion.fusefl.core.ImageShape;

/** The stages' output schema: both output columns appended, an existing one refused with its name. */
class FuseFLSchemaTest {
  private static final StructType INPUT = SyntheticImages.schema();

  /** transformSchema never touches the network, so a model without one is enough here. */
  private static FuseFLModel model() {
    return new FuseFLModel("fuseflModel-schema", null, new ImageShape(1, 12, 12));
  }

  @Test
  void modelAppendsPredictionAndProbability() {
    StructType out = model().transformSchema(INPUT);
    assertThat(out.fieldNames()).containsExactly("features", "label", "prediction", "probability");
    assertThat(out.apply("prediction").dataType()).isEqualTo(DataTypes.DoubleType);
    assertThat(out.apply("probability").dataType()).isEqualTo(SQLDataTypes.VectorType());
  }

  @Test
  void modelRefusesAnExistingPredictionColumn() {
    StructType scored = INPUT.add("prediction", DataTypes.DoubleType);
    assertThatThrownBy(() -> model().transformSchema(scored)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FuseFLModel: output column 'prediction' already exists in the input; drop it or set "
            + "predictionCol to another name");
  }

  @Test
  void modelRefusesAnExistingProbabilityColumnUnderItsOwnName() {
    StructType scored = INPUT.add("p", SQLDataTypes.VectorType());
    assertThatThrownBy(() -> model().setProbabilityCol("p").transformSchema(scored))
        .hasMessageContaining("output column 'p' already exists").hasMessageContaining("probabilityCol");
    assertThat(model().setProbabilityCol("p2").transformSchema(scored).fieldNames()).contains("p", "p2");
  }

  @Test
  void modelRefusesOneNameForBothOutputs() {
    assertThatThrownBy(() -> model().setProbabilityCol("prediction").transformSchema(INPUT))
        .hasMessageContaining("predictionCol and probabilityCol are both 'prediction'");
  }

  @Test
  void estimatorChecksTheSameBeforeTraining() {
    StructType scored = INPUT.add("client", DataTypes.IntegerType).add("probability", SQLDataTypes.VectorType());
    assertThatThrownBy(() -> new FuseFL().transformSchema(scored))
        .hasMessageContaining("FuseFL: output column 'probability' already exists");
  }
}
