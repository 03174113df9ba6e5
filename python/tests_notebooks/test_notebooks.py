"""Every .ipynb under notebooks/ executed by nbclient with the kernel it declares (python3 = ipykernel, java =
JJava), with the notebook's own folder as working directory, as Jupyter runs it. Cells assert on their own
results; this test also checks values in the outputs (EXPECT) and that the plots were drawn.

The Java kernel gets its class path and JVM flags from `bin/sparkfusion notebook-env` (JJAVA_CLASSPATH,
JJAVA_JVM_OPTS), the documented set-up. Executed notebooks land in sparkfusion-dist/target/notebooks/;
SPARKFUSION_NOTEBOOKS_WRITE=1 writes them back into notebooks/ (how the committed outputs are refreshed).
-k NAME runs one notebook.
"""
import os
import re
import shlex
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
OUT = os.path.join(ROOT, "sparkfusion-dist", "target", "notebooks")

# notebook (relative to notebooks/) -> (regexes its text outputs must match, number of images it must draw)
EXPECT = {
    "python/getting-started.ipynb": ([r"Spark 4\.2\.\d+ on local\[2\]", r"'dlrm_predict'", r"total=4999950000"], 1),
    "python/fusefl-fashion-mnist.ipynb": ([r"FuseFL stage 2/2: local training \d+/\d+ tasks",
                                           r"test accuracy: fusefl 0\.(4|5|6|7|8|9)\d*",
                                           r"reloaded test accuracy"], 1),
    "python/dlrm-scoring.ipynb": ([r"DataFrame: largest difference from the reference \d\.\d+e-(0[6-9]|[1-9]\d)",
                                   r"SQL: largest difference from the reference \d\.\d+e-(0[6-9]|[1-9]\d)",
                                   r"count +5000\.0"], 1),
    "python/dagtrain.ipynb": ([r"none +loss \d\.\d+ -> \d\.\d+", r"topk:0\.5 +loss \d\.\d+ -> \d\.\d+"], 1),
    "getting-started.ipynb": ([r"Spark 4\.2\.\d+ on local\[2\]", r"fusefl: \d+ settings", r"4999950000"], 0),
    "fusefl-fashion-mnist.ipynb": ([r"FuseFL test accuracy: 0\.(4|5|6|7|8|9)"], 0),
    "dlrm-sql.ipynb": ([r"\[2000,2000,0\.\d+,0\.\d+\]"], 0),
    "dagtrain.ipynb": ([r"loss \d\.\d+ -> \d\.\d+", r"1F1B, imported SameDiff graph: loss"], 0),
}


def _all_notebooks():
    found = []
    for d, dirs, files in os.walk(NOTEBOOKS):
        dirs[:] = [x for x in dirs if x != ".ipynb_checkpoints"]
        found += [os.path.relpath(os.path.join(d, f), NOTEBOOKS) for f in files if f.endswith(".ipynb")]
    return sorted(found)


def test_every_notebook_has_expectations():
    assert _all_notebooks() == sorted(EXPECT), "add the new notebook's expected outputs to EXPECT"


def _java_kernel_env():
    printed = subprocess.run([os.path.join(ROOT, "bin", "sparkfusion"), "notebook-env"], check=True,
                             capture_output=True, text=True, env=dict(os.environ, SPARKFUSION_SKIP_BUILD="1")).stdout
    env = {}
    for line in printed.splitlines():
        key, _, value = line[len("export "):].partition("=")
        env[key] = shlex.split(value)[0]
    assert set(env) == {"JJAVA_CLASSPATH", "JJAVA_JVM_OPTS"}, printed[:200]
    return env


def _text(nb):
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "data" in out and "text/plain" in out["data"]:
                parts.append(out["data"]["text/plain"])
    return "".join(parts)


def _images(nb):
    return sum(1 for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_notebook(name):
    path = os.path.join(NOTEBOOKS, name)
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", "cell-%d" % i)  # nbformat 4.5 ids, for notebooks written before them
    kernel = nb.metadata["kernelspec"]["name"]
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    if kernel == "java":
        env.update(_java_kernel_env())
    client = NotebookClient(nb, kernel_name=kernel, timeout=600, startup_timeout=120,
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.km = client.create_kernel_manager()
    client.km.kernel_spec  # resolve now: an unknown kernel name fails here, naming it
    client.execute(env=env, cwd=os.path.dirname(path))

    target = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    nbformat.write(nb, target)
    text = _text(nb)
    patterns, images = EXPECT[name]
    for pattern in patterns:
        assert re.search(pattern, text), "%s: no output matches %r; outputs:\n%s" % (name, pattern, text[-3000:])
    assert _images(nb) >= images, "%s: %d plot(s) drawn, expected %d" % (name, _images(nb), images)
    if os.environ.get("SPARKFUSION_NOTEBOOKS_WRITE") == "1":
        nbformat.write(nb, path)
