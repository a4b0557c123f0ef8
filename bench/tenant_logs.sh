#!/usr/bin/env bash
# The cost of the tenant logs on the token path (issue 16), part of `make bench`: two identical
# tenants served side by side on the same core, one with tenant logs (the default) and one with
# `--no-tenant-logs`, measured in alternation (on, off, off, on, on, off, ...) so the VM's drift
# from minute to minute falls on both alike. Each scenario's figure is the median of the rounds; the
# server's CPU time per request is given beside the rate; a last scenario sends one token request at
# a time and reports its latency, the token path as a single caller meets it (the writer then runs
# in the gaps). Writes bench/results/tenant-logs-latest.md.
# Usage: bench/tenant_logs.sh [build-dir]. Environment: BENCH_LOG_ROUNDS (5), BENCH_DURATION (s, 5),
# BENCH_WARMUP (s, 1), BENCH_CONNECTIONS (wrk, 32), BENCH_RT_CONNECTIONS (load driver, 16),
# BENCH_SERVER_CORE (0), BENCH_CLIENT_CORE (1), BENCH_LOG_SCENARIOS (all: cc_ES256 cc_RS256 refresh one_ES256).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "${1:-build}" wrk taskset curl node
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNECTIONS:-32}
RT_CONNS=${BENCH_RT_CONNECTIONS:-16}
ROUNDS=${BENCH_LOG_ROUNDS:-5}
OUT="$here/results/tenant-logs-latest.md"

declare -A URL PORT PID DEMO PW
start_tenant logs-on
URL[on]=$T_url PORT[on]=$T_port PID[on]=$T_pid DEMO[on]=$T_demo_id PW[on]=$T_demo_password
ON_TOKEN=$T_mgmt_token
start_tenant logs-off --no-tenant-logs
URL[off]=$T_url PORT[off]=$T_port PID[off]=$T_pid DEMO[off]=$T_demo_id PW[off]=$T_demo_password

# run <scenario> <side>: one measured run (R_* from lib.sh's measure).
run() {
    case $1 in
    cc_ES256 | cc_RS256)
        wrk_warm "${URL[$2]}/oauth/token" POST "$(cc_body "${AUD[${1#cc_}]}")"
        wrk_measure "${PID[$2]}" "${URL[$2]}/oauth/token"
        ;;
    one_ES256)
        CONNS=1 wrk_warm "${URL[$2]}/oauth/token" POST "$(cc_body "${AUD[ES256]}")"
        CONNS=1 wrk_measure "${PID[$2]}" "${URL[$2]}/oauth/token"
        ;;
    refresh)
        loadgen_run "${PID[$2]}" --port "${PORT[$2]}" --client-id "${DEMO[$2]}" --username demo@example.com \
            --password "${PW[$2]}" --scenario refresh --scope "openid offline_access" --connections "$RT_CONNS"
        ;;
    esac
}

read -ra scenarios <<<"${BENCH_LOG_SCENARIOS:-cc_ES256 cc_RS256 refresh one_ES256}"
declare -A RATES CPU_US P50 P99  # [scenario.side] = space-separated per-round figures
for scenario in "${scenarios[@]}"; do
    for ((round = 1; round <= ROUNDS; round++)); do
        order=(on off)
        ((round % 2 == 0)) && order=(off on)
        for side in "${order[@]}"; do
            run "$scenario" "$side"
            ((R_errors == 0)) || { log "$scenario $side: $R_errors errors"; exit 1; }
            # Server CPU time per request: CPU% of one core over the run, divided by the rate.
            us=$(awk -v c="$R_scpu" -v r="$R_rate" 'BEGIN{ printf "%.0f", (r > 0 ? 1e4 * c / r : 0) }')
            RATES[$scenario.$side]+="$R_rate "
            CPU_US[$scenario.$side]+="$us "
            P50[$scenario.$side]+="$R_p50 " P99[$scenario.$side]+="$R_p99 "
            log "$scenario round $round logs $side: $R_rate/s, server CPU $R_scpu% ($us µs/request)"
        done
    done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{v[NR]=$1} END{ print v[int((NR + 1) / 2)] }'; }
# The median of the rounds' own on/off ratios: a round's two runs are back to back, so a drift of the
# VM over minutes (rounds here have differed by a third) cancels within the pair.
paired_pct() {
    median "$(paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
        awk '$2 > 0 { printf "%.1f ", 100 * $1 / $2 }')"
}
label() {
    case $1 in
    cc_ES256) echo "client_credentials ES256 (wrk)" ;;
    cc_RS256) echo "client_credentials RS256 (wrk)" ;;
    refresh) echo "refresh_token rotation (load driver)" ;;
    one_ES256) echo "client_credentials ES256, one connection (wrk)" ;;
    esac
}
rows=()
for scenario in "${scenarios[@]}"; do
    on=$(median "${RATES[$scenario.on]}") off=$(median "${RATES[$scenario.off]}")
    con=$(median "${CPU_US[$scenario.on]}") coff=$(median "${CPU_US[$scenario.off]}")
    paired=$(paired_pct "${RATES[$scenario.on]}" "${RATES[$scenario.off]}")
    rows+=("| $(label "$scenario") | $(fmt_int "$on") /s | $(fmt_int "$off") /s | $(pct "$on" "$off") | ${paired}% | $con µs | $coff µs | ${RATES[$scenario.on]% } | ${RATES[$scenario.off]% } |")
done
one_p50_on=$(median "${P50[one_ES256.on]:-}") one_p50_off=$(median "${P50[one_ES256.off]:-}")
one_p99_on=$(median "${P99[one_ES256.on]:-}") one_p99_off=$(median "${P99[one_ES256.off]:-}")
T_url=${URL[on]} T_mgmt_token=$ON_TOKEN
events=$(tenant_api GET 'logs?include_totals=true&per_page=1' | jget .total)
dropped=$(grep -c 'events dropped' "$work/logs-on.log" || true)

mkdir -p "$here/results"
{
    echo "# Tenant logs on the token path — $(run_label)"
    echo
    echo "Machine: $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(nproc) cores; $(uname -sr)." \
         "Two tenants, one with tenant logs (the default) and one with \`--no-tenant-logs\`, each served" \
         "with \`--threads 1\` on core $SCORE (the event writer's thread too), the load generator on core $CCORE;" \
         "$ROUNDS rounds of ${WARMUP}s warm-up + ${DURATION}s per scenario and tenant, the two alternating" \
         "(on, off, off, on, ...). Figures: the median round; paired = the median of each round's on/off;" \
         "CPU = the server's CPU time per request."
    echo
    echo "| scenario | logs on | logs off | on / off | paired | CPU logs on | CPU logs off | rounds on | rounds off |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    if [[ -n $one_p50_on ]]; then
        echo "One token request at a time (the one-connection row), its latency in ms, median round:"
        echo
        echo "| latency | logs on | logs off | rounds on | rounds off |"
        echo "|---|---:|---:|---|---|"
        echo "| p50 | $one_p50_on | $one_p50_off | ${P50[one_ES256.on]% } | ${P50[one_ES256.off]% } |"
        echo "| p99 | $one_p99_on | $one_p99_off | ${P99[one_ES256.on]% } | ${P99[one_ES256.off]% } |"
        echo
    fi
    echo "Events written by the logs-on tenant over the runs: $(fmt_int "$events"); warnings of dropped events: $dropped."
} >"$OUT"
cat "$OUT"
