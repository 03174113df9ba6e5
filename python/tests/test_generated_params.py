"""The Python Params are the Java stages' Params: _generated_params.py is what the generator writes today, and
the Python stages agree with the Java ones on names and defaults (FuseFLModel: checked on a fitted model in
test_fusefl.py)."""
import os
import sys

from sparkfusion.dlrm import DlrmModel
from sparkfusion.fusefl import FuseFL

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import generate_params  # noqa: E402


def test_generated_file_is_current(spark):
    with open(generate_params.TARGET, encoding="utf-8") as f:
        committed = f.read()
    assert committed == generate_params.render(spark), \
        "python/sparkfusion/_generated_params.py is stale: run python python/tools/generate_params.py"


def _java_defaults(stage):
    j = stage._java_obj
    return {p.name(): (list(j.getDefault(p).get()) if p.getClass().getName().endswith("ArrayParam")
                       else j.getDefault(p).get())
            for p in j.params() if j.hasDefault(p)}


def test_python_stages_match_java_names_and_defaults(spark):
    for stage in (FuseFL(), DlrmModel()):
        java_names = {p.name() for p in stage._java_obj.params()}
        assert {p.name for p in stage.params} == java_names
        py_defaults = {p.name: stage.getOrDefault(p) for p in stage.params if stage.hasDefault(p)}
        assert py_defaults == _java_defaults(stage)


def test_docs_and_setters(spark):
    f = FuseFL().setBlocks(3).setMethod("fedavg")
    assert f.getBlocks() == 3 and f.getMethod() == "fedavg"
    assert "number of blocks" in f.explainParam("blocks")
    d = DlrmModel(outputCol="score", batchSize=64)
    assert d.getOutputCol() == "score" and d.getBatchSize() == 64 and d.getDenseCol() == "dense"
