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

# The official node images carry Node's headers in /usr/local/include/node, which native addons
# (better-sqlite3, the journal) build against; container-check's local stand-in for them carries
# only node and npm, and nodejs.org (where node-gyp would fetch headers) is unreachable here. Give
# the stand-in this machine's headers, which match the node it carries.
base="docker.io/library/node:20-bookworm-slim"
P=(podman --storage-driver vfs --runtime runc)
B=(buildah --storage-driver vfs)
headers="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
[[ -f "$headers/node.h" ]] || headers=/usr/include/node
if ! command -v podman >/dev/null || ! "${P[@]}" image exists "$base" 2>/dev/null; then
  # container-check makes its stand-in for the FROM of the Dockerfile it is run on: a one-line one.
  # (On a fresh machine it also installs podman and buildah first.)
  seed="$(mktemp -d)"
  echo 'FROM node:20-bookworm-slim' > "$seed/Dockerfile"
  checker="$(readlink -f "$check")"
  (cd "$seed" && "$checker") >/dev/null
  rm -rf "$seed"
fi
if "${P[@]}" image exists "$base" 2>/dev/null \
  && ! "${P[@]}" run --rm --network none "$base" test -f /usr/local/include/node/node.h 2>/dev/null; then
  [[ -f "$headers/node.h" ]] || { echo "container:check: no Node headers on this machine to give the stand-in" >&2; exit 2; }
  echo "container:check: adding Node's headers to the local stand-in for $base" >&2
  ctr="$("${B[@]}" from --pull=never "$base")"
  "${B[@]}" copy "$ctr" "$headers" /usr/local/include/node >/dev/null
  "${B[@]}" commit --quiet "$ctr" "$base" >/dev/null
  "${B[@]}" rm "$ctr" >/dev/null
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
