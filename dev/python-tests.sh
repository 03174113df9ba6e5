#!/usr/bin/env bash
# The Python half of the test command: `mvn verify` runs this in sparkfusion-dist's integration-test phase
# (after target/spark-runtime is assembled); -DskipPythonTests (or -DskipTests) skips it.
#
#   dev/python-tests.sh [--spark-version 4.2.0] [--only-pytest|--only-notebooks] [pytest args...]
#   dev/python-tests.sh --setup-only --venv DIR     steps 1-2 only, into DIR (what bin/sparkfusion quickstart does)
#
# 1. a venv under sparkfusion-dist/target/python-venv with the pinned packages of python/requirements-test.txt
#    and pyspark == the POM's Spark version (pip's cache makes reruns fast; the venv is reused while the pins
#    are unchanged);
# 2. the sparkfusion wheel built the way a release builds it (`python -m build --wheel`), installed into it;
# 3. pytest on python/tests against the INSTALLED wheel (run from outside python/, and checked);
# 4. every .ipynb under notebooks/ executed by nbclient with the kernel it declares (python/tests_notebooks).
# Exits non-zero when any step or test fails, which fails the Maven build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/sparkfusion-dist/target"
VENV="$TARGET/python-venv"
SPARK_VERSION="$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)"
PYTHON="${PYTHON:-python3}"
what=all
while [[ $# -gt 0 ]]; do
  case "$1" in
    --spark-version) SPARK_VERSION="$2"; shift 2 ;;
    --only-pytest) what=pytest; shift ;;
    --only-notebooks) what=notebooks; shift ;;
    --setup-only) what=setup; shift ;;
    --venv) VENV="$2"; shift 2 ;;
    *) break ;;
  esac
done
say() { echo "[python-tests] $*" >&2; }

[[ -d "$TARGET/spark-runtime/sparkfusion" ]] || { say "no $TARGET/spark-runtime: run mvn package first"; exit 1; }
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
  { say "$PYTHON lacks venv/ensurepip: apt-get install python3-venv"; exit 1; }

# 1. the venv, rebuilt when the pins change
pins="$(cat "$ROOT/python/requirements-test.txt"; echo "pyspark==$SPARK_VERSION"; "$PYTHON" --version)"
stamp="$(printf '%s' "$pins" | sha256sum | cut -c1-16)"
if [[ ! -f "$VENV/.pins-$stamp" ]]; then
  say "creating $VENV (pyspark==$SPARK_VERSION + python/requirements-test.txt)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "pyspark==$SPARK_VERSION" -r "$ROOT/python/requirements-test.txt"
  touch "$VENV/.pins-$stamp"
fi
PY="$VENV/bin/python"

# 2. the wheel, as a release builds it, from a copy of python/ (the build must not leave files in the source tree)
DIST="$TARGET/python-dist"
rm -rf "$DIST" "$TARGET/python-src"
cp -r "$ROOT/python" "$TARGET/python-src"
rm -rf "$TARGET/python-src/build" "$TARGET/python-src"/*.egg-info
SPARKFUSION_RUNTIME_DIR="$TARGET/spark-runtime/sparkfusion" \
  "$PY" -m build --wheel --no-isolation --outdir "$DIST" "$TARGET/python-src" >"$TARGET/python-build.log" 2>&1 ||
  { tail -n 30 "$TARGET/python-build.log" >&2; say "wheel build failed"; exit 1; }
wheel="$(ls "$DIST"/sparkfusion-*.whl)"
"$PY" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel"
say "installed $(basename "$wheel") into $VENV"
[[ $what == setup ]] && exit 0

export SPARKFUSION_TEST_INSTALLED=1 PYTHONDONTWRITEBYTECODE=1 SPARK_LOCAL_IP=127.0.0.1
unset PYTHONPATH SPARK_HOME
cd "$TARGET"   # not python/: `import sparkfusion` must find the installed wheel

status=0
# 3. pytest on the installed package
if [[ $what != notebooks ]]; then
  "$PY" -m pytest -q -p no:cacheprovider --rootdir "$ROOT/python" -c "$ROOT/python/pyproject.toml" \
    "$ROOT/python/tests" "$@" || status=$?
fi
# 4. the notebooks, under nbclient
# (also after a pytest failure, so one run reports both; the first failure's code is the exit code)
if [[ $what != pytest ]]; then
  nb_status=0
  "$PY" -m pytest -q -p no:cacheprovider --rootdir "$ROOT/python" -c "$ROOT/python/pyproject.toml" \
    "$ROOT/python/tests_notebooks" "$@" || nb_status=$?
  [[ $status -eq 0 ]] && status=$nb_status
fi
exit $status
