"""What a notebook user writes against the public names: DLRM scoring (DataFrame and SQL agree with the
reference checkpoint's expected outputs to 1e-5), and FuseFL fitted inside a pyspark.ml.Pipeline, saved,
loaded back as Python classes, with the same predictions."""
import json
import os

from pyspark.ml import Pipeline, PipelineModel
from pyspark.sql import Row
from pyspark.sql.types import ArrayType, FloatType, IntegerType, StructField, StructType

import sparkfusion
from sparkfusion.dlrm import DlrmModel, register
from sparkfusion.fusefl import DirichletPartitioner, FuseFL, FuseFLModel

from conftest import FIXTURES


def _reference_rows():
    with open(os.path.join(FIXTURES, "dot_rows.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_session_has_jars_kryo_and_sql_function(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.serializer") == "org.apache.spark.serializer.KryoSerializer"
    assert conf.get("spark.kryo.registrator") == "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator"
    jars = sparkfusion.jars()
    assert any(os.path.basename(j).startswith("spark-fusefl_2.13-") for j in jars)
    assert all(j in conf.get("spark.jars") for j in jars)
    names = {r.function for r in spark.sql("SHOW FUNCTIONS LIKE 'dlrm*'").collect()}
    assert "dlrm_predict" in names
    assert "-Dio.netty.tryReflectionSetAccessible=true" in conf.get("spark.driver.extraJavaOptions")


def test_dlrm_dataframe_and_sql_match_reference(spark, tmp_path):
    rows = _reference_rows()
    schema = StructType([StructField("id", IntegerType()), StructField("dense", ArrayType(FloatType())),
                         StructField("sparse", ArrayType(ArrayType(IntegerType())))])
    df = spark.createDataFrame([Row(id=i, dense=r["dense"], sparse=r["sparse"]) for i, r in enumerate(rows)], schema)
    model_path = os.path.join(FIXTURES, "dot_checkpoint.pt")

    dlrm = DlrmModel(modelPath=model_path, outputCol="ctr")
    scored = {r.id: r.ctr for r in dlrm.transform(df).select("id", "ctr").collect()}
    assert len(scored) == len(rows)
    for i, r in enumerate(rows):
        assert abs(scored[i] - r["expected"]) < 1e-5, (i, scored[i], r["expected"])

    register(spark, model_path)
    df.createOrReplaceTempView("impressions")
    sql = {r.id: r.ctr for r in spark.sql("SELECT id, dlrm_predict(dense, sparse) AS ctr FROM impressions").collect()}
    for i, r in enumerate(rows):
        assert abs(sql[i] - r["expected"]) < 1e-5, (i, sql[i], r["expected"])

    # The transformer round-trips through save/load as the Python class, model file included.
    path = str(tmp_path / "dlrm")
    dlrm.write().overwrite().save(path)
    again = DlrmModel.load(path)
    assert isinstance(again, DlrmModel) and again.getOutputCol() == "ctr"
    reloaded = {r.id: r.ctr for r in again.transform(df).collect()}
    assert all(abs(reloaded[i] - scored[i]) < 1e-12 for i in scored)


def test_fusefl_pipeline_save_load_same_predictions(spark, fmnist_dir, tmp_path):
    train = spark.read.format("idx").load(os.path.join(fmnist_dir, "train-images-idx3-ubyte.gz")).limit(900)
    test = spark.read.format("idx").load(os.path.join(fmnist_dir, "t10k-images-idx3-ubyte.gz")).limit(200).cache()
    clients = DirichletPartitioner.partition(train, labelCol="label", clientCol="client", clients=3, alpha=0.5,
                                             seed=1)
    fusefl = FuseFL(blocks=2, epochsPerStage=1, width=8, batchSize=32, learningRate=0.02, calibrationSamples=200,
                    seed=7)
    assert fusefl.getSeed() == 7 and fusefl.getMethod() == "fusefl"
    model = Pipeline(stages=[fusefl]).fit(clients)
    fitted = model.stages[-1]
    assert isinstance(fitted, FuseFLModel)
    summary = fitted.summary
    assert summary.method == "fusefl" and len(summary.stages) == 2
    assert all(len(s.client_accuracy) == 3 for s in summary.stages)

    first = [(r.prediction, list(r.probability)) for r in model.transform(test).select("prediction", "probability").collect()]
    accuracy = sum(p == float(r.label) for (p, _), r in zip(first, test.select("label").collect())) / len(first)
    assert accuracy > 0.3, accuracy  # 10 classes: chance is 0.1

    path = str(tmp_path / "pipeline")
    model.write().overwrite().save(path)
    loaded = PipelineModel.load(path)
    assert isinstance(loaded.stages[-1], FuseFLModel)
    assert not loaded.stages[-1].hasSummary
    second = [(r.prediction, list(r.probability)) for r in loaded.transform(test).select("prediction", "probability").collect()]
    assert [p for p, _ in second] == [p for p, _ in first]
    for (_, a), (_, b) in zip(first, second):
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-6
