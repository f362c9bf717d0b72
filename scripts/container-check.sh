#!/usr/bin/env bash
# npm run container:check [-- EXTRA ARGS]: builds the Dockerfile and runs the image with
# container-check (buildah + podman, no Docker engine needed), then asserts a clean shutdown.
#
# The checker is $CONTAINER_CHECK, else ../shared/container-check. It runs the image on the
# host network, so the ops port must be free first: otherwise another process could answer
# /healthz and pass the check for an image that never started.
set -euo pipefail
cd "$(dirname "$0")/.."

check="${CONTAINER_CHECK:-../shared/container-check}"
[[ -x "$check" ]] || { echo "container:check: $check not found (set CONTAINER_CHECK)" >&2; exit 2; }
port="${OPS_PORT:-9464}"
health="http://127.0.0.1:${port}/healthz"
if curl -s -o /dev/null --max-time 2 "$health"; then
  echo "container:check: something already answers on port ${port}; stop it first" >&2
  exit 2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
"$check" --health "$health" --env "OPS_PORT=${port}" "$@" 2>&1 | tee "$log" || status=$?
[[ $status -eq 0 ]] || exit "$status"

# container-check saw exit code 0; also require the app's own word that no quote was left open.
if ! grep -q '"msg":"stopped cleanly"' "$log"; then
  echo 'container:check: exit code 0 but no "stopped cleanly" line in the logs' >&2
  exit 1
fi
echo "container:check: ok"
