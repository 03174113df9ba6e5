"""Finding the project's jars and starting a SparkSession with them (the sparknlp.start() convention)."""
from __future__ import annotations

import glob
import os
from typing import Dict, List, Mapping, Optional

from pyspark.sql import SparkSession

KRYO_REGISTRATOR = "org.sparkfusion.common.kryo.SparkFusionKryoRegistrator"
# Found by Spark through META-INF/services (SparkSessionExtensionsProvider) once the jar is on the class path;
# naming it in spark.sql.extensions as well would inject dlrm_predict's rules twice.
SQL_EXTENSION = "org.sparkfusion.dlrm.DlrmSessionExtensions"

# The JVM flags Spark passes to its own tests (bin/sparkfusion SPARK_JVM_FLAGS, the parent POM's
# spark.test.jvm.flags): ND4J, Netty and Kryo reflect into these JDK packages.
JVM_FLAGS: List[str] = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-modules=jdk.incubator.vector",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--enable-native-access=ALL-UNNAMED",
]

_PACKAGE_JARS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jars")


def _source_tree_jars() -> Optional[str]:
    """The runtime directory of a source checkout, when running from python/ without installing."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidate = os.path.join(here, "..", "..", "sparkfusion-dist", "target", "spark-runtime", "sparkfusion")
    return os.path.normpath(candidate) if os.path.isdir(candidate) else None


def jars() -> List[str]:
    """Absolute paths of Spark Fusion's jars and their non-Spark dependencies.

    For ``spark-submit --jars ",".join(sparkfusion.jars())`` or ``spark.jars``. The installed package carries
    them (copied at build time); a source checkout falls back to ``sparkfusion-dist/target/spark-runtime``.

    Raises:
        FileNotFoundError: no jars were found, with the command that builds them.
    """
    for directory in (_PACKAGE_JARS, _source_tree_jars()):
        if directory and os.path.isdir(directory):
            found = sorted(glob.glob(os.path.join(directory, "*.jar")))
            if found:
                return found
    raise FileNotFoundError(
        "sparkfusion: no jars in %s; reinstall the package after `bin/sparkfusion build` "
        "(pip install ./python)" % _PACKAGE_JARS)


def _merge_java_options(user: Optional[str]) -> str:
    flags = " ".join(JVM_FLAGS)
    return flags if not user else flags + " " + user


def spark_conf(conf: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The settings :func:`start` applies: the user's ``conf`` plus jars, Kryo and JVM flags.

    A user's ``spark.serializer``/``spark.kryo.registrator`` win; the user's extraJavaOptions are appended to the
    flags; the user's ``spark.jars`` are kept after the project's.
    """
    user = {str(k): str(v) for k, v in (conf or {}).items()}
    project = jars()
    merged = dict(user)
    merged["spark.jars"] = ",".join(project + ([user["spark.jars"]] if user.get("spark.jars") else []))
    # On the driver's system class path too: ND4J's native loader and Kryo's registrator resolve classes there.
    driver_cp = os.pathsep.join(project)
    if user.get("spark.driver.extraClassPath"):
        driver_cp += os.pathsep + user["spark.driver.extraClassPath"]
    merged["spark.driver.extraClassPath"] = driver_cp
    merged.setdefault("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
    merged.setdefault("spark.kryo.registrator", KRYO_REGISTRATOR)
    for key in ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"):
        merged[key] = _merge_java_options(user.get(key))
    return merged


def start(master: str = "local[*]", app_name: str = "sparkfusion", conf: Optional[Mapping[str, str]] = None,
          driver_memory: str = "4g") -> SparkSession:
    """Start (or return the running) SparkSession with Spark Fusion in place.

    The session has the project's jars on the driver and executors, Kryo with
    ``org.sparkfusion.common.kryo.SparkFusionKryoRegistrator``, the ``dlrm_predict`` SQL function (the
    ``org.sparkfusion.dlrm.DlrmSessionExtensions`` provider, found through ``META-INF/services``), the ``idx``
    data source and the JVM flags Spark needs on Java 17. Nothing is downloaded and no environment variable is
    needed.

    Args:
        master: Spark master URL, e.g. ``"local[2]"`` or ``"spark://host:7077"``.
        app_name: application name.
        conf: further Spark settings, e.g. ``{"spark.sparkfusion.dlrm.modelPath": "/models/dlrm.pt"}``.
        driver_memory: ``spark.driver.memory`` unless ``conf`` sets it (FuseFL's DL4J training needs a few GB).

    Returns:
        The active SparkSession. If a JVM is already running in this Python process, its settings that only
        apply at JVM start (jars, memory, JVM flags) cannot change; the session is returned as it is.
    """
    settings = spark_conf(conf)
    settings.setdefault("spark.driver.memory", driver_memory)
    settings.setdefault("spark.driver.host", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
