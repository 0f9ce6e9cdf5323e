# Sourced by run_cli_tests.sh: topomix plot (docs/definitions.md §21), the sim logs' settings header,
# and sim --seeds. Every figure is drawn from logs and tables made here; a figure passes when gnuplot
# exited 0 (rc 0, nothing on stderr) and the file is a valid PNG (magic bytes) or SVG (parses as XML),
# and its text says what the command promised (titles, legends, the floor note).

PL=$TMP/plot
mkdir -p "$PL/nognuplot"
HAVE_GNUPLOT=
command -v gnuplot >/dev/null 2>&1 && HAVE_GNUPLOT=1

png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
svg_ok() { # FILE: well-formed XML with an <svg> root (python3), else at least an <svg element
    [ -s "$1" ] || return 1
    if [ -n "$PY" ]; then
        "$PY" -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(not r.tag.endswith("svg"))' "$1" 2>/dev/null
    else grep -q '<svg' "$1"; fi
}
# the text gnuplot put into an SVG (XML entities decoded where python3 is there)
svg_text() {
    if [ -n "$PY" ]; then
        "$PY" -c 'import sys, xml.etree.ElementTree as E; print("\n".join(t for t in E.parse(sys.argv[1]).getroot().itertext() if t.strip()))' "$1" 2>/dev/null
    else cat "$1"; fi
}
# figure DESC FILE ARGS...: topomix plot ARGS -o FILE exits 0, quietly, with a valid image
figure() {
    local desc=$1 file=$2
    shift 2
    if [ -z "$HAVE_GNUPLOT" ]; then skip "$desc" "gnuplot is not installed"; return 1; fi
    rm -f "$file"
    run plot "$@" -o "$file"
    local valid=
    case $file in *.png) png_ok "$file" && valid=1 ;; *.svg) svg_ok "$file" && valid=1 ;; esac
    if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && [ -n "$valid" ] && ! crashed; then ok "$desc"; return 0; fi
    not_ok "$desc" "rc=$rc, valid image: ${valid:-no}" "$(stderr_tail)"
    return 1
}

# ---- the inputs --------------------------------------------------------------------------------
S8=(sim -n 8 --algo dsgd --problem logreg-nc --dim 5 --samples 20 --batch 4 --lr 0.5 --iters 30 --log-every 5
    --hetero 2)
run "${S8[@]}" --topology ring --seeds 1:3 --log "$PL/ring.csv"
sums=$(grep -c '^# dsgd on ring, n=8' "$TMP/err")
if [ "$rc" -eq 0 ] && [ -f "$PL/ring.seed1.csv" ] && [ -f "$PL/ring.seed2.csv" ] && [ -f "$PL/ring.seed3.csv" ] &&
    [ ! -e "$PL/ring.csv" ] && [ ! -e "$PL/ring.seed4.csv" ] && [ ! -e "$PL/ring.seed0.csv" ] && [ "$sums" -eq 3 ]; then
    ok "sim --seeds 1:3 --log ring.csv writes ring.seed1.csv .. ring.seed3.csv and one summary per seed"
else not_ok "sim --seeds 1:3 writes one log per seed" "rc=$rc, summaries=$sums" "$(ls "$PL")" "$(stderr_tail)"; fi

if ! cmp -s "$PL/ring.seed1.csv" "$PL/ring.seed2.csv" && ! cmp -s "$PL/ring.seed2.csv" "$PL/ring.seed3.csv" &&
    ! cmp -s "$PL/ring.seed1.csv" "$PL/ring.seed3.csv"; then
    ok "sim --seeds: the seeds' logs differ"
else not_ok "sim --seeds: the seeds' logs differ"; fi

run "${S8[@]}" --topology ring --seed 2 --log "$PL/direct2.csv" --quiet
if [ "$rc" -eq 0 ] && cmp -s "$PL/direct2.csv" "$PL/ring.seed2.csv" && grep -qx '# seed=2' "$PL/ring.seed2.csv"; then
    ok "sim --seeds: the log of seed 2 is the log of --seed 2, byte for byte (seed=2 in its header)"
else not_ok "sim --seeds: the log of seed 2 equals --seed 2's" "rc=$rc" "$(diff "$PL/direct2.csv" "$PL/ring.seed2.csv" | head -4)"; fi

