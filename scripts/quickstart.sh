#!/usr/bin/env bash
# The main job: installs what is missing, builds, and shows topomix on a built-in default:
# the table of every topology at n = 16; the spectral gaps of ring, torus, exp and onepeer-exp
# for n = 4..6144 with their figure (out/gap.csv, out/gap.png); the cost of every topology at 32
# workers (topomix compare); and a short D-SGD comparison of five topologies, with simulated time,
# and its figure (out/sim_*.csv, out/sim.png).
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
echo "Which topology for 32 workers? Gossip to consensus error 1e-4 with ResNet-50's 102 MB messages:"
$tmx compare -n 32 --message-bytes 102e6 | sed 's/^./  &/'

echo
echo "D-SGD, 32 agents, non-convex logistic regression on heterogeneous synthetic data (400 iterations;"
echo "simulated time: 0.2 s of compute per step, ResNet-50's 102 MB per message at 10 Gbit/s):"
runs=(ring torus exp onepeer-exp complete)
printf '  %-12s %-12s %-12s %-10s %-10s\n' topology "final loss" "consensus" accuracy "sim. time"
for t in "${runs[@]}"; do
  $tmx sim --topology "$t" -n 32 --algo dsgd --problem logreg-nc --dim 40 --samples 50 --hetero 4 \
    --batch 8 --iters 400 --lr 1 --log-every 5 --log "out/sim_$t.csv" --quiet \
    --compute-time 0.2 --message-bytes 102e6
  tail -n 1 "out/sim_$t.csv" | awk -F, -v t="$t" '{ printf "  %-12s %-12.6g %-12.3g %-10.4g %.0f s\n", t, $2, $4, $5, $10 }'
done
gnuplot -e "files='$(printf 'out/sim_%s.csv ' "${runs[@]}")'; titles='${runs[*]}'; out='out/sim.png'" plots/sim_compare.gp
echo
echo "Figures: out/gap.png (spectral gap vs n), out/sim.png (loss and consensus vs iteration)"
