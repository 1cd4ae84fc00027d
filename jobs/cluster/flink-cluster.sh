#!/usr/bin/env bash
# A real standalone Flink session cluster on 127.0.0.1, from the Maven artifacts the build puts in jobs/target
# (no Flink distribution to install): one JobManager and any number of TaskManagers, each its own JVM, with
# StreamRT's library and native engines in the "lib/" of every JVM (jobs/target/flink-lib), as on a real cluster.
# Every process it starts is recorded by PID under WORK/pids and stopped by `stop`.
#
#   flink-cluster.sh start WORK REST_PORT RPC_PORT [key=value ...]   config + JobManager; waits for its REST port
#   flink-cluster.sh start-taskmanager WORK NAME                      one TaskManager (slots from the config)
#   flink-cluster.sh kill-taskmanager WORK NAME                       SIGKILL, as a crashed machine would
#   flink-cluster.sh submit WORK JAR ARG...                           `flink run -d`; prints the job id
#   flink-cluster.sh metrics-urls WORK                                "NAME URL" of each JVM's Prometheus reporter
#   flink-cluster.sh stop WORK                                        SIGTERM, then SIGKILL after 15 s
#
# Every JVM runs Flink's Prometheus reporter (flink-metrics-prometheus, in jobs/target/lib as in a distribution's
# plugins/), on the first free port of 9250-9260 (start's setting metrics.reporter.prom.port=FROM-TO picks another
# range); `metrics-urls` reads from the logs which port each took, for a Prometheus scrape configuration. The reporter
# has no bind address: it listens on every interface of the host.
#
# Needs: `mvn package` first (jobs/target/lib, jobs/target/flink-lib, jobs/target/streamrt-jobs-cluster.jar), a
# JDK 17 on the PATH or in JAVA_HOME. Logs go to WORK/log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=$(cd "$here/.." && pwd)/target
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java

# Flink's own JVM options for Java 17 (its default env.java.default-opts.all): without them job submission fails
# with InaccessibleObjectException.
java_opts=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

die() { echo "flink-cluster.sh: $*" >&2; exit 2; }