run "${S8[@]}" --topology complete --seeds 1:3 --log "$PL/complete.csv" --quiet
mkdir -p "$PL/dir.v2"
run "${S8[@]}" --topology torus --seeds 7:7 --log "$PL/dir.v2/torus" --quiet
if [ "$rc" -eq 0 ] && [ -f "$PL/dir.v2/torus.seed7" ]; then
    ok "sim --seeds: a --log without extension gets .seedS appended (a dot in the directory is not one)"
else not_ok "sim --seeds: a --log without extension" "rc=$rc" "$(ls "$PL/dir.v2")" "$(stderr_tail)"; fi

# the settings header: '# key=value' lines, then the column line
H=$PL/ring.seed1.csv
if [ "$(head -1 "$H")" = "# topomix sim log: the run's settings (docs/definitions.md section 21)" ] &&
    grep -qx '# topology=ring' "$H" && grep -qx '# n=8' "$H" && grep -qx '# algo=dsgd' "$H" && grep -qx '# lr=0.5' "$H" &&
    grep -qx '# batch=4' "$H" && grep -qx '# iters=30' "$H" && grep -qx '# hetero=2' "$H" && grep -qx '# seed=1' "$H" &&
    [ "$(grep -v '^#' "$H" | head -1 | cut -d, -f1,2)" = "iter,loss" ] &&
    [ "$(grep -c '^#' "$H")" -eq "$(awk '!/^#/ { print NR - 1; exit }' "$H")" ]; then
    ok "sim log: the settings as '# key=value' lines (topology, n, algo, lr, batch, iters, hetero, seed) before the column line"
else not_ok "sim log: the settings header" "$(head -30 "$H")"; fi

run "${S8[@]}" --topology ring --iters 10 --format json --quiet
if [ "$rc" -eq 0 ] && head -1 "$TMP/out" | grep -q '^{"settings":{"topology":"ring","n":8,' &&
    [ "$(grep -c '"iter":' "$TMP/out")" -eq 3 ]; then
    if [ -n "$PY" ]; then
        if "$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
s = json.loads(lines[0])["settings"]
assert s["topology"] == "ring" and s["n"] == 8 and s["lr"] == 0.5 and s["batch"] == 4 and s["seed"] == 1, s
assert [json.loads(l)["iter"] for l in lines[1:]] == [0, 5, 10]' "$TMP/out" 2>"$TMP/pyerr"; then
            ok "sim --format json: a first {\"settings\": {...}} line (typed values), then the rows"
        else not_ok "sim --format json: the settings line" "$(cat "$TMP/pyerr")"; fi
    else ok "sim --format json: a first {\"settings\": ...} line, then the rows"; fi
else not_ok "sim --format json: a first settings line" "rc=$rc" "$(head -3 "$TMP/out")"; fi

# a resumed log carries one settings block, this run's
run "${S8[@]}" --topology ring --iters 10 --log "$PL/res.csv" --checkpoint "$PL/res.ck" --checkpoint-every 10 --quiet
run "${S8[@]}" --topology ring --iters 20 --log "$PL/res.csv" --resume "$PL/res.ck" --quiet
run "${S8[@]}" --topology ring --iters 20 --log "$PL/res20.csv" --quiet
if [ "$rc" -eq 0 ] && [ "$(grep -c '^# topomix sim log' "$PL/res.csv")" -eq 1 ] && grep -qx '# iters=20' "$PL/res.csv" &&
    cmp -s "$PL/res.csv" "$PL/res20.csv"; then
    ok "sim --resume with a larger --iters: one settings block (iters=20), the log equals the longer run's"
else not_ok "sim --resume: the settings block" "rc=$rc" "$(diff "$PL/res.csv" "$PL/res20.csv" | head -6)"; fi

run gap --sweep ring,torus,exp,onepeer-exp --n 4,8,16,32,64 -o "$PL/gap.csv"
run compare -n 16 --format csv -o "$PL/cmp.csv"
grep -v '^#' "$PL/ring.seed1.csv" | cut -d, -f1-9 >"$PL/old.csv" # a log of before the time column and the header

