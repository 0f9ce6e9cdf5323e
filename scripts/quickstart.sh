#!/usr/bin/env bash
# The main job: installs what is missing, builds, and shows topomix on a built-in default.
#   scripts/quickstart.sh [N]      (N nodes, default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-16}
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
echo
build/tools/topomix topo --table -n "$n"
