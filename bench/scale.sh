#!/usr/bin/env bash
# The scale part of `make bench`: a tenant of BENCH_SCALE_USERS users moved in through the bulk import
# jobs, and the user-facing figures measured at 1,000 users and again at that size, on SQLite and on
# PostgreSQL (a throwaway server, tests/store/with-postgres.sh). Writes bench/results/scale-latest.md.
# Usage: bench/scale.sh [build-dir]. Environment: BENCH_SCALE_USERS (default 10000),
# BENCH_SCALE_BACKENDS ("sqlite postgres"), BENCH_DURATION (s, default 5), BENCH_WARMUP (s, 2),
# BENCH_CONNECTIONS (wrk, 8), BENCH_RT_CONNECTIONS (load driver, 16), BENCH_SERVER_CORE, BENCH_CLIENT_CORE.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "${1:-build}" wrk taskset curl node
USERS=${BENCH_SCALE_USERS:-10000}
BASE=1000
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-8}
RT_CONNS=${BENCH_RT_CONNECTIONS:-16}
OUT="$here/results/scale-latest.md"
# One bcrypt hash (cost 10) of PASSWORD, reused for every imported user: generating the rows costs
# nothing, and each user's first login still verifies bcrypt, then rehashes to argon2id.
PASSWORD='Scale-bench-password-1'
BCRYPT='$2b$10$abcdefghijklmnopqrstuuyaDrgeWo0zWmGXKi8StflwkxOpPSJ56'
((USERS > BASE)) || { echo "bench: BENCH_SCALE_USERS must be above $BASE" >&2; exit 1; }

# ------------------------------------------------------------------------------------ the parent
# Runs each backend in a child (PostgreSQL inside with-postgres.sh) that appends its rows to a file.
if [[ -z ${SCALE_BACKEND:-} ]]; then
    rows="$work/rows"
    touch "$rows"
    for backend in ${BENCH_SCALE_BACKENDS:-sqlite postgres}; do
        case $backend in
        sqlite) SCALE_BACKEND=sqlite SCALE_ROWS=$rows "$0" "$build" ;;
        postgres)
            SCALE_BACKEND=postgres SCALE_ROWS=$rows "$root/tests/store/with-postgres.sh" "$0" "$build" ||
                echo "| PostgreSQL | not run (with-postgres.sh exit $?) | | | | | | | | |" >>"$rows"
            ;;
        *) echo "bench: unknown backend $backend" >&2; exit 1 ;;
        esac
    done
    cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
    mem=$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
    mkdir -p "$here/results"
    {
        echo "# Gatehouse scale bench — $(run_label)"
        echo
        echo "Machine: $cpu_model, $(nproc) cores, $mem RAM; $(uname -sr). Server pinned to core $SCORE with" \
             "\`--threads 1\` (PostgreSQL's own processes unpinned), load generator on core $CCORE; loopback;" \
             "${WARMUP}s warm-up + ${DURATION}s per scenario; wrk -t1 -c$CONNS, load driver $RT_CONNS connections" \
             "(login: 4). Users imported with \`POST /api/v2/jobs/users-imports\` (files of ≤500 KB, the" \
             "server's two active imports at a time, each polled with \`GET /api/v2/jobs/{id}\`); RSS = the" \
             "server's peak VmRSS during the import. Target (issue 18): no figure at $(fmt_int "$USERS") users worse" \
             "than 2x its value at $(fmt_int "$BASE") — the last column is the rate at $(fmt_int "$BASE") / the rate" \
             "at $(fmt_int "$USERS") (p99 at $(fmt_int "$USERS") / p99 at $(fmt_int "$BASE") in brackets)."
        echo
        echo "| backend | scenario | at $(fmt_int "$BASE") users | p50 ms | p99 ms | at $(fmt_int "$USERS") users | p50 ms | p99 ms | slowdown rate (p99) | CPU server / loadgen at $(fmt_int "$USERS") |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        cat "$rows"
    } >"$OUT"
    cat "$OUT"
    exit 0
