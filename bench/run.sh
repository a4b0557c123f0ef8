#!/usr/bin/env bash
# `make bench`: Gatehouse under load beside its limit (openssl speed) and a peer (node oidc-provider).
# Usage: bench/run.sh [build-dir]. Prints one markdown table and writes it to bench/results/latest.md.
# Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (wrk, 32),
# BENCH_RT_CONNECTIONS (load driver, 16), BENCH_OPENSSL_SECONDS (3), BENCH_SERVER_CORE (0),
# BENCH_CLIENT_CORE (1), BENCH_ROUNDS (3, token runs per algorithm), BENCH_NO_PEER=1 (skip oidc-provider),
# BENCH_SERVE_FLAGS (extra `serve` flags, e.g. --no-tenant-logs to measure the token path without events).
# Quick run: BENCH_DURATION=2 BENCH_WARMUP=1 BENCH_ROUNDS=1.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "${1:-build}" wrk taskset openssl curl node
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-32}
RT_CONNS=${BENCH_RT_CONNECTIONS:-16}
SSL_SECONDS=${BENCH_OPENSSL_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-3}

rows=()  # scenario | Gatehouse | p50 | p99 | RSS | peer | p50 | p99 | RSS | GH/peer | GH % of openssl | loadgen CPU | server CPU
add_row() { local IFS='|'; rows+=("| $* |"); }

# ---------------------------------------------------------------------------------------- limit
ssl_rate() {
    taskset -c "$SCORE" openssl speed -seconds "$SSL_SECONDS" -multi 1 "$1" 2>/dev/null | awk -v pat="$2" '$0 ~ pat {v=$(NF-1)} END{print v+0}'
}
# This VM's speed drifts by +-15% from minute to minute, so each token run's limit is measured right
# before and right after it, on the same core, and the mean is that run's reference. Each algorithm
# gets ROUNDS such runs (openssl, tokens, openssl, tokens, ..., openssl); the table shows the run
# whose ratio to its reference is the median.
declare -A SSL_OP=([RS256]=rsa2048 [ES256]=ecdsap256 [EdDSA]=ed25519)
declare -A SSL_PAT=([RS256]='^rsa 2048 bits' [ES256]='ecdsa \\(nistp256\\)' [EdDSA]='EdDSA \\(Ed25519\\)')
ssl_alg() { ssl_rate "${SSL_OP[$1]}" "${SSL_PAT[$1]}"; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.0f", (a + b) / 2 }'; }

# ------------------------------------------------------------------------------------ gatehouse
# shellcheck disable=SC2086 # BENCH_SERVE_FLAGS is a list of flags
start_tenant gatehouse ${BENCH_SERVE_FLAGS:-}
GH=$T_url GH_PORT=$T_port GH_PID=$T_pid GH_START=$T_start_ms GH_IDLE=$T_idle_kib
mgmt_token=$T_mgmt_token
CONN_ID=$(tenant_api GET connections | jget '[0].id')
rt_common=(--port "$GH_PORT" --client-id "$T_demo_id" --username demo@example.com --password "$T_demo_password")
# An API audience makes it a JWT (aud: [API, <issuer>userinfo]); without one it would be the opaque JWE.
user_at=$("$LOADGEN" once "${rt_common[@]}" --scope "openid profile email" --audience "${AUD[RS256]}" | jget .access_token)

declare -A G  # G[key.field]
keep() { G[$1.rate]=$R_rate G[$1.p50]=$R_p50 G[$1.p99]=$R_p99 G[$1.rss]=$R_rss G[$1.lcpu]=$R_lcpu G[$1.scpu]=$R_scpu G[$1.err]=$R_errors; log "$1: $R_rate/s p50 $R_p50 ms p99 $R_p99 ms errors $R_errors (server CPU $R_scpu%, loadgen $R_lcpu%)"; }

log "gatehouse scenarios (${WARMUP}s warm-up + ${DURATION}s each)"
wrk_run "$GH_PID" "$GH/healthz"; keep gh.static
loadgen_run "$GH_PID" --port "$GH_PORT" --scenario get --path /healthz --connections "$RT_CONNS"; keep gh.static_lg
wrk_run "$GH_PID" "$GH/.well-known/openid-configuration"; keep gh.discovery
wrk_run "$GH_PID" "$GH/.well-known/jwks.json"; keep gh.jwks
declare -A SSL
for alg in RS256 ES256 EdDSA; do
    wrk_warm "$GH/oauth/token" POST "$(cc_body "${AUD[$alg]}")"
    ssl_prev=$(ssl_alg "$alg")
    ratios=()
    for ((round = 1; round <= ROUNDS; round++)); do
        wrk_measure "$GH_PID" "$GH/oauth/token"; keep "gh.cc_$alg.$round"
        ssl_next=$(ssl_alg "$alg")
        ref=$(mean "$ssl_prev" "$ssl_next")
        G[gh.cc_$alg.$round.ref]=$ref
        ratios+=("$(awk -v a="$R_rate" -v b="$ref" 'BEGIN{ printf "%.6f", (b > 0 ? a / b : 0) }') $round")
        log "openssl speed $alg: $ssl_prev before, $ssl_next after round $round (reference $ref): $(pct "$R_rate" "$ref")"
        ssl_prev=$ssl_next
    done
    median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }')
    for field in rate p50 p99 rss lcpu scpu err; do G[gh.cc_$alg.$field]=${G[gh.cc_$alg.$median.$field]}; done
    SSL[$alg]=${G[gh.cc_$alg.$median.ref]}
