# shellcheck shell=bash
# Shared by the bench scripts (sourced first): where things are, the tools check, the work directory
# and its clean-up, the RSS sampler, the measured load run (wrk or gatehouse_loadgen pinned to the
# client core), the server start and the measured tenant. The caller calls bench_init, then sets
# DURATION WARMUP CONNS (its own defaults) before measuring.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
LUA="$here/wrk/request.lua"
SCORE=${BENCH_SERVER_CORE:-0}
CCORE=${BENCH_CLIENT_CORE:-1}

# bench_init <build-dir> <tool...>: sets build BIN LOADGEN, checks the tools and the binary, builds
# the load driver if missing.
bench_init() {
    build=${1:-build}
    shift
    [[ $build = /* ]] || build="$root/$build"
    BIN="$build/gatehouse"
    LOADGEN=${BENCH_LOADGEN:-"$build/bench/gatehouse_loadgen"}
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh build bench)" >&2; exit 1; }
    done
    [[ -x $BIN ]] || { echo "bench: $BIN not built (make build)" >&2; exit 1; }
    if [[ ! -x $LOADGEN ]]; then cmake --build "$build" --target gatehouse_loadgen; fi
}

work=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "bench: $*" >&2; }

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
jget() { node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{const v=JSON.parse(d);const r=eval("v"+process.argv[1]);console.log(r===undefined?"":r)})' "$1"; }
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)
fmt_int() { LC_ALL=C printf "%'.0f" "$1" 2>/dev/null | sed 's/,/,/g'; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

# Samples the server's RSS every 50 ms into $work/rss.max until $work/rss.stop appears.
start_rss_sampler() {
    local pid=$1
    rm -f "$work/rss.stop"
    echo 0 >"$work/rss.max"
    (
        max=0
        while [[ ! -e $work/rss.stop ]]; do
            v=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            ((v > max)) && max=$v
            sleep 0.05
        done
        echo "$max" >"$work/rss.max"
    ) &
    sampler=$!
}
stop_rss_sampler() { touch "$work/rss.stop"; wait "$sampler" 2>/dev/null || true; R_rss=$(cat "$work/rss.max"); }

# measure <server-pid> <result-var-prefix> <command...>: runs the load command pinned to the client
# core while sampling the server. Sets R_rate R_p50 R_p99 R_errors R_rss (KiB) R_lcpu R_scpu (%).
measure() {
    local spid=$1; shift
    local before after t0 t1
    start_rss_sampler "$spid"
    before=$(cpu_ticks "$spid")
    t0=$(date +%s%N)
    local TIMEFORMAT='%U %S %R'
    { time taskset -c "$CCORE" "$@" >"$work/out.json" 2>"$work/out.err"; } 2>"$work/time" || true
    t1=$(date +%s%N)
    after=$(cpu_ticks "$spid")
    stop_rss_sampler
    local line
    line=$(grep '^{' "$work/out.json" | tail -1 || true)
    if [[ -z $line ]]; then
        log "load command failed: $* :: $(head -c 400 "$work/out.json" "$work/out.err")"
        R_rate=0 R_p50=0 R_p99=0 R_errors=-1
    else
        R_rate=$(jget .rate <<<"$line")
        R_p50=$(jget .p50_ms <<<"$line")
        R_p99=$(jget .p99_ms <<<"$line")
        R_errors=$(jget .errors <<<"$line")
        if [[ $line == *last_error* && $R_errors != 0 ]]; then log "errors: $(jget .last_error <<<"$line")"; fi
    fi
    R_lcpu=$(awk '{ if ($3 > 0) printf "%.0f", 100 * ($1 + $2) / $3; else print 0 }' "$work/time")
    R_scpu=$(awk -v a="$before" -v b="$after" -v t="$CLK_TCK" -v ns=$((t1 - t0)) \
        'BEGIN{ printf "%.0f", 100 * (b - a) / t / (ns / 1e9) }')
}

# wrk_run <server-pid> <url> [METHOD BODY AUTH]: warm-up, then the measured run.
wrk_run() {
    wrk_warm "${@:2}"
    wrk_measure "$1" "$2"
}
wrk_warm() { # <url> [METHOD BODY AUTH]: sets the request for the wrk_measure calls that follow
    export BENCH_METHOD=${2:-GET} BENCH_BODY=${3:-} BENCH_AUTH=${4:-}
    taskset -c "$CCORE" wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$LUA" "$1" >/dev/null 2>&1 || true
}
wrk_measure() { measure "$1" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$LUA" "$2"; }

# loadgen_run <server-pid> <args...> (the driver warms up itself).
loadgen_run() {
    local spid=$1; shift
    measure "$spid" "$LOADGEN" run --warmup "$WARMUP" --duration "$DURATION" "$@"
}

# start_server <name> <probe-port> <probe-path> <command...>: starts it on the server core, sets
# S_pid, S_start_ms (start to first 200 answer) and, 1 s later, S_idle_kib.
start_server() {
    local name=$1 port=$2 path=$3; shift 3
    local t0
    t0=$(date +%s%N)
    taskset -c "$SCORE" "$@" >"$work/$name.log" 2>&1 &
    S_pid=$!
    pids+=("$S_pid")
    S_start_ms=$(taskset -c "$CCORE" "$LOADGEN" probe --port "$port" --path "$path" --since-ns "$t0") ||
        { log "$name did not start: $(tail -5 "$work/$name.log")"; exit 1; }
    sleep 1
    S_idle_kib=$(rss_kib "$S_pid")
}

# "<date>, commit <short hash>[ (+ uncommitted changes)]": the heading of every results file.
run_label() {
    local commit dirty
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (+ uncommitted changes)" || true)
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2fx", a / b; else print "—" }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.0f%%", 100 * a / b; else print "—" }'; }
rate() { local r; r=$(fmt_int "$1"); echo "$r $2"; }
ms() { awk -v v="$1" 'BEGIN{ printf (v < 10 ? "%.2f" : "%.1f"), v }'; }

# The Gatehouse tenant run.sh and tenant_logs.sh measure: `init --demo` with a fixed management client
# and three APIs (RS256, ES256, EdDSA) granted to it. start_tenant <name> [serve flags...] serves a
# fresh one from $work/<name>.db on the server core and sets T_url T_port T_pid T_start_ms T_idle_kib
# T_mgmt_token T_demo_id T_demo_password; AUD[alg] is each algorithm's API, cc_body <audience> the
# client_credentials request for it.
MGMT_ID=benchMgmtClient00000000000000000
MGMT_SECRET=bench-management-secret-0123456789abcdefghijklmnopqrstuvwxyzABCD
declare -A AUD=([RS256]="https://bench-RS256.example/" [ES256]="https://bench-ES256.example/"
    [EdDSA]="https://bench-EdDSA.example/")
start_tenant() {
    local name=$1 init_out alg
    shift
    T_port=$(free_port)
    T_url="http://127.0.0.1:$T_port"
    local common=(--db "sqlite://$work/$name.db" --issuer "$T_url/")
    log "$name: gatehouse init + serve on core $SCORE (port $T_port)"
    init_out=$(GATEHOUSE_BOOTSTRAP_CLIENT_ID=$MGMT_ID GATEHOUSE_BOOTSTRAP_CLIENT_SECRET=$MGMT_SECRET \
        "$BIN" init "${common[@]}" --demo --demo-callback http://localhost:3000/callback)
    T_demo_id=$(awk '/demo SPA client_id/{print $NF}' <<<"$init_out")
    T_demo_password=$(awk '/demo user password/{print $4}' <<<"$init_out")
    # Rate limits off: the load comes from one client and one address by design.
    start_server "$name" "$T_port" /.well-known/openid-configuration \
        "$BIN" serve "${common[@]}" --listen "127.0.0.1:$T_port" --threads 1 --log-level warn --no-rate-limits "$@"
    T_pid=$S_pid T_start_ms=$S_start_ms T_idle_kib=$S_idle_kib
    T_mgmt_token=$(curl -sf "$T_url/oauth/token" -d grant_type=client_credentials -d "client_id=$MGMT_ID" \
        -d "client_secret=$MGMT_SECRET" --data-urlencode "audience=$T_url/api/v2/" | jget .access_token)
    for alg in RS256 ES256 EdDSA; do
        tenant_api POST resource-servers \
            "{\"name\":\"bench $alg\",\"identifier\":\"${AUD[$alg]}\",\"signing_alg\":\"$alg\",\"token_lifetime\":86400}" >/dev/null
        tenant_api POST client-grants "{\"client_id\":\"$MGMT_ID\",\"audience\":\"${AUD[$alg]}\",\"scope\":[]}" >/dev/null
        # Each audience answers before any run starts.
        curl -sf "$T_url/oauth/token" -d "$(cc_body "${AUD[$alg]}")" | jget .access_token | cut -d. -f1 | grep -q . ||
            { log "$name: no $alg token"; exit 1; }
    done
}
tenant_api() { # <METHOD> <path under /api/v2/> [JSON body], on the last tenant started
    curl -sf -X "$1" "$T_url/api/v2/$2" -H "authorization: Bearer $T_mgmt_token" -H 'content-type: application/json' ${3:+-d "$3"}
}
cc_body() { echo "grant_type=client_credentials&client_id=$MGMT_ID&client_secret=$MGMT_SECRET&audience=$(node -p 'encodeURIComponent(process.argv[1])' "$1")"; }
