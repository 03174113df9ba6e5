"""dagtrain from Python: a small graph trained as a 2-stage pipeline on local[2]; the loss falls."""
import random

from sparkfusion import dagtrain


def toy_rows(n=600, seed=7):
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        f = [rnd.uniform(-1, 1) for _ in range(8)]
        sums = [sum(v for k, v in enumerate(f) if k % 3 == c) for c in range(3)]
        rows.append((f, [float(max(range(3), key=lambda c: sums[c]))]))
    return rows


def test_train_two_stages_loss_falls(spark):
    b = dagtrain.GraphBuilder(spark)
    x = b.input("x", "float", 8)
    y = b.input("y", "int")
    h1 = b.relu("h1", b.layerNorm("ln1", b.linear("fc1", x, 32)))
    h2 = b.linear("fc2", b.gelu("g", h1), 32)
    b.softmaxCrossEntropy("loss", b.linear("head", b.add("res", h1, h2), 3), y)
    g = b.build()
    schema = dagtrain.schema_for(spark, g)
    assert schema.fieldNames() == ["x", "y"]
    data = spark.createDataFrame(toy_rows(), schema)
    result = dagtrain.train(data, g, stages=2, steps=25, planner="even", compression="topk:0.5", micro_batches=2,
                            micro_batch_size=16, learning_rate=0.01, seed=3)
    assert result.stages == 2
    assert len(result.losses) == 25 and len(result.elapsed_seconds) == 25
    first, last = sum(result.losses[:3]) / 3, sum(result.losses[-3:]) / 3
    assert last < first, (first, last)
    assert result.links and all(0 < l.kept_fraction <= 1 for l in result.links)
    assert result.stop_reason == "steps"

    # the same run told to stop at a loss it reaches part-way: it ends at the first step whose 5-step mean is there
    target = sum(result.losses[10:15]) / 5
    expected = next(s for s in range(4, 25) if sum(result.losses[s - 4:s + 1]) / 5 <= target)
    stopped = dagtrain.train(data, g, stages=2, steps=25, planner="even", compression="topk:0.5", micro_batches=2,
                             micro_batch_size=16, learning_rate=0.01, seed=3, target_loss=target)
    assert stopped.stop_reason == "target"
    assert stopped.losses == result.losses[:expected + 1]


def test_unknown_graph_name_is_a_clear_error(spark):
    try:
        dagtrain.graph(spark, "gpt-huge")
    except ValueError as e:
        assert "gpt-huge" in str(e)
    else:
        raise AssertionError("expected ValueError")


def test_trained_model_keeps_weights_saves_loads_and_exports_npy(spark, tmp_path):
    import numpy as np

    from sparkfusion.dagtrain import DagTrainModel

    b = dagtrain.GraphBuilder(spark)
    x = b.input("x", "float", 8)
    y = b.input("y", "int")
    b.softmaxCrossEntropy("loss", b.linear("head", b.relu("h", b.linear("fc1", x, 16)), 3), y)
    g = b.build()
    data = spark.createDataFrame(toy_rows(300), dagtrain.schema_for(spark, g))
    seen = []
    result = dagtrain.train(data, g, stages=2, steps=12, planner="even", micro_batches=2, micro_batch_size=16,
                            learning_rate=0.01, seed=3, progress=seen.append)
    assert seen and seen[-1].finished and seen[-1].steps_done == 12
    assert seen[-1].losses == result.losses
    model = result.model
    assert model.parameter_names() == ["fc1.weight", "fc1.bias", "head.weight", "head.bias"]
    w = model.parameter("fc1.weight")
    assert w.shape == (8, 16) and w.dtype == np.float64
    # numpy reads the exported files, equal to what the model holds
    model.export_npy(str(tmp_path / "npy"))
    for name in model.parameter_names():
        assert np.array_equal(np.load(tmp_path / "npy" / (name + ".npy"), allow_pickle=False), model.parameter(name))
    # transform appends the logits; a saved model loads back as the Python class with the same loss and outputs
    out = model.transform(data).select("output").collect()
    assert len(out) == 300 and len(out[0][0]) == 3
    path = str(tmp_path / "model")
    model.write().save(path)
    loaded = DagTrainModel.load(path)
    assert isinstance(loaded, DagTrainModel) and not loaded.hasSummary
    assert loaded.loss(data) == model.loss(data)
    assert loaded.history["losses"] == result.losses
    assert [r[0] for r in loaded.transform(data).select("output").collect()] == [r[0] for r in out]
