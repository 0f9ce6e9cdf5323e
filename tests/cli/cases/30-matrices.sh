# Invalid mixing matrices are refused by gap, exact and sim; bounded work; gap sweep edge cases.
# Sourced by run_cli_tests.sh (uses run, bad, ok, not_ok, skip, crashed, $TMP, $PY).

M=$TMP/matrices
mkdir -p "$M"
mm='%%MatrixMarket matrix coordinate real general'
# the 0/1 adjacency of the 4-cycle: every row sums to 2
printf '%s\n4 4 8\n1 2 1\n2 1 1\n2 3 1\n3 2 1\n3 4 1\n4 3 1\n1 4 1\n4 1 1\n' "$mm" >"$M/adj.mtx"
# rows and columns sum to 1, symmetric, but (1, 2) and (2, 1) are negative
printf '%s\n3 3 5\n1 1 1.25\n1 2 -0.25\n2 1 -0.25\n2 2 1.25\n3 3 1\n' "$mm" >"$M/neg.mtx"
# rows sum to 1; column 1 sums to 2
printf '%s\n3 3 5\n1 1 0.5\n1 2 0.5\n2 1 1\n3 1 0.5\n3 3 0.5\n' "$mm" >"$M/rowstoch.mtx"
# doubly stochastic, two 2 x 2 blocks: disconnected
printf '%s\n4 4 8\n1 1 0.5\n1 2 0.5\n2 1 0.5\n2 2 0.5\n3 3 0.5\n3 4 0.5\n4 3 0.5\n4 4 0.5\n' "$mm" >"$M/blocks.mtx"

SIMARGS=(--problem logreg-nc --dim 5 --samples 20 --iters 3 --quiet)
for cmd in gap exact sim; do
    # sim needs -n, the file's size
    n4=() n3=()
    if [ $cmd = sim ]; then pre=(sim "${SIMARGS[@]}" --topology) n4=(-n 4) n3=(-n 3); else pre=($cmd); fi
    bad "$cmd on a 0/1 adjacency" '^topomix '$cmd': W is not a mixing matrix: row 1 sums to 2 \(must be 1 within 1e-12\)$' \
        "${pre[@]}" "file:$M/adj.mtx" "${n4[@]}"
    bad "$cmd on a matrix with a negative entry" 'W is not a mixing matrix: entry \(1, 2\) = -0\.25 is negative$' \
        "${pre[@]}" "file:$M/neg.mtx" "${n3[@]}"
    bad "$cmd on a row- but not column-stochastic matrix" 'W is not a mixing matrix: column 1 sums to 2 ' \
        "${pre[@]}" "file:$M/rowstoch.mtx" "${n3[@]}"
done
bad "gap on a disconnected block-diagonal doubly stochastic matrix" \
    'W is not a mixing matrix: the graph of W is disconnected \(2 components\)' gap "file:$M/blocks.mtx"

# connectivity is gap's demand only: exact and sim take the block-diagonal matrix
run exact "file:$M/blocks.mtx"
if [ "$rc" -eq 0 ] && grep -q '^exact      no' "$TMP/out" && [ ! -s "$TMP/err" ]; then
    ok "exact on a disconnected doubly stochastic matrix runs and says it never averages"
else not_ok "exact on a disconnected doubly stochastic matrix runs and says it never averages" "rc=$rc" "$(stderr_tail)"; fi

# a valid user matrix still passes: the lazy ring written by topo, read back by gap
run topo ring -n 16 --weights lazy --format mtx -o "$M/ring16.mtx"
run gap "file:$M/ring16.mtx" --format json
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && grep -q '"spectral_gap":' "$TMP/out"; then
    ok "gap on a valid file matrix (topo's lazy ring) exits 0"
else not_ok "gap on a valid file matrix (topo's lazy ring) exits 0" "rc=$rc" "$(stderr_tail)"; fi

# ---- bounded work ---------------------------------------------------------------------------------

bad "exact ring -n 1000000 --max-steps 100000000 (work estimate over the limit)" \
    'max-steps 100000000 would take up to 3e\+14 multiply-adds \(limit 1e\+12\); give --max-steps [0-9]+ or less' \
    exact ring -n 1000000 --max-steps 100000000
