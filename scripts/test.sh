#!/usr/bin/env bash
# The test command: installs what is missing, then builds every module and runs every test,
# including the end-to-end suite against real software TPMs (tpm-simulator-tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
cd "$root"
mvn -B -ntp verify "$@"
