#!/usr/bin/env bash
# The main job: installs what is missing, builds, and shows topomix on a built-in default:
# the table of every topology at n = 16, then the spectral gaps of ring, torus, exp and
# onepeer-exp for n = 4..4096 with their figure (out/gap.csv, out/gap.png).
#   scripts/quickstart.sh [N]      (N nodes for the table, default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-16}
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
tmx=build/tools/topomix
mkdir -p out
echo
$tmx topo --table -n "$n"
echo
echo "Spectral gap vs n (ring, torus, exp, onepeer-exp; n = 4, 8, ..., 4096):"
$tmx gap --sweep ring,torus,exp,onepeer-exp --n 4:4096 -o out/gap.csv
awk -F, 'NR == 1 || $2 == 16 || $2 == 256 || $2 == 4096 { printf "  %-12s %6s %-5s %-22s %-22s\n", $1, $2, $4, $14, $15 }' out/gap.csv \
  | sed '1s/.*/  topology          n  method per-step rate          1 - rate/'
gnuplot -e "in='out/gap.csv'; out='out/gap.png'" plots/gap_sweep.gp
echo
echo "Figure: out/gap.png   (data: out/gap.csv)"
