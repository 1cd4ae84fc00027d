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
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.gpu}
kit=${GPU_KIT:-../shared/gpu-kit/pack.sh}
[ -x "$kit" ] || { echo "no GPU kit at $kit (set GPU_KIT)" >&2; exit 2; }
mvn -B -q install -DskipTests
mvn -B -q -pl engine-lifecycle,jobs test-compile
mvn -B -q -pl jobs dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt
cp="$(cat jobs/target/gpu-classpath.txt):jobs/target/classes:jobs/target/test-classes:engine-lifecycle/target/test-classes"
"$kit" "$out" "$cp" io.streamrt.jobs.gpu.GpuAcceptance