fi

# ------------------------------------------------------------------------------------ one backend
case $SCALE_BACKEND in
sqlite) DB="sqlite://$work/gatehouse.db" LABEL=SQLite ;;
postgres)  # no data directory to keep a key file in: the key comes from the environment
    DB=$GATEHOUSE_TEST_PG_URL LABEL=PostgreSQL
    GATEHOUSE_MASTER_KEY=$(openssl rand -base64 32)
    export GATEHOUSE_MASTER_KEY
    ;;
esac
GH_PORT=$(free_port)
GH="http://127.0.0.1:$GH_PORT"
common=(--db "$DB" --issuer "$GH/")
log "$LABEL: gatehouse init + serve on core $SCORE (port $GH_PORT)"
init_out=$(GATEHOUSE_BOOTSTRAP_CLIENT_ID=$MGMT_ID GATEHOUSE_BOOTSTRAP_CLIENT_SECRET=$MGMT_SECRET \
    "$BIN" init "${common[@]}" --demo --demo-callback http://localhost:3000/callback)
DEMO_ID=$(awk '/demo SPA client_id/{print $NF}' <<<"$init_out")
start_server gatehouse "$GH_PORT" /.well-known/openid-configuration \
    "$BIN" serve "${common[@]}" --listen "127.0.0.1:$GH_PORT" --threads 1 --log-level warn --no-rate-limits
GH_PID=$S_pid
mgmt_token=$(curl -sf "$GH/oauth/token" -d grant_type=client_credentials -d "client_id=$MGMT_ID" \
    -d "client_secret=$MGMT_SECRET" --data-urlencode "audience=$GH/api/v2/" | jget .access_token)
api() { curl -sf "$GH/api/v2/$1" -H "authorization: Bearer $mgmt_token"; }
CONN_ID=$(api connections | jget '.find(c => c.name === "Username-Password-Authentication").id')
urlq() { node -p 'encodeURIComponent(process.argv[1])' "$1"; }

declare -A G  # G[<stage>.<key>.<field>]
keep() { G[$1.rate]=$R_rate G[$1.p50]=$R_p50 G[$1.p99]=$R_p99 G[$1.lcpu]=$R_lcpu G[$1.scpu]=$R_scpu G[$1.err]=$R_errors; log "$LABEL $1: $R_rate/s p50 $R_p50 ms p99 $R_p99 ms errors $R_errors (server CPU $R_scpu%, loadgen $R_lcpu%)"; }

# import <stage> <first> <count>: users user<first>..; keeps time, rate and the server's peak RSS.
import() {
    local stage=$1 first=$2 count=$3 line
    log "$LABEL: importing $(fmt_int "$count") users (from user$first)"
    start_rss_sampler "$GH_PID"
    line=$(taskset -c "$CCORE" node "$here/scale-import.mjs" --url "$GH" --token "$mgmt_token" \
        --connection-id "$CONN_ID" --first "$first" --count "$count" --hash "$BCRYPT" | tail -1) ||
        { stop_rss_sampler; log "import failed: $line"; exit 1; }
    stop_rss_sampler
    G[$stage.import.seconds]=$(jget .seconds <<<"$line")
    G[$stage.import.rate]=$(jget .rate <<<"$line")
    G[$stage.import.jobs]=$(jget .jobs <<<"$line")
    G[$stage.import.rss]=$R_rss
    log "$LABEL $stage import: $line, peak RSS $(mib "$R_rss") MiB"
}

# scenarios <stage> <users present>: every measured figure, on users in the middle of the range.
scenarios() {
    local stage=$1 n=$2
    local k=$((n / 2 + 3)) prefix
    local user="user$k@example.com"
    # A prefix with 11 matches at either size (user<p>, user<p>0..9), and a broad one (user1*).
    prefix="user${k:0:$((${#k} - 1))}"
    local uid
    uid=$(api "users?q=$(urlq "email:\"$user\"")&search_engine=v3" | jget '[0].user_id')
    [[ -n $uid ]] || { log "user $user not found"; exit 1; }
    local auth="Bearer $mgmt_token"
    wrk_run "$GH_PID" "$GH/api/v2/users?q=$(urlq "email:\"$user\"")&search_engine=v3" GET "" "$auth"; keep "$stage.exact"
    wrk_run "$GH_PID" "$GH/api/v2/users?q=$(urlq "email:$prefix*")&search_engine=v3" GET "" "$auth"; keep "$stage.prefix"
    wrk_run "$GH_PID" "$GH/api/v2/users?q=$(urlq "email:user1*")&search_engine=v3&per_page=50" GET "" "$auth"; keep "$stage.broad"
    wrk_run "$GH_PID" "$GH/api/v2/users?per_page=50&page=0" GET "" "$auth"; keep "$stage.list"
    wrk_run "$GH_PID" "$GH/api/v2/users?per_page=50&page=19&include_totals=true" GET "" "$auth"; keep "$stage.list_totals"
    wrk_run "$GH_PID" "$GH/api/v2/users/$(urlq "$uid")" GET "" "$auth"; keep "$stage.get"
    local rt=(--port "$GH_PORT" --client-id "$DEMO_ID" --username "$user" --password "$PASSWORD")
    loadgen_run "$GH_PID" "${rt[@]}" --scenario login --connections 4; keep "$stage.login"
    loadgen_run "$GH_PID" "${rt[@]}" --scenario code --connections "$RT_CONNS"; keep "$stage.code"
}