done
SSL_RS256=${SSL[RS256]} SSL_ES256=${SSL[ES256]} SSL_EDDSA=${SSL[EdDSA]}
loadgen_run "$GH_PID" "${rt_common[@]}" --scenario code --connections "$RT_CONNS"; keep gh.code
loadgen_run "$GH_PID" "${rt_common[@]}" --scenario login --connections 4; keep gh.login
loadgen_run "$GH_PID" "${rt_common[@]}" --scenario refresh --scope "openid offline_access" --connections "$RT_CONNS"; keep gh.refresh
wrk_run "$GH_PID" "$GH/userinfo" GET "" "Bearer $user_at"; keep gh.userinfo
wrk_run "$GH_PID" "$GH/api/v2/connections/$CONN_ID" GET "" "Bearer $mgmt_token"; keep gh.mgmt
kill "$GH_PID"; wait "$GH_PID" 2>/dev/null || true

# ------------------------------------------------------------------------------- oidc-provider
if [[ ${BENCH_NO_PEER:-0} != 1 ]]; then
    OP_PORT=$(free_port)
    OP="http://127.0.0.1:$OP_PORT"
    log "oidc-provider on core $SCORE (port $OP_PORT)"
    start_server oidc-provider "$OP_PORT" /.well-known/openid-configuration node "$here/oidc-peer.mjs" "$OP_PORT"
    OP_PID=$S_pid OP_START=$S_start_ms OP_IDLE=$S_idle_kib
    op_cc="grant_type=client_credentials&client_id=bench-m2m&client_secret=bench-m2m-secret-0123456789abcdefghijklmnopqrstuvwxyz0123&resource=https%3A%2F%2Fapi.bench.example%2F"
    curl -sf "$OP/token" -d "$op_cc" | jget .access_token | grep -q . || { log "oidc-provider: no token"; exit 1; }
    wrk_run "$OP_PID" "$OP/.well-known/openid-configuration"; keep op.discovery
    wrk_run "$OP_PID" "$OP/jwks"; keep op.jwks
    wrk_run "$OP_PID" "$OP/token" POST "$op_cc"; keep op.cc_RS256
    loadgen_run "$OP_PID" --port "$OP_PORT" --client-id bench-spa --authorize-path /auth --token-path /token \
        --login-path /interaction/ --scenario code --connections "$RT_CONNS"; keep op.code
    kill "$OP_PID"; wait "$OP_PID" 2>/dev/null || true
