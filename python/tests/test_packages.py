"""Spark Fusion by coordinates (docs/cluster.md): pyspark's real spark-submit with --packages, and a PySpark
script setting spark.jars.packages, both resolving org.sparkfusion:*_2.13 from the file repository the build
writes (sparkfusion-dist/target/maven-repo, install-file in sparkfusion-dist's POM) with a fresh Ivy directory,
on a local-cluster (executors are separate JVMs that fetch the jars from the driver).

Third-party jars come from Ivy's default chain. Its first resolver, local-m2-cache, is pointed (user.home) at a
view of ~/.m2 holding only complete entries: Maven leaves POMs without jars for every version it mediated away,
and Ivy fails on such an entry instead of trying Maven Central (the jars it then needs come from Central).
org.sparkfusion is left out of the view, so our artifacts can only come from the given repository.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT

REPO = os.path.join(ROOT, "sparkfusion-dist", "target", "maven-repo")
JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster_job.py")
MASTER = "local-cluster[1,1,1024]"
MODULES = ("spark-dlrm_2.13", "spark-fusefl_2.13")
KRYO = {"spark.serializer": "org.apache.spark.serializer.KryoSerializer",
        "spark.kryo.registrator": "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator"}


def _version():
    with open(os.path.join(ROOT, "pom.xml"), encoding="utf-8") as f:
        m = re.search(r"<artifactId>sparkfusion-parent</artifactId>\s*<version>([^<]+)</version>", f.read())
    return m.group(1)


def _complete_m2_view(home):
    """home/.m2/repository: symlinks to the version directories of ~/.m2 that hold their jar (or are POM-only
    modules such as parents), without org/sparkfusion."""
    src = os.path.join(os.path.expanduser("~"), ".m2", "repository")
    dst = os.path.join(home, ".m2", "repository")
    os.makedirs(dst)
    linked = 0
    for d, dirs, files in os.walk(src):
        rel = os.path.relpath(d, src)
        if rel == os.path.join("org", "sparkfusion"):
            dirs[:] = []
            continue
        poms = [f for f in files if f.endswith(".pom")]
        if not poms or rel == ".":
            continue
        version, artifact = os.path.basename(d), os.path.basename(os.path.dirname(d))
        base = "%s-%s" % (artifact, version)
        complete = base + ".jar" in files
        if not complete and base + ".pom" in files:
            with open(os.path.join(d, base + ".pom"), encoding="utf-8", errors="replace") as f:
                complete = re.search(r"<packaging>\s*pom\s*</packaging>", f.read()) is not None
        if complete:
            os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
            os.symlink(d, os.path.join(dst, rel))
            linked += 1
        dirs[:] = []
    return linked


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    version = _version()
    for m in MODULES + ("spark-common_2.13",):
        jar = os.path.join(REPO, "org", "sparkfusion", m, version, "%s-%s.jar" % (m, version))
        assert os.path.isfile(jar), "no %s: the build (mvn package, sparkfusion-dist) writes %s" % (jar, REPO)
    home = str(tmp_path_factory.mktemp("home"))
    _complete_m2_view(home)
    e = {k: v for k, v in os.environ.items() if k not in ("SPARK_HOME", "PYTHONPATH", "PYSPARK_SUBMIT_ARGS")}
    e.update({
        "PATH": os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", ""),
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        # Ivy's local-m2-cache is <user.home>/.m2/repository (SparkSubmitUtils)
        "SPARK_SUBMIT_OPTS": "-Duser.home=" + home,
    })
    coords = ",".join("org.sparkfusion:%s:%s" % (m, version) for m in MODULES)
    return {"env": e, "coords": coords, "version": version, "repo": "file://" + REPO}


def _run(cmd, env, what):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    lines = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        # spark-submit's PythonRunner merges the script's stderr into stdout
        err = p.stderr + "\n--- stdout ---\n" + p.stdout
        tb = err.find("Traceback")  # the job's own error, before Spark's shutdown logging
        problems = err.find(":: problems summary ::")  # Ivy's resolution failures
        start = tb if tb >= 0 else problems
        raise AssertionError("%s failed (exit %d):\n%s\n...\n%s" % (
            what, p.returncode, err[start:start + 5000] if start >= 0 else "", err[-2000:]))
    return json.loads(lines[-1][len("RESULT "):]), p.stderr


def _check(result, ivy_log, version):
    assert result["master"] == MASTER
    assert result["scored"] == result["rows"] > 0
    assert result["max_err"] is not None and result["max_err"] < 1e-5, result["max_err"]
    assert result["block_managers"] == 2, result["block_managers"]  # driver + the executor that scored
    assert "dlrm_predict" in result["functions"]
    assert result["serializer"] == KRYO["spark.serializer"] and result["registrator"] == KRYO["spark.kryo.registrator"]
    assert result["nd4j_backend"] == "org.nd4j.linalg.cpu.nativecpu.CpuBackend"
    assert result["nd4j_product"] == 6.0

    names = [os.path.basename(j) for j in result["jars"]]
    for m in MODULES + ("spark-common_2.13",):
        assert "org.sparkfusion_%s-%s.jar" % (m, version) in names, names
        # ours from the given repository (--repositories / spark.jars.repositories is Ivy's "repo-1")
        assert re.search(r"found org\.sparkfusion#%s;%s in repo-1" % (re.escape(m), re.escape(version)), ivy_log), m
    # the platform jars nd4j-native loads its libraries from (named in our POMs for Ivy)
    for j in ("org.nd4j_nd4j-native-1.0.0-M2.1-linux-x86_64.jar", "org.bytedeco_javacpp-1.5.7-linux-x86_64.jar",
              "org.bytedeco_openblas-0.3.19-1.5.7-linux-x86_64.jar"):
        assert j in names, (j, names)
    # Spark and Scala are provided: none of their jars comes with the packages
    dragged = [n for n in names if n.startswith(("org.apache.spark_", "org.scala-lang_", "org.scala-lang.modules_"))]
    assert not dragged, dragged


def test_spark_submit_packages(env, tmp_path):
    cmd = [os.path.join(os.path.dirname(sys.executable), "spark-submit"),
           "--master", MASTER,
           "--packages", env["coords"],
           "--repositories", env["repo"],
           "--conf", "spark.jars.ivy=" + str(tmp_path / "ivy"),
           "--conf", "spark.sparkfusion.dlrm.modelPath=" + os.path.join(FIXTURES, "dot_checkpoint.pt"),
           "--conf", "spark.ui.enabled=false",
           "--conf", "spark.sql.shuffle.partitions=2"]
    for k, v in KRYO.items():
        cmd += ["--conf", "%s=%s" % (k, v)]
    result, log = _run(cmd + [JOB, "submit", FIXTURES], env["env"], "spark-submit --packages")
    _check(result, log, env["version"])


def test_builder_spark_jars_packages(env, tmp_path):
    conf = dict(KRYO)
    conf.update({
        "spark.master": MASTER,
        "spark.jars.packages": env["coords"],
        "spark.jars.repositories": env["repo"],
        "spark.jars.ivy": str(tmp_path / "ivy"),
        "spark.sparkfusion.dlrm.modelPath": os.path.join(FIXTURES, "dot_checkpoint.pt"),
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
    })
    result, log = _run([sys.executable, JOB, "builder", FIXTURES, json.dumps(conf)], env["env"],
                       "spark.jars.packages")
    _check(result, log, env["version"])