import base 1 "$BASE"
scenarios base "$BASE"
import scale $((BASE + 1)) $((USERS - BASE))
scenarios scale "$USERS"
kill "$GH_PID"; wait "$GH_PID" 2>/dev/null || true

# --------------------------------------------------------------------------------------- the rows
slowdown() { # <key>: rate at 1,000 / rate at N, and the p99 ratio
    awk -v a="${G[base.$1.rate]}" -v b="${G[scale.$1.rate]}" -v p="${G[base.$1.p99]}" -v q="${G[scale.$1.p99]}" \
        'BEGIN{ r = (b > 0 ? a / b : 0); s = (p > 0 ? q / p : 0); printf "%.2fx (%.2fx)%s", r, s, (r > 2 || s > 2 ? " **over 2x**" : "") }'
}
cells() { # <stage.key> <unit>
    local e=""; [[ ${G[$1.err]} != 0 ]] && e=" (${G[$1.err]} errors)"
    echo "$(rate "${G[$1.rate]}" "$2")$e | $(ms "${G[$1.p50]}") | $(ms "${G[$1.p99]}")"
}
row() { # <label> <key> <unit>
    echo "| $LABEL | $1 | $(cells "base.$2" "$3") | $(cells "scale.$2" "$3") | $(slowdown "$2") | ${G[scale.$2.scpu]}% / ${G[scale.$2.lcpu]}% |" >>"$SCALE_ROWS"
}
import_cell() { # <stage>
    echo "$(awk -v s="${G[$1.import.seconds]}" 'BEGIN{printf "%.1f s", s}'), $(fmt_int "${G[$1.import.rate]}") users/s, ${G[$1.import.jobs]} jobs, peak RSS $(mib "${G[$1.import.rss]}") MiB"
}
echo "| $LABEL | bulk import (jobs API): first $(fmt_int "$BASE"), then $(fmt_int $((USERS - BASE))) more | $(import_cell base) | | | $(import_cell scale) | | | | |" >>"$SCALE_ROWS"
row "search \`email:\"user<k>@example.com\"\`" exact req/s
row "search prefix \`email:user<k/10>*\` (11 matches)" prefix req/s
row "search prefix \`email:user1*\`, first 50" broad req/s
row "list \`per_page=50&page=0\`" list req/s
row "list \`page=19&include_totals=true\`" list_totals req/s
row "Management API GET user" get req/s
row "password login round trip (4 req, bcrypt→argon2id)" login logins/s
row "code + PKCE round trip, existing session (2 req)" code "round trips/s"
