"""Build hook: the wheel carries the project's runtime jars (sparkfusion/jars/).

The jars are the ones `bin/sparkfusion build` assembles under
sparkfusion-dist/target/spark-runtime/sparkfusion/: Spark Fusion's module jars and their non-Spark
dependencies (pyspark brings Spark itself). SPARKFUSION_RUNTIME_DIR may name another such directory (for
example when building from an unpacked sdist, which does not sit inside the source tree).
"""
import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RUNTIME = os.path.join(HERE, "..", "sparkfusion-dist", "target", "spark-runtime", "sparkfusion")
MODULES = tuple(m + "_2.13" for m in ("spark-common", "spark-fusefl", "spark-dlrm", "spark-dagtrain", "native-upmem"))


class BuildPyWithJars(build_py):
    """build_py that also copies the runtime jars into build/lib/sparkfusion/jars."""

    def run(self) -> None:
        super().run()
        runtime = os.environ.get("SPARKFUSION_RUNTIME_DIR") or DEFAULT_RUNTIME
        jars = sorted(glob.glob(os.path.join(runtime, "*.jar")))
        names = [os.path.basename(j) for j in jars]
        missing = [m for m in MODULES if not any(n.startswith(m + "-") for n in names)]
        if missing:
            raise SystemExit(
                "sparkfusion: the project's jars are missing from %s (no %s jar); run `bin/sparkfusion build` "
                "in the repository first, or set SPARKFUSION_RUNTIME_DIR to a directory holding them"
                % (os.path.normpath(runtime), ", ".join(missing)))
        target = os.path.join(self.build_lib, "sparkfusion", "jars")
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.makedirs(target)
        for jar in jars:
            shutil.copy2(jar, target)


setup(cmdclass={"build_py": BuildPyWithJars})