# ---- figures ------------------------------------------------------------------------------------
THEORY='2.0/(ceil(log(x)/log(2))+1):exp theorem: 1 - rho = 2/(tau+1)'
figure "plot gap: a PNG of the sweep with a --curve" "$PL/gap.png" gap "$PL/gap.csv" --curve "$THEORY"
if figure "plot gap: an SVG, --y inv-gap" "$PL/gap.svg" gap "$PL/gap.csv" --y inv-gap --curve "$THEORY"; then
    t=$(svg_text "$PL/gap.svg")
    if grep -qx ring <<<"$t" && grep -qx onepeer-exp <<<"$t" && grep -q 'exp theorem' <<<"$t" && grep -q '1 / (1 - per-step rate)' <<<"$t"; then
        ok "plot gap: the legend names each topology and the curve, the axis the quantity"
    else not_ok "plot gap: legend and axis" "$(head -c 600 <<<"$t")"; fi
fi
figure "plot spectrum: a symmetric W (torus) on the real line, PNG" "$PL/spec.png" spectrum --topology torus -n 16
if figure "plot spectrum: torus, SVG" "$PL/spec.svg" spectrum --topology torus -n 16; then
    # torus 4x4 with default weights: eigenvalues (1 + 2cos(2 pi a/4) + 2cos(2 pi b/4))/5, slem 0.6
    if svg_text "$PL/spec.svg" | grep -q 'slem = 0.6, gap 1 - slem = 0.4'; then ok "plot spectrum: torus 4x4's slem 0.6 in the legend"
    else not_ok "plot spectrum: torus's slem" "$(svg_text "$PL/spec.svg" | head -20)"; fi
fi
if figure "plot spectrum: a directed W (dring) in the unit disk, SVG" "$PL/dspec.svg" spectrum --topology dring -n 12; then
    t=$(svg_text "$PL/dspec.svg")
    if grep -q 'unit circle' <<<"$t" && grep -q 'not symmetric' <<<"$t"; then ok "plot spectrum: the directed case draws the unit circle"
    else not_ok "plot spectrum: the directed case" "$(head -c 600 <<<"$t")"; fi
fi
figure "plot spectrum: W^(k) of a periodic topology (--step 1)" "$PL/pspec.png" spectrum --topology onepeer-exp -n 16 --step 1
figure "plot sim: PNG, 6 logs, all four panels" "$PL/sim.png" sim "$PL"/ring.seed*.csv "$PL"/complete.seed*.csv \
    --panels loss,grad,consensus,accuracy
if figure "plot sim: SVG against simulated time, ±std band" "$PL/sim.svg" sim "$PL"/ring.seed*.csv "$PL"/complete.seed*.csv \
    --x time --band std; then
    t=$(svg_text "$PL/sim.svg")
    if grep -q '^dsgd, n = 8, lr = 0.5, logreg-nc; 3 seeds per line: their mean with a ±1 std band$' <<<"$t" &&
        grep -qx ring <<<"$t" && grep -qx complete <<<"$t" && grep -q 'simulated time (s)' <<<"$t"; then
        ok "plot sim: the logs form two groups (ring, complete) of 3 seeds; the title has algo, n, lr from the headers"
    else not_ok "plot sim: groups, title and legend" "$(head -c 800 <<<"$t")"; fi
    # complete averages exactly: consensus 0 or ~1e-33, under the floor; the legend says so
    if grep -q 'values <= 1e-30 (0 included) drawn at 1e-30' <<<"$t"; then
        ok "plot sim: complete's underflowing consensus is drawn at the floor, and the legend says so"
    else not_ok "plot sim: the floor note" "$(head -c 800 <<<"$t")"; fi
fi
if figure "plot sim: --x bytes, --labels, --panels loss" "$PL/simb.svg" sim "$PL"/ring.seed1.csv "$PL"/complete.seed1.csv \
    --x bytes --panels loss --labels 'a ring,the complete graph'; then
    t=$(svg_text "$PL/simb.svg")
    if grep -qx 'a ring' <<<"$t" && grep -qx 'the complete graph' <<<"$t" && grep -q 'bytes sent' <<<"$t"; then ok "plot sim: --labels name the lines"
    else not_ok "plot sim: --labels" "$(head -c 600 <<<"$t")"; fi
