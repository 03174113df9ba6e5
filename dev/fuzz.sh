#!/usr/bin/env bash
# Issue 18's fault corpora and loader properties: regenerates both corpora from fixed seeds (nothing is committed),
# runs every input through the real loaders (ModelFiles.read for torch zips and .npy directories, and
# spark.read.format("idx") on a local Spark session), runs the jqwik properties, and prints the counts written to
# spark-dlrm/target/fault-corpus.json and spark-fusefl/target/fault-corpus.json. Fails if any input crashed,
# hung, loaded a wrong value or gave an unclear error. About 2-3 minutes.
# Usage: dev/fuzz.sh        (FUZZ_OFFLINE=1 runs Maven offline)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TESTS='FaultCorpusTest,IdxFaultCorpusTest,*PropertiesTest'
mvn -B -q ${FUZZ_OFFLINE:+-o} -pl spark-dlrm,spark-fusefl -am test -Dtest="$TESTS" \
  -Dsurefire.failIfNoSpecifiedTests=false -DwildcardSuites=none
for f in spark-dlrm/target/fault-corpus.json spark-fusefl/target/fault-corpus.json; do
  echo "$f"
  grep -E '"(corpus|seconds|total)"' "$f"
done