bad "exact base-k --all-phases with a huge --max-steps (whole product)" 'multiply-adds.*--max-steps [0-9]+ or less' \
    exact base-k -n 4096 --all-phases --max-steps 1000000
# the suggested bound is accepted
run exact ring -n 1000000 --max-steps 100000000
fits=$(sed -n 's/.*give --max-steps \([0-9]*\) or less.*/\1/p' "$TMP/err")
if [ -n "$fits" ] && [ "$fits" -eq 333333 ]; then
    ok "the suggested --max-steps is the limit over the work of one step (1e12 / 3e6 = 333333)"
else not_ok "the suggested --max-steps is the limit over the work of one step (1e12 / 3e6 = 333333)" "got '$fits'"; fi

# progress goes to a terminal only: nothing on a redirected stderr
run gap grid -n 5000 --method iterative
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ]; then ok "gap iterative prints no progress when stderr is not a terminal"
else not_ok "gap iterative prints no progress when stderr is not a terminal" "rc=$rc" "$(stderr_tail)"; fi
if command -v script >/dev/null 2>&1; then
    script -qec "$TOPOMIX gap grid -n 20000 --method iterative" /dev/null >"$TMP/tty" 2>&1
    # the last progress line is erased (CR, ESC [K) before the result begins
    if grep -q 'iterative eigensolver: [0-9]* operator applications (at most 96032, [0-9]*%)' "$TMP/tty" &&
        grep -q $'\r\033\\[Ktopology        grid' "$TMP/tty"; then
        ok "gap iterative shows its progress on a terminal and erases it before the result"
    else not_ok "gap iterative shows its progress on a terminal and erases it before the result" "$(head -c 300 "$TMP/tty" | cat -v)"; fi
else
    skip "gap iterative shows its progress on a terminal and erases it before the result" "no script(1)"
fi

# ---- sweeps ---------------------------------------------------------------------------------------

if [ -n "$PY" ]; then
    run gap --sweep ring,exp --n 4:16 --format json
    if [ "$rc" -eq 0 ] && "$PY" -c "import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and len(d) == 6, d
assert [(r['topology'], r['n']) for r in d] == [(t, n) for t in ('ring', 'exp') for n in (4, 8, 16)], d
assert all(0 < r['spectral_gap'] <= 1 and r['method'] == 'dft' for r in d), d
assert all(len(line) < 2 or line.startswith('{') for line in open(sys.argv[1]).read().splitlines()[1:-1]), 'one object a line'
" "$TMP/out" 2>"$TMP/pyerr"; then ok "gap --sweep --format json writes a JSON array, one object per topology and n"
    else not_ok "gap --sweep --format json writes a JSON array, one object per topology and n" "rc=$rc" "$(cat "$TMP/pyerr")"; fi
else
    skip "gap --sweep --format json writes a JSON array, one object per topology and n" "no python3"
fi
bad "gap --sweep --format text" 'sweep.*csv or json' gap --sweep ring --n 4:8 --format text

printf 'keep me\n' >"$TMP/sweep_kept.csv"
bad "gap --sweep where every size is skipped" 'every size was skipped.*hypercube at n=3.*power of two' \
    gap --sweep hypercube --n 3:3 -o "$TMP/sweep_kept.csv"
if [ "$(cat "$TMP/sweep_kept.csv")" = "keep me" ]; then ok "a sweep that skips everything leaves the output file as it was"
else not_ok "a sweep that skips everything leaves the output file as it was" "$(head -c 200 "$TMP/sweep_kept.csv")"; fi

run gap --sweep hypercube,ring --n 3:6
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 3 ] && [ "$(wc -l <"$TMP/err")" -eq 2 ] &&
    grep -q '^topomix gap: skipping hypercube at n=3' "$TMP/err" && grep -q '^ring,6,' "$TMP/out"; then
    ok "a sweep that skips some sizes notes each on stderr and writes the others"
else not_ok "a sweep that skips some sizes notes each on stderr and writes the others" "rc=$rc" "$(stderr_tail)"; fi
