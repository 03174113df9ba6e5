"""FuseFL from Python: progress events while fitting, the model's Params against the Java model, Pipeline and
CrossValidator round trips giving back the Python classes, and bad input surfacing as a one-line error."""
import os

import pytest
from pyspark.errors import IllegalArgumentException
from pyspark.ml import Pipeline
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

from sparkfusion.fusefl import DirichletPartitioner, FuseFL, FuseFLModel, parse_stage_line


@pytest.fixture(scope="module")
def clients(spark, fmnist_dir):
    train = spark.read.format("idx").load(os.path.join(fmnist_dir, "train-images-idx3-ubyte.gz")).limit(600)
    return DirichletPartitioner.partition(train, "label", "client", 2, 1.0, 3).cache()


def small(**kw):
    params = dict(blocks=2, epochsPerStage=1, width=6, batchSize=32, calibrationSamples=100, seed=2)
    params.update(kw)
    return FuseFL(**params)


def test_progress_reports_each_stage_and_model_params_match_java(spark, clients):
    events = []
    model = small(progress=events.append).fit(clients)
    descriptions = [e.description for e in events]
    assert "FuseFL stage 1/2: local training" in descriptions
    assert "FuseFL stage 2/2: local training" in descriptions
    done = [e for e in events if e.description == "FuseFL stage 2/2: local training" and e.status == "SUCCEEDED"]
    assert done and done[-1].fraction == 1.0 and done[-1].completed_tasks == 2
    assert isinstance(model, FuseFLModel)
    assert {p.name for p in model.params} == {p.name() for p in model._java_obj.params()}
    assert model.getInputShape() == [1, 28, 28] and model.numClasses == 10 and model.parameterCount > 0
    log = model.summary.stage_log
    assert parse_stage_line(log[0]).what == "FuseFL stage 1/2: local training"


def test_unfitted_pipeline_saves_and_loads_as_python(spark, tmp_path):
    path = str(tmp_path / "unfitted")
    Pipeline(stages=[small(method="ensemble", width=5)]).write().overwrite().save(path)
    stage = Pipeline.load(path).getStages()[0]
    assert isinstance(stage, FuseFL)
    assert stage.getMethod() == "ensemble" and stage.getWidth() == 5 and stage.getSeed() == 2


def test_cross_validator_picks_a_model_and_round_trips(spark, clients, tmp_path):
    f = small(blocks=1)
    grid = ParamGridBuilder().addGrid(f.method, ["fusefl", "ensemble"]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    cv = CrossValidator(estimator=f, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=5)
    cv_model = cv.fit(clients)
    assert len(cv_model.avgMetrics) == 2 and all(0.1 < m <= 1 for m in cv_model.avgMetrics)
    assert isinstance(cv_model.bestModel, FuseFLModel)
    path = str(tmp_path / "cv")
    cv_model.write().overwrite().save(path)
    loaded = CrossValidatorModel.load(path)
    assert isinstance(loaded.bestModel, FuseFLModel)
    a = [r.prediction for r in cv_model.transform(clients).select("prediction").collect()]
    b = [r.prediction for r in loaded.transform(clients).select("prediction").collect()]
    assert a == b


def test_bad_param_and_missing_column_are_clear(spark, clients):
    with pytest.raises(IllegalArgumentException, match="blocks"):
        small(blocks=9).fit(clients)
    with pytest.raises(IllegalArgumentException, match="client column 'client' already exists"):
        DirichletPartitioner.partition(clients, "label", "client", 2, 0.5, 1)
        small(clientCol="nope").fit(clients)
