#!/usr/bin/env bash
# The main job: installs what is missing, builds, and shows topomix on a built-in default:
# the table of every topology at n = 16; the spectral gaps of ring, torus, exp and onepeer-exp
# for n = 4..6144 with their figure (out/gap.csv, out/gap.png); the cost of every topology at 32
# workers (topomix compare); and DmSGD over four topologies on heterogeneous data, iterations and
# simulated time to a target loss, with its figure (out/sim_*.csv, out/sim.png).
#   scripts/quickstart.sh [N]            (N nodes for the table, default 16)
#   scripts/quickstart.sh --reports [N]  the same, then regenerates every report of
#                                        notebooks-free-reports/ (topomix report all, a minute or two)
set -euo pipefail
cd "$(dirname "$0")/.."
reports=0
if [ "${1:-}" = "--reports" ]; then reports=1; shift; fi
n=${1:-16}
case $n in ''|*[!0-9]*) echo "quickstart.sh: N must be a number of nodes, got '$n'" >&2; exit 2;; esac
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
$tmx plot gap out/gap.csv -o out/gap.png

echo
echo "Which topology for 32 workers? Gossip to consensus error 1e-4 with ResNet-50's 102 MB messages:"
$tmx compare -n 32 --message-bytes 102e6 | sed 's/^./  &/'

echo
echo "DmSGD, 64 agents, non-convex logistic regression, each class's samples spread over the agents by"
echo "Dirichlet(0.1) shares (strong heterogeneity, where topology matters); 1000 iterations; simulated"
echo "time: 0.2 s of compute per step, ResNet-50's 102 MB per message at 10 Gbit/s. Target: the loss"
echo "exact averaging (complete) reaches after 250 iterations:"
$tmx data gen -n 64 --samples 50 --dim 20 --seed 1 -o out/train.svm
runs=(complete exp onepeer-exp ring)
for t in "${runs[@]}"; do
  $tmx sim --topology "$t" -n 64 --algo dmsgd --problem logreg-nc --data out/train.svm \
    --partition label-skew:0.1 --batch 8 --lr 0.1 --iters 1000 --log-every 5 \
    --compute-time 0.2 --message-bytes 102e6 --log "out/sim_$t.csv" --quiet
done
# the target: complete's loss at iteration 250; then each topology's first row at or below it
target=$(awk -F, '!/^#/ && $1 == 250 { print $2 }' out/sim_complete.csv)
printf '  %-12s %-18s %-22s %-14s\n' topology "iterations to it" "simulated time to it" "consensus"
for t in "${runs[@]}"; do
  awk -F, -v t="$t" -v target="$target" '/^#/ || $1 == "iter" { next }
    !hit && $2 <= target { hit = 1; it = $1; tm = $10 } { c = $4 }
    END { if (hit) printf "  %-12s %-18s %-22s %-14.3g\n", t, it, sprintf("%.0f s", tm), c
          else printf "  %-12s %-18s %-22s %-14.3g\n", t, "not reached", "-", c }' "out/sim_$t.csv"
done
logs=()
for t in "${runs[@]}"; do logs+=("out/sim_$t.csv"); done
$tmx plot sim "${logs[@]}" -o out/sim.png   # loss and consensus; complete's ~1e-30 drawn at a floor
echo
if [ "$reports" = 1 ]; then
  echo "Regenerating the reports that reproduce the papers (notebooks-free-reports/):"
  $tmx report all
else
  echo "Reports that reproduce the papers: notebooks-free-reports/ (regenerate: scripts/quickstart.sh --reports)"
fi
echo "Figures: out/gap.png (spectral gap vs n), out/sim.png (loss and consensus vs iteration)"
