#!/usr/bin/env bash
# Installs the npm packages the interop tests and the benchmark use (real client libraries and a
# real OpenID provider), once: `npm ci` from the committed lock file when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"
[[ -f package.json ]] || exit 0
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
