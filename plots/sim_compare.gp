# Loss f(x̄) and consensus distance Ξ² versus iteration for several runs of `topomix sim`.
# Input: CSV logs of `topomix sim` (columns iter, loss, grad_norm2, consensus, ...), one per run.
# Usage: gnuplot -e "files='ring.csv exp.csv'; titles='ring exp'; out='sim.png'" plots/sim_compare.gp
if (!exists("files")) files = 'sim.csv'
if (!exists("titles")) titles = files
if (!exists("out")) out = 'sim.png'
if (out[strlen(out)-3:] eq '.svg') { set terminal svg size 1000,420 dynamic font 'sans,11' } \
else { set terminal pngcairo size 1100,440 font 'sans,11' }
set output out
set datafile separator ','
set key autotitle columnhead
set multiplot layout 1,2 title 'D-SGD on different topologies'
set xlabel 'iteration'
set grid
set ylabel 'loss f(x̄)'
set key top right
plot for [q=1:words(files)] word(files, q) using 1:2 with lines lw 2 title word(titles, q)
set logscale y
set format y '10^{%L}'
set ylabel 'consensus distance Ξ² (below 1e-12: rounding)'
set yrange [1e-12:*]
set key bottom left
plot for [q=1:words(files)] word(files, q) using 1:($4 > 0 ? $4 : NaN) with lines lw 2 title word(titles, q)
unset multiplot
