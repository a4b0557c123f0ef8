#!/usr/bin/env bash
# `make run`: initialise the tenant on first start (printing the management credentials and a demo
# user once), print a ready PKCE login URL for the demo SPA client, then serve in the foreground.
set -euo pipefail
: "${BIN:=build/gatehouse}" "${DB:=sqlite://data/gatehouse.db}" "${ISSUER:=http://127.0.0.1:8080/}" "${LISTEN:=127.0.0.1:8080}"
export GATEHOUSE_DB="$DB" GATEHOUSE_ISSUER="$ISSUER"

# Idempotent: on an initialised database it changes nothing and says so.
"$BIN" init --demo --demo-callback "${ISSUER}demo/callback" --demo-callback "http://localhost:3000/callback"
echo
echo "== Step 1-3 of the PKCE flow: open this URL in a browser and log in as the demo user"
"$BIN" pkce || echo "(no demo client in this tenant: use '$BIN pkce --client-id <id>')"
echo
echo "   (after login, /demo/callback shows the code and the curl command for step 4;"
echo "    run '$BIN pkce' again for a fresh verifier; add users with '$BIN user add --email ...')"
echo
exec "$BIN" serve --listen "$LISTEN"
