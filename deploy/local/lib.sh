# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared by deploy/local/up, down and restart (sourced, not executed).
# Expects HERE (this folder) to be set by the caller.

REPO_ROOT=$(cd "$HERE/../.." && pwd)
LOCAL_DIR=${MENTORING_LOCAL_DIR:-$REPO_ROOT/.local}
mkdir -p "$LOCAL_DIR"
LOCAL_DIR=$(cd "$LOCAL_DIR" && pwd)

STATE_FILE=$LOCAL_DIR/services.env   # pids, ports and dirs of the running services
LOCK_FILE=$LOCAL_DIR/services.lock   # serialises concurrent up/down
LOG_DIR=$LOCAL_DIR/logs              # logs of the last run, kept after `down`
# Cached Kafka jars, kept after `down`. Another instance (its own MENTORING_LOCAL_DIR) may
# point MENTORING_KAFKA_LIBS_DIR at the first one's cache instead of running Maven again.
LIBS_DIR=${MENTORING_KAFKA_LIBS_DIR:-$LOCAL_DIR/kafka-libs}
PG_BASE_DEFAULT=$LOCAL_DIR/postgresql
KAFKA_BASE=$LOCAL_DIR/kafka

START_TIMEOUT=${MENTORING_LOCAL_START_TIMEOUT:-120}   # seconds, per service
KAFKA_HEAP=${MENTORING_KAFKA_HEAP:-512m}

say() { printf '[deploy/local] %s\n' "$*" >&2; }
die() {
    printf '[deploy/local] ERROR: %s\n' "$*" >&2
    exit 1
}

# Print the last lines of a log file to stderr, framed.
show_tail() {
    local file=$1 lines=${2:-40}
    if [[ -f $file ]]; then
        printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2 || true
        printf -- '----- end of %s -----\n' "$file" >&2
    else
        printf -- '(no log file %s)\n' "$file" >&2
    fi
}

take_lock() {
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "another deploy/local/up or down holds $LOCK_FILE for more than 300 s"
}