# Every jar by name, as Flink's own scripts write a cluster JVM's classpath (config.sh, constructFlinkClassPath), not
# as a wildcard: the command line is then as long as on a real cluster (several KB), which native libraries can see.
classpath() {
  [[ -d $target/lib && -d $target/flink-lib ]] \
    || die "no $target/lib or $target/flink-lib: run 'mvn -B -q package -DskipTests' first"
  local jars=("$target"/lib/*.jar "$target"/flink-lib/*.jar)
  local IFS=:
  echo "${jars[*]}"
}

# The two lines BashJavaUtils prints for a role: JVM memory flags, then -D settings (what flink's scripts do).
resource_params() {
  local work=$1 what=$2
  "$java_bin" -cp "$(classpath)" -Dlog4j.configurationFile="$work/conf/log4j-cli.properties" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$what" --configDir "$work/conf" \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

# launch WORK NAME MAIN_CLASS JVM_PARAMS DYNAMIC_CONFIGS: starts one cluster JVM in the background, records its PID.
launch() {
  local work=$1 name=$2 main=$3 jvm=$4 dynamic=$5
  mkdir -p "$work/pids" "$work/log"
  [[ ! -f $work/pids/$name.pid ]] || ! kill -0 "$(cat "$work/pids/$name.pid")" 2>/dev/null \
    || die "$name is already running (pid $(cat "$work/pids/$name.pid")); stop it first"
  # shellcheck disable=SC2086  # the memory flags and -D settings are word lists by design
  # Native libraries unpack under WORK, not the user's home (DJL's tokenizer, JavaCPP's presets, ONNX Runtime).
  DJL_CACHE_DIR=${DJL_CACHE_DIR:-$work/djl-cache} nohup "$java_bin" $jvm "${java_opts[@]}" \
    -Dlog.file="$work/log/$name.log" -Dlog4j.configurationFile="$work/conf/log4j.properties" \
    -Djava.io.tmpdir="$work/tmp" -Dorg.bytedeco.javacpp.cachedir="$work/javacpp-cache" \
    -cp "$(classpath)" "$main" --configDir "$work/conf" $dynamic >"$work/log/$name.out" 2>&1 &
  echo $! >"$work/pids/$name.pid"
  echo "started $name (pid $!)"
}

# wait_for_port PORT WHAT PIDFILE LOG: until PORT accepts connections; fails at once if the process died.
wait_for_port() {
  local port=$1 what=$2 pid_file=$3 log=$4
  for ((i = 0; i < 240; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -n 20 "$log" >&2 || true
      die "$what exited before opening 127.0.0.1:$port; its log: $log"
    fi
    sleep 0.5
  done
  die "$what did not open 127.0.0.1:$port within 120 s; its log: $log"
}

cmd=${1:-}
[[ $# -ge 2 ]] || die "usage: $0 start|start-taskmanager|kill-taskmanager|submit|metrics-urls|stop WORK ... (see the header)"
work=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2

case $cmd in
  start)
    [[ $# -ge 2 ]] || die "usage: $0 start WORK REST_PORT RPC_PORT [key=value ...]"
    rest_port=$1 rpc_port=$2
    shift 2
    declare -A given=()
    for setting in "$@"; do
      [[ $setting == *=* ]] || die "settings are key=value, found '$setting'"
      given[${setting%%=*}]=1
    done
    mkdir -p "$work/conf" "$work/tmp" "$work/log"
    {
      echo "jobmanager.rpc.address: 127.0.0.1"
      echo "jobmanager.rpc.port: $rpc_port"
      echo "jobmanager.bind-host: 127.0.0.1"
      echo "jobmanager.memory.process.size: 1024m"
      echo "rest.address: 127.0.0.1"
      echo "rest.bind-address: 127.0.0.1"
      echo "rest.port: $rest_port"
      echo "taskmanager.host: 127.0.0.1"
      echo "taskmanager.bind-host: 127.0.0.1"
      echo "taskmanager.memory.process.size: 1536m"
      echo "taskmanager.memory.managed.size: 64m"
      echo "taskmanager.numberOfTaskSlots: 2"
      echo "blob.server.port: 0"
      echo "io.tmp.dirs: $work/tmp"
      # A killed TaskManager is noticed in seconds, not the default 50.
      echo "heartbeat.interval: 2000"
      echo "heartbeat.timeout: 10000"
      echo "restart-strategy.type: fixed-delay"
      echo "restart-strategy.fixed-delay.attempts: 20"
      echo "restart-strategy.fixed-delay.delay: 2 s"
      # Flink's Prometheus reporter in every JVM, on the first free port of the range (a setting may replace it).
      echo "metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
      [[ -n ${given[metrics.reporter.prom.port]:-} ]] || echo "metrics.reporter.prom.port: 9250-9260"
      for setting in "$@"; do
        echo "${setting%%=*}: ${setting#*=}"
      done
    } >"$work/conf/config.yaml"
    for file in log4j.properties log4j-cli.properties; do
      {
        echo "rootLogger.appenderRef.main.ref = Main"
        echo "appender.main.name = Main"
        if [[ $file == log4j.properties ]]; then
          echo "rootLogger.level = INFO"
          echo "appender.main.type = File"
          echo "appender.main.fileName = \${sys:log.file}"
        else
          echo "rootLogger.level = WARN"
          echo "appender.main.type = Console"
          echo "appender.main.target = SYSTEM_ERR"
        fi
        echo "appender.main.layout.type = PatternLayout"
        echo "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %t %c{1} - %m%n"
      } >"$work/conf/$file"
    done
    params=$(resource_params "$work" GET_JM_RESOURCE_PARAMS)
    launch "$work" jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
      "$(sed -n 1p <<<"$params")" "$(sed -n 2p <<<"$params")"
    wait_for_port "$rest_port" "the JobManager" "$work/pids/jobmanager.pid" "$work/log/jobmanager.log"
    echo "JobManager REST at http://127.0.0.1:$rest_port"
    ;;
  start-taskmanager)
    [[ $# -eq 1 ]] || die "usage: $0 start-taskmanager WORK NAME"
    [[ -f $work/conf/config.yaml ]] || die "no cluster configured in $work: run '$0 start $work ...' first"
    params=$(resource_params "$work" GET_TM_RESOURCE_PARAMS)
    launch "$work" "$1" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
      "$(sed -n 1p <<<"$params")" "$(sed -n 2p <<<"$params")"
    ;;
  kill-taskmanager)
    [[ $# -eq 1 ]] || die "usage: $0 kill-taskmanager WORK NAME"
    [[ -f $work/pids/$1.pid ]] || die "no TaskManager '$1' was started in $work"
    pid=$(cat "$work/pids/$1.pid")
    kill -KILL "$pid" 2>/dev/null || die "TaskManager '$1' (pid $pid) is not running"
    rm -f "$work/pids/$1.pid"
    echo "killed $1 (pid $pid) with SIGKILL"
    ;;
  submit)
    [[ $# -ge 1 ]] || die "usage: $0 submit WORK JAR ARG..."
    jar=$1
    shift
    [[ -f $jar ]] || die "job jar $jar does not exist: run 'mvn -B -q package -DskipTests' first"
    out=$(FLINK_CONF_DIR="$work/conf" "$java_bin" "${java_opts[@]}" \
      -Dlog4j.configurationFile="$work/conf/log4j-cli.properties" -cp "$(classpath)" \
      org.apache.flink.client.cli.CliFrontend run -d "$jar" "$@" 2>&1) || {
      echo "$out" >&2
      die "submission failed"
    }
    job=$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' <<<"$out" | head -n 1)
    [[ -n $job ]] || { echo "$out" >&2; die "no JobID in the client's output"; }
    echo "$job"
    ;;
  metrics-urls)
    [[ $# -eq 0 ]] || die "usage: $0 metrics-urls WORK"
    shopt -s nullglob
    for file in "$work"/pids/*.pid; do
      name=$(basename "$file" .pid)
      port=$(sed -n 's/.*Started PrometheusReporter HTTP server on port \([0-9]*\).*/\1/p' "$work/log/$name.log" \
        2>/dev/null | tail -n 1)
      [[ -n $port ]] || die "$name has not started its Prometheus reporter (yet): see $work/log/$name.log"
      echo "$name http://127.0.0.1:$port/metrics"
    done
    ;;
  stop)
    shopt -s nullglob
    pids=()
    for file in "$work"/pids/*.pid; do
      pid=$(cat "$file")
      if kill -TERM "$pid" 2>/dev/null; then
        pids+=("$pid")
      fi
      rm -f "$file"
    done
    for ((i = 0; i < 30; i++)); do
      alive=()
      for pid in "${pids[@]}"; do
        ! kill -0 "$pid" 2>/dev/null || alive+=("$pid")
      done
      [[ ${#alive[@]} -gt 0 ]] || break
      sleep 0.5
    done
    for pid in "${alive[@]}"; do
      kill -KILL "$pid" 2>/dev/null || true
    done
    echo "stopped ${#pids[@]} process(es)"
    ;;
  *)
    die "unknown command '$cmd': start, start-taskmanager, kill-taskmanager, submit, metrics-urls or stop"
    ;;
esac
