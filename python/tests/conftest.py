"""One SparkSession for the whole run (a Python process holds one JVM), started the way users start it."""
import os

import pytest

import sparkfusion

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "spark-dlrm", "src", "test", "resources", "fixtures")
FMNIST = "/usr/share/datasets/fashion-mnist"

if os.environ.get("SPARKFUSION_TEST_INSTALLED") == "1":
    # dev/python-tests.sh tests the installed wheel, not the source tree: fail loudly if the import went wrong.
    _here = os.path.realpath(sparkfusion.__file__)
    assert not _here.startswith(os.path.join(ROOT, "python") + os.sep), "imported the source tree: " + _here
    assert os.path.isdir(os.path.join(os.path.dirname(_here), "jars")), "the installed wheel carries no jars"


@pytest.fixture(scope="session")
def spark():
    session = sparkfusion.start(master="local[2]", conf={
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
    })
    yield session
    session.stop()


@pytest.fixture(scope="session")
def fmnist_dir():
    if not os.path.exists(os.path.join(FMNIST, "train-images-idx3-ubyte.gz")):
        pytest.fail("Fashion-MNIST missing: sudo apt-get install dataset-fashion-mnist (.ci/run installs it)")
    return FMNIST
