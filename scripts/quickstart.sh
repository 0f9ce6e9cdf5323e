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
# n = 4, 6, 8, 12, ..., 4096, 6144: powers of two and 1.5x between them (onepeer-exp averages
# exactly only at powers of two)
sizes=$(for p in 4 8 16 32 64 128 256 512 1024 2048 4096; do printf '%s,%s,' "$p" $((p * 3 / 2)); done)
echo "Spectral gap vs n (ring, torus, exp, onepeer-exp; n = 4 ... 6144):"
$tmx gap --sweep ring,torus,exp,onepeer-exp --n "${sizes%,}" -o out/gap.csv
awk -F, 'NR == 1 || $2 == 16 || $2 == 24 || $2 == 4096 || $2 == 6144 { printf "  %-12s %6s %-5s %-22s %-22s\n", $1, $2, $4, $14, $15 }' out/gap.csv \
  | sed '1s/.*/  topology          n  method per-step rate          1 - rate/'
gnuplot -e "in='out/gap.csv'; out='out/gap.png'" plots/gap_sweep.gp
echo
echo "Figure: out/gap.png   (data: out/gap.csv)"
