#!/usr/bin/env bash
# A local Spark standalone cluster for the Spark benchmark (docs/spark.md):
# one master and two workers on this machine, from the pyspark package's own
# launcher (bin/spark-class), every port on 127.0.0.1 only.
#
#   benchmarks/spark_cluster.sh start   # prints the master URL to use as SPARK_MASTER
#   benchmarks/spark_cluster.sh stop    # stops the three processes it started (by their ids)
#   benchmarks/spark_cluster.sh status
#
# SPARK_CLUSTER_DIR (default warehouse/spark-cluster): pid files, logs, work dirs.
# SPARK_CLUSTER_PORT (7177), SPARK_CLUSTER_UI_PORT (8180; workers +1, +2),
# SPARK_WORKER_CORES (1 each), SPARK_WORKER_MEMORY (3g each).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
DIR="${SPARK_CLUSTER_DIR:-$REPO/warehouse/spark-cluster}"
PORT="${SPARK_CLUSTER_PORT:-7177}"
UI_PORT="${SPARK_CLUSTER_UI_PORT:-8180}"
CORES="${SPARK_WORKER_CORES:-1}"
MEMORY="${SPARK_WORKER_MEMORY:-3g}"
MASTER_URL="spark://127.0.0.1:$PORT"
# every Spark server (and its web UI) binds to loopback only
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export PYSPARK_PYTHON="$PYTHON"

start_one() {  # name, class, arguments...
    local name="$1"; shift
    if [[ -f "$DIR/$name.pid" ]] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
        echo "$name already running (pid $(cat "$DIR/$name.pid"))"; return
    fi
    nohup "$SPARK_HOME/bin/spark-class" "$@" > "$DIR/logs/$name.log" 2>&1 &
    echo $! > "$DIR/$name.pid"
}

wait_for() {  # log file, text, seconds
    for _ in $(seq "$3"); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 1
    done
    echo "timed out waiting for '$2' in $1" >&2; return 1
}

case "${1:-}" in
    start)
        mkdir -p "$DIR/logs" "$DIR/work1" "$DIR/work2"
        start_one master org.apache.spark.deploy.master.Master \
            --host 127.0.0.1 --port "$PORT" --webui-port "$UI_PORT"
        wait_for "$DIR/logs/master.log" "I have been elected leader" 120
        for i in 1 2; do
            start_one "worker$i" org.apache.spark.deploy.worker.Worker \
                --host 127.0.0.1 --cores "$CORES" --memory "$MEMORY" \
                --webui-port "$((UI_PORT + i))" --work-dir "$DIR/work$i" "$MASTER_URL"
        done
        for i in 1 2; do wait_for "$DIR/logs/worker$i.log" "Successfully registered with master" 120; done
        echo "$MASTER_URL"
        ;;
    stop)
        for name in worker1 worker2 master; do
            if [[ -f "$DIR/$name.pid" ]]; then
                pid="$(cat "$DIR/$name.pid")"
                kill "$pid" 2>/dev/null && echo "stopped $name (pid $pid)" || echo "$name was not running"
                rm -f "$DIR/$name.pid"
            fi
        done
        ;;
    status)
        for name in master worker1 worker2; do
            if [[ -f "$DIR/$name.pid" ]] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
                echo "$name running (pid $(cat "$DIR/$name.pid"))"
            else
                echo "$name not running"
            fi
        done
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
