#!/usr/bin/env bash
# Packs the GPU acceptance run (issue 12) for a bare GPU host: Java, TensorRT's libraries, the jobs module's test
# classpath and the engine module's GPU tests, in parts of at most 60 MB (../shared/gpu-kit/pack.sh).
#
#   jobs/gpu/pack-acceptance.sh [OUT_DIR]        # default .gpu (keep it out of git: .git/info/exclude)
#
# On the host, ship the parts one by one into a folder outside the work tree, then, after the last one:
#   mkdir -p /root/kit && cat /root/kit-parts/part-* | xz -d | tar -x -C /root/kit && /root/kit/run.sh "$OUT"
# run.sh starts io.streamrt.jobs.gpu.GpuAcceptance, which writes gpu-acceptance.json and gpu-acceptance.md (and each
# step's log) into "$OUT" within 8 minutes.
#
# Every part costs device time to ship, so the classpath is thinned first (ThinClasspath.java): the jars the run
# never loads are left out (the other models' test jars, RocksDB, Testcontainers, ArchUnit), and jars with native
# libraries for several platforms keep only linux-x86_64's (2026-12-06: 619 MB of jars became 333 MB).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu}
kit=${GPU_KIT:-../shared/gpu-kit/pack.sh}
# The ONNX parser's presets load TensorRT's plugin library (libnvinfer_plugin.so.11, 47 MB): ship it.
export WITH_PLUGINS=1
[ -x "$kit" ] || { echo "no GPU kit at $kit (set GPU_KIT)" >&2; exit 2; }
mvn -B -q install -DskipTests
mvn -B -q -pl engine-lifecycle,jobs test-compile
mvn -B -q -pl jobs dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt
leave_out='langchain4j-embeddings-(bge|e5)|frocksdbjni|flink-statebackend-rocksdb|testcontainers|docker-java'
leave_out="$leave_out|archunit|curator-test|junit-vintage"
rm -rf jobs/target/gpu-thin
cp=$(java jobs/gpu/ThinClasspath.java jobs/target/gpu-thin "$(cat jobs/target/gpu-classpath.txt)" "$leave_out")
cp="$cp:jobs/target/classes:jobs/target/test-classes:engine-lifecycle/target/test-classes"
"$kit" "$out" "$cp" io.streamrt.jobs.gpu.GpuAcceptance