fi

# ------------------------------------------------------------------------------------- the table
cell() { # <key> <unit>: rate p50 p99 rss cells, or dashes
    if [[ -n ${G[$1.rate]:-} ]]; then
        local e=""; [[ ${G[$1.err]} != 0 ]] && e=" (${G[$1.err]} errors)"
        echo "$(rate "${G[$1.rate]}" "$2")$e | $(ms "${G[$1.p50]}") | $(ms "${G[$1.p99]}") | $(mib "${G[$1.rss]}")"
    else echo "— | — | — | —"; fi
}
row() { # <label> <gh-key> <peer-key or -> <unit> <openssl limit or -> <note>
    local label=$1 gk=$2 pk=$3 unit=$4 limit=$5
    local vs="—" ofssl="—"
    [[ $pk != - && -n ${G[$pk.rate]:-} ]] && vs=$(ratio "${G[$gk.rate]}" "${G[$pk.rate]}")
    [[ $limit != - ]] && ofssl="$(pct "${G[$gk.rate]}" "$limit") of $(fmt_int "$limit")"
    local peer="— | — | — | —"; [[ $pk != - ]] && peer=$(cell "$pk" "$unit")
    rows+=("| $label | $(cell "$gk" "$unit") | $peer | $vs | $ofssl | ${G[$gk.scpu]}% / ${G[$gk.lcpu]}% |")
}
row "static GET /healthz (wrk)" gh.static - req/s -
row "static GET /healthz (load driver)" gh.static_lg - req/s -
row "discovery GET" gh.discovery op.discovery req/s -
row "JWKS GET" gh.jwks op.jwks req/s -
row "client_credentials RS256" gh.cc_RS256 op.cc_RS256 tokens/s "$SSL_RS256"
row "client_credentials ES256" gh.cc_ES256 - tokens/s "$SSL_ES256"
row "client_credentials EdDSA" gh.cc_EdDSA - tokens/s "$SSL_EDDSA"
row "code + PKCE round trip, existing session (2 req)" gh.code op.code "round trips/s" -
row "password login round trip (4 req, argon2id)" gh.login - "logins/s" -
row "refresh_token rotation" gh.refresh - tokens/s -
row "/userinfo, JWT access token" gh.userinfo - req/s -
row "Management API GET connection" gh.mgmt - req/s -
rows+=("| openssl speed, one core (the limit) | RS256 $(fmt_int "$SSL_RS256") / ES256 $(fmt_int "$SSL_ES256") / EdDSA $(fmt_int "$SSL_EDDSA") signs/s | | | | | | | | | | |")
rows+=("| idle RSS (MiB) / start to first answer (ms) | $(mib "$GH_IDLE") MiB / $GH_START ms | | | | ${OP_IDLE:+$(mib "$OP_IDLE") MiB / $OP_START ms} | | | | | | |")

cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
{
    echo "# Gatehouse bench — $(run_label)"
    echo
    echo "Machine: $cpu_model, $(nproc) cores, $mem RAM; $(uname -sr). Server pinned to core $SCORE with \`--threads 1\`" \
         "(oidc-provider: node on the same core), load generator on core $CCORE; loopback;" \
         "${WARMUP}s warm-up + ${DURATION}s per scenario; wrk -t1 -c$CONNS, load driver $RT_CONNS connections (login: 4)." \
         "Token rows: the median of $ROUNDS runs by ratio to \`openssl speed\`, measured on the server core right before and after each run." \
         "RSS = server's peak VmRSS during the run. CPU = server / load generator, % of one core."
    echo
    echo "| scenario | Gatehouse | p50 ms | p99 ms | RSS MiB | oidc-provider 9.13.3 | p50 ms | p99 ms | RSS MiB | Gatehouse / peer | % of openssl speed | CPU server / loadgen |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} >"$work/table.md"
mkdir -p "$here/results"
cp "$work/table.md" "$here/results/latest.md"
cat "$work/table.md"