fi
figure "plot sim: a log without header or time column still plots against iter" "$PL/old.png" sim "$PL/old.csv"
figure "plot compare: bars, PNG" "$PL/cmp.png" compare "$PL/cmp.csv"
if figure "plot compare: bars, SVG, --y steps" "$PL/cmp.svg" compare "$PL/cmp.csv" --y steps; then
    first=$(awk -F, 'NR == 2 { print $3 }' "$PL/cmp.csv")
    if svg_text "$PL/cmp.svg" | grep -qxF -- "$first"; then ok "plot compare: the bars are labelled by compare's labels ($first)"
    else not_ok "plot compare: bar labels" "$(svg_text "$PL/cmp.svg" | head -20)"; fi
fi
figure "plot xy: any CSV's columns by group" "$PL/xy.svg" xy "$PL/gap.csv" --x n --y rate_gap,steps_to_eps --group topology \
    --logx --logy --curve '1/x**2:n^-2'

# ---- gnuplot missing or failing: exit 1, one line, the old file kept ---------------------------
printf 'keep' >"$PL/kept.png"
PATH="$PL/nognuplot" "$TOPOMIX" plot gap "$PL/gap.csv" -o "$PL/kept.png" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q 'gnuplot is not on PATH' "$TMP/err" &&
    [ "$(cat "$PL/kept.png")" = keep ]; then
    ok "plot without gnuplot on PATH: exit 1, one line, the old figure kept"
else not_ok "plot without gnuplot on PATH: exit 1, one line" "rc=$rc" "$(stderr_tail)"; fi
if [ -n "$HAVE_GNUPLOT" ]; then
    fail_case "plot: gnuplot's failure (a --curve it cannot parse) exits 1 with its first error line" 1 \
        "gnuplot failed \(exit [0-9]+\): .*line [0-9]+: " plot gap "$PL/gap.csv" -o "$PL/kept.png" --curve 'sin(:broken'
    if [ "$(cat "$PL/kept.png")" = keep ]; then ok "plot: a failed gnuplot leaves the old figure as it was"
    else not_ok "plot: a failed gnuplot leaves the old figure as it was"; fi
else
    skip "plot: gnuplot's failure exits 1" "gnuplot is not installed"
fi

# ---- bad inputs --------------------------------------------------------------------------------
run "${S8[@]}" --topology ring --iters 5 --format json --quiet --log "$PL/j.json"
printf 'a,b\n1,2\n' >"$PL/ab.csv"
printf '# only comments\n' >"$PL/empty.csv"
printf 'a,b\n1,2\n1,2,3\n' >"$PL/bad.csv"
bad "plot: no kind" 'no kind given' plot
bad "plot: unknown kind" "unknown kind 'bars'" plot bars "$PL/gap.csv" -o "$PL/x.png"
bad "plot: an option before the kind" 'the kind comes first' plot -o "$PL/x.png" gap "$PL/gap.csv"
bad "plot sim: no inputs" 'needs at least one input' plot sim -o "$PL/x.png"
bad "plot gap: no -o" '-o OUT.png or OUT.svg is required' plot gap "$PL/gap.csv"
bad "plot: -o not .png or .svg" 'must end in .png or .svg' plot gap "$PL/gap.csv" -o "$PL/x.jpg"
bad "plot: -o is an input" 'also an input' plot xy "$PL/gap.png" -o "$PL/gap.png" --x a --y b
bad "plot sim: a missing log" 'cannot read .*nosuch.csv' plot sim "$PL/nosuch.csv" -o "$PL/x.png"
bad "plot sim: a directory" 'is a directory' plot sim "$PL" -o "$PL/x.png"
bad "plot sim: a file that is not a sim log" 'gap.csv is not a topomix sim log' plot sim "$PL/gap.csv" -o "$PL/x.png"
bad "plot sim: only comments" 'no CSV column line' plot sim "$PL/empty.csv" -o "$PL/x.png"
bad "plot sim: a JSON-lines log" 'JSON-lines log; plot sim reads CSV' plot sim "$PL/j.json" -o "$PL/x.png"
bad "plot sim: unknown panel" "unknown panel 'speed'" plot sim "$H" -o "$PL/x.png" --panels loss,speed
bad "plot sim: a panel twice" "names 'loss' twice" plot sim "$H" -o "$PL/x.png" --panels loss,loss
bad "plot sim: --x time on a log without a time column" 'old.csv has no time column' plot sim "$PL/old.csv" -o "$PL/x.png" --x time
bad "plot sim: unknown --x" "unknown --x 'epoch'" plot sim "$H" -o "$PL/x.png" --x epoch
bad "plot sim: unknown --band" "unknown --band 'iqr'" plot sim "$H" -o "$PL/x.png" --band iqr
bad "plot sim: --floor 0" '--floor must be > 0' plot sim "$H" -o "$PL/x.png" --floor 0
bad "plot sim: --labels count" '--labels gives 3 entries, the figure has 2' plot sim "$PL/ring.seed1.csv" \
    "$PL/complete.seed1.csv" -o "$PL/x.png" --labels a,b,c
