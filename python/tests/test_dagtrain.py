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


def test_unknown_graph_name_is_a_clear_error(spark):
    try:
        dagtrain.graph(spark, "gpt-huge")
    except ValueError as e:
        assert "gpt-huge" in str(e)
    else:
        raise AssertionError("expected ValueError")
