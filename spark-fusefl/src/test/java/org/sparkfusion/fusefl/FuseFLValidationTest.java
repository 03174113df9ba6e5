package org.sparkfusion.fusefl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.sparkfusion.common.test.LocalSpark;

/** Bad input fails before any training, naming the column and the client. */
@ExtendWith(LocalSpark.class)
class FuseFLValidationTest {

  private static Dataset<Row> clients(SparkSession spark) {
    return SyntheticImages.frame(spark, 60, 4, 1).withColumn("client", expr("cast(label % 2 as string)"));
  }

  private static org.apache.spark.sql.Column expr(String e) {
    return org.apache.spark.sql.functions.expr(e);
  }

  @Test
  void nanFeaturesAreNamed(SparkSession spark) {
    Dataset<Row> bad = clients(spark).withColumn("features",
        when(col("label").equalTo(3), expr("transform(features, x -> x * cast('NaN' as float))")).otherwise(col("features")));
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().fit(bad))
        .hasMessageContaining("NaN or infinite values in column 'features'").hasMessageContaining("client 1");
  }

  @Test
  void infiniteFeaturesAreNamed(SparkSession spark) {
    Dataset<Row> bad = clients(spark).withColumn("features",
        when(col("label").equalTo(2), expr("array_union(slice(features, 1, 143), array(cast('Infinity' as float)))"))
            .otherwise(col("features")));
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().fit(bad))
        .hasMessageContaining("NaN or infinite values");
  }

  @Test
  void labelsOutsideTheClassesAreNamed(SparkSession spark) {
    Dataset<Row> bad = clients(spark).withColumn("label", when(col("label").equalTo(3), lit(7)).otherwise(col("label")));
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().setNumClasses(4).fit(bad))
        .hasMessageContaining("label 7 in column 'label'").hasMessageContaining("outside the 4 classes");
  }

  @Test
  void featureLengthMismatchIsNamed(SparkSession spark) {
    Dataset<Row> bad = clients(spark).withColumn("features",
        when(col("label").equalTo(1), expr("slice(features, 1, 100)")).otherwise(col("features")));
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().setInputShape(new int[] {1, 12, 12}).fit(bad))
        .hasMessageContaining("feature-length mismatch in column 'features'").hasMessageContaining("found 100");
  }

  @Test
  void fewerThanTwoClientsIsAnError(SparkSession spark) {
    Dataset<Row> one = clients(spark).withColumn("client", lit("only"));
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().fit(one))
        .hasMessageContaining("at least two non-empty clients").hasMessageContaining("column 'client'");
  }

  @Test
  void missingClientColumnIsNamed(SparkSession spark) {
    assertThatThrownBy(() -> FuseFLTestSupport.tinyFuseFL().setClientCol("silo").fit(clients(spark)))
        .hasMessageContaining("clientCol 'silo' not found");
  }

  @Test
  void unknownBackboneIsRejectedByTheParam() {
    assertThatThrownBy(() -> new FuseFL().setBackbone("resnet18"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backbone");
  }
}