# True if PID is alive (not a zombie) and its command line contains the fixed string PATTERN.
pid_is() {
    local pid=$1 pattern=$2
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 7<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Run a command as the postgres OS user (initdb refuses to run as root).
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_pg_bin() {
    local d
    if [[ -n ${MENTORING_PG_BIN:-} ]]; then
        PG_BIN=$MENTORING_PG_BIN
    elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        PG_BIN=/usr/lib/postgresql/15/bin
    else
        PG_BIN=
        for d in /usr/lib/postgresql/*/bin; do
            [[ -x $d/initdb ]] && PG_BIN=$d
        done
        if [[ -z $PG_BIN ]] && command -v initdb >/dev/null 2>&1; then
            PG_BIN=$(dirname "$(command -v initdb)")
        fi
    fi
    [[ -n $PG_BIN && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
        die "PostgreSQL server binaries (initdb, pg_ctl) not found; install them (Debian: apt-get install -y postgresql-15) or set MENTORING_PG_BIN"
}

write_state() {
    local tmp=$STATE_FILE.tmp
    {
        printf 'PG_BASE=%q\n' "${PG_BASE:-}"
        printf 'PG_DATA=%q\n' "${PG_DATA:-}"
        printf 'PG_PORT=%q\n' "${PG_PORT:-}"
        printf 'PG_PID=%q\n' "${PG_PID:-}"
        printf 'PG_BIN=%q\n' "${PG_BIN:-}"
        printf 'KAFKA_BASE=%q\n' "${KAFKA_BASE:-}"
        printf 'KAFKA_PORT=%q\n' "${KAFKA_PORT:-}"
        printf 'KAFKA_CONTROLLER_PORT=%q\n' "${KAFKA_CONTROLLER_PORT:-}"
        printf 'KAFKA_PID=%q\n' "${KAFKA_PID:-}"
    } >"$tmp"
    mv -f "$tmp" "$STATE_FILE"
}

load_state() {
    PG_BASE='' PG_DATA='' PG_PORT='' PG_PID='' KAFKA_PORT='' KAFKA_CONTROLLER_PORT='' KAFKA_PID=''
    # shellcheck disable=SC1090
    [[ -f $STATE_FILE ]] && . "$STATE_FILE"
    PG_BASE=${PG_BASE:-$PG_BASE_DEFAULT}
    PG_DATA=${PG_DATA:-$PG_BASE/data}
    KAFKA_BASE=${KAFKA_BASE:-$LOCAL_DIR/kafka}
}

kafka_pattern() { printf 'kafka.Kafka %s/server.properties' "$KAFKA_BASE"; }

# Start PostgreSQL on its existing data directory (PG_DATA, port in its postgresql.conf) and
# wait until it accepts connections; sets PG_PID and records it in the state file.
start_postgres() {
    local deadline
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_BASE/postgresql.log" -w -t "$START_TIMEOUT" start \
        >&2 </dev/null 3>&- 9>&-; then
        show_tail "$PG_BASE/postgresql.log"
        die "PostgreSQL did not start within ${START_TIMEOUT}s"
    fi
    PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid")
    write_state

    deadline=$((SECONDS + START_TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; do
        if ((SECONDS >= deadline)); then
            show_tail "$PG_BASE/postgresql.log"
            die "PostgreSQL on 127.0.0.1:$PG_PORT does not accept connections after ${START_TIMEOUT}s"
        fi
        sleep 0.2
    done
}

# The JVM options of the broker (KAFKA_JAVA_OPTS), for formatting its storage and running it.
kafka_java_opts() {
    KAFKA_JAVA_OPTS=(
        "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP"
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
        -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$HERE/log4j2.properties"
        -Dlog4j2.shutdownHookEnabled=false   # keep logging during Kafka's own shutdown hook
        "-Dkafka.logs.dir=$KAFKA_BASE/logs"
    )
}

# Start the broker on its existing configuration and data ($KAFKA_BASE) and wait until it
# reports that it started; sets KAFKA_PID and records it in the state file. Only the part of
# server.log written by this start counts: after a restart the file still holds the last one's.
start_kafka() {
    local log=$KAFKA_BASE/logs/server.log from deadline
    from=$(($(stat -c %s "$log" 2>/dev/null || echo 0) + 1))
    kafka_java_opts
    say "starting Kafka on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
    setsid java "${KAFKA_JAVA_OPTS[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$KAFKA_BASE/server.properties" \
        </dev/null >>"$KAFKA_BASE/logs/stdout.log" 2>&1 3>&- 9>&- &
    KAFKA_PID=$!
    write_state

    deadline=$((SECONDS + START_TIMEOUT))
    until tail -c "+$from" "$log" 2>/dev/null | grep -F 'Kafka Server started' >/dev/null &&
        port_open "$KAFKA_PORT"; do
        if ! kill -0 "$KAFKA_PID" 2>/dev/null; then
            show_tail "$KAFKA_BASE/logs/stdout.log" 20
            show_tail "$log" 60
            die "Kafka exited during start-up"
        fi
        if ((SECONDS >= deadline)); then
            show_tail "$KAFKA_BASE/logs/stdout.log" 20
            show_tail "$log" 60
            die "Kafka did not report 'Kafka Server started' on 127.0.0.1:$KAFKA_PORT within ${START_TIMEOUT}s"
        fi
        sleep 0.2
    done
    pid_is "$KAFKA_PID" "$(kafka_pattern)" || die "Kafka pid $KAFKA_PID is not the broker process"
    say "Kafka is ready (pid $KAFKA_PID)"
}

# stop_kafka [SIGNAL]: TERM (the default) is a controlled shutdown, as a restart wants; KILL
# where the data is thrown away next, which saves the broker's ~10 s of shutting down.
stop_kafka() {
    local pid=${KAFKA_PID:-} signal=${1:-TERM} i
    pid_is "$pid" "$(kafka_pattern)" || return 0
    say "stopping Kafka (pid $pid, SIG$signal)"
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do   # 30 s
        pid_is "$pid" "$(kafka_pattern)" || return 0
        sleep 0.1
    done
    say "Kafka (pid $pid) did not stop within 30 s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        pid_is "$pid" "$(kafka_pattern)" || return 0
        sleep 0.1
    done
    say "WARNING: Kafka (pid $pid) still alive after SIGKILL"
}

# stop_postgres [MODE]: pg_ctl's shutdown mode, fast by default; immediate where the data is
# thrown away next.
stop_postgres() {
    local pid=${PG_PID:-} mode=${1:-fast} i
    if [[ -z $pid && -f $PG_DATA/postmaster.pid ]]; then
        pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    fi
    pid_is "$pid" postgres || return 0
    say "stopping PostgreSQL (pid $pid)"
    if [[ -n ${PG_BIN:-} && -x $PG_BIN/pg_ctl && -d $PG_DATA ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$mode" -w -t 30 stop >&2 || true
    else
        # SIGINT = fast shutdown, SIGQUIT = immediate
        kill "-$([[ $mode == immediate ]] && echo QUIT || echo INT)" "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 300; i++)); do
        pid_is "$pid" postgres || return 0
        sleep 0.1
    done
    say "PostgreSQL (pid $pid) did not stop within 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
}

# Only remove directories this tooling creates.
safe_rm() {
    local dir=$1
    [[ -n $dir && -e $dir ]] || return 0
    case $dir in
        "$LOCAL_DIR"/postgresql | "$LOCAL_DIR"/kafka | /tmp/mentoring-pg.*) rm -rf -- "$dir" ;;
        *) say "WARNING: not removing unexpected directory $dir" ;;
    esac
}

# Stop what the state file lists, keep the logs under $LOG_DIR, remove the throw-away data.
stop_all() {
    load_state
    stop_kafka KILL
    stop_postgres immediate
    mkdir -p "$LOG_DIR"
    [[ -f $PG_BASE/postgresql.log ]] && cp -f "$PG_BASE/postgresql.log" "$LOG_DIR/postgresql.log"
    [[ -f $KAFKA_BASE/logs/server.log ]] && cp -f "$KAFKA_BASE/logs/server.log" "$LOG_DIR/kafka.log"
    [[ -f $KAFKA_BASE/logs/stdout.log ]] && cp -f "$KAFKA_BASE/logs/stdout.log" "$LOG_DIR/kafka-stdout.log"
    safe_rm "$PG_BASE"
    [[ $PG_BASE != "$PG_BASE_DEFAULT" ]] && safe_rm "$PG_BASE_DEFAULT"
    safe_rm "$KAFKA_BASE"
    rm -f "$STATE_FILE"
}