bad "plot sim: a row of the wrong width" 'line [0-9]+: 3 fields, the column line has 2' plot xy "$PL/bad.csv" -o "$PL/x.png" --x a --y b
bad "plot gap: unknown --y" "unknown --y 'speed'" plot gap "$PL/gap.csv" -o "$PL/x.png" --y speed
bad "plot gap: not a sweep" "no column 'topology'" plot gap "$PL/ab.csv" -o "$PL/x.png"
bad "plot gap: an option of another kind" '--panels does not apply to plot gap' plot gap "$PL/gap.csv" -o "$PL/x.png" --panels loss
bad "plot gap: --curve with ';'" "--curve: no line breaks, ';'" plot gap "$PL/gap.csv" -o "$PL/x.png" --curve 'x; system("ls"):t'
bad "plot gap: a topology option" 'does not apply to plot gap' plot gap "$PL/gap.csv" -o "$PL/x.png" --topology ring
bad "plot compare: a gap sweep" "no column 'label'" plot compare "$PL/gap.csv" -o "$PL/x.png"
bad "plot compare: two inputs" 'takes one CSV' plot compare "$PL/cmp.csv" "$PL/cmp.csv" -o "$PL/x.png"
bad "plot spectrum: no topology" 'needs --topology' plot spectrum -o "$PL/x.png"
bad "plot spectrum: an input file" 'takes no input files' plot spectrum "$PL/gap.csv" --topology ring -n 8 -o "$PL/x.png"
bad "plot spectrum: n beyond the dense limit" 'exceeds the dense limit' plot spectrum --topology ring -n 5000 -o "$PL/x.png"
bad "plot spectrum: --step -1" '--step' plot spectrum --topology ring -n 8 --step -1 -o "$PL/x.png"
bad "plot xy: no --x" 'needs --x' plot xy "$PL/ab.csv" -o "$PL/x.png" --y b
bad "plot xy: a missing column" "no column 'c' \(--y\)" plot xy "$PL/ab.csv" -o "$PL/x.png" --x a --y c
bad "plot: --size" '--size expects W,H' plot gap "$PL/gap.csv" -o "$PL/x.png" --size 800
bad "sim --seeds B < A" '--seeds A:B needs A <= B' "${S8[@]}" --topology ring --seeds 3:1 --log "$PL/s.csv"
bad "sim --seeds not A:B" "--seeds expects A:B" "${S8[@]}" --topology ring --seeds 3 --log "$PL/s.csv"
bad "sim --seeds A:B:C" "--seeds expects A:B" "${S8[@]}" --topology ring --seeds 1:2:3 --log "$PL/s.csv"
bad "sim --seeds x:2" '--seeds' "${S8[@]}" --topology ring --seeds x:2 --log "$PL/s.csv"
bad "sim --seeds with --seed" '--seeds and --seed both given' "${S8[@]}" --topology ring --seeds 1:2 --seed 3 --log "$PL/s.csv"
bad "sim --seeds without --log" '--seeds needs --log FILE' "${S8[@]}" --topology ring --seeds 1:2
bad "sim --seeds with --resume" 'does not combine with --seeds' "${S8[@]}" --topology ring --seeds 1:2 --log "$PL/s.csv" --resume "$PL/res.ck"
if [ ! -e "$PL/x.png" ] && [ ! -e "$PL/s.seed1.csv" ]; then ok "plot and sim --seeds: bad input writes no file"
else not_ok "plot and sim --seeds: bad input writes no file" "$(ls "$PL")"; fi

run help plot
if [ "$rc" -eq 0 ] && head -1 "$TMP/out" | grep -q '^Usage: topomix plot gap' && grep -q 'docs/definitions.md' "$TMP/out"; then
    ok "topomix help plot shows plot's help"
else not_ok "topomix help plot shows plot's help" "rc=$rc" "$(stderr_tail)"; fi
