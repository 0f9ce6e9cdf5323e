# Spectral gap versus n for several topologies (the seed's "spectral gap vs n" figure).
# Input: the CSV of `topomix gap --sweep LIST --n A:B` (columns: topology, n, ..., rate, rate_gap).
# Usage: gnuplot -e "in='gap.csv'; out='gap.png'" plots/gap_sweep.gp      (out may end in .svg)
if (!exists("in")) in = 'gap.csv'
if (!exists("out")) out = 'gap.png'
if (out[strlen(out)-3:] eq '.svg') { set terminal svg size 800,520 dynamic font 'sans,11' } \
else { set terminal pngcairo size 900,560 font 'sans,11' }
set output out
set datafile separator ','
set key autotitle columnhead
set logscale xy
set format y '10^{%L}'
set xlabel 'number of nodes n'
set ylabel '1 - per-step rate  (static: 1 - slem; periodic: 1 - period\_rate^{1/P})'
set title 'Consensus speed of topologies'
set grid
set key outside right
# one line per topology: the distinct names in column 1
topos = system(sprintf("tail -n +2 '%s' | cut -d, -f1 | awk '!seen[$0]++' | tr '\\n' ' '", in))
plot for [t in topos] in using 2:(strcol(1) eq t && $15 > 0 ? $15 : NaN) with linespoints lw 2 pt 7 ps 0.6 title t
