#!/usr/bin/env bash
# Command-line tests of topomix: help and usage exits, the topology list, JSON output, golden
# Matrix Market files, and a table of bad inputs that must each exit 2 with one line on stderr.
#
#   run_cli_tests.sh PATH_TO_topomix
#
# Prints TAP (the plan comes last); exits non-zero if any check failed.
set -u

TOPOMIX=${1:?usage: run_cli_tests.sh PATH_TO_topomix}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case $TOPOMIX in /*) ;; *) TOPOMIX=$PWD/$TOPOMIX ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/topomix-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Run where an interrupted sim's default checkpoint (topomix-sim.ckpt) lands in the scratch directory.
cd "$TMP" || exit 1

PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1; then PY=$p; break; fi
done

count=0
failed=0

# '#' would start a TAP directive inside a description: drop it.
ok() { count=$((count + 1)); echo "ok $count - ${1//#/}"; }
not_ok() {
    count=$((count + 1)); failed=$((failed + 1))
    echo "not ok $count - ${1//#/}"
    shift
    local line
    for line in "$@"; do printf '# %s\n' "$line"; done
}
skip() { count=$((count + 1)); echo "ok $count - $1 # SKIP $2"; }

# run ARGS...: runs topomix with a time limit (LIMIT seconds, default 60); sets rc, and leaves
# stdout/stderr in $TMP/out, $TMP/err.
run() {
    timeout "${LIMIT:-60}" "$TOPOMIX" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}

# A crash (signal: exit >= 128, 124 from timeout) or a sanitizer report is always a failure.
crashed() {
    [ "$rc" -ge 124 ] || grep -qE 'Sanitizer|runtime error:' "$TMP/err"
}

stderr_tail() { head -c 600 "$TMP/err" | sed 's/^/stderr: /'; }
# SIG PID LOG: sends SIG to the run PID once its log LOG holds a row (the row of its first iteration,
# written after the run installs its handlers), or at once if the run has ended; a fixed sleep raced
# the handlers when start-up was slow (sanitizers on a loaded machine: CI saw exit 143 and no checkpoint)
signal_running() {
    local i
    for i in $(seq 1 24000); do
        grep -q '^[0-9]' "$3" 2>/dev/null && break
        kill -0 "$2" 2>/dev/null || break
        sleep 0.01
    done
    kill -"$1" "$2" 2>/dev/null
}

# ---- help, usage, version ------------------------------------------------------------------

run --help
if [ "$rc" -eq 0 ] && grep -q Usage "$TMP/out"; then ok "topomix --help exits 0 with Usage on stdout"
else not_ok "topomix --help exits 0 with Usage on stdout" "rc=$rc"; fi

run topo --help
if [ "$rc" -eq 0 ] && grep -q Usage "$TMP/out" && [ ! -s "$TMP/err" ]; then
    ok "topomix topo --help exits 0 with Usage on stdout"
else not_ok "topomix topo --help exits 0 with Usage on stdout" "rc=$rc"; fi

# usage errors: the first line names the problem, the second says where the help is; no usage dump
usage_case() { # DESCRIPTION REGEX TRY ARGS...
    local desc=$1 regex=$2 try=$3
    shift 3
    run "$@"
    if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 2 ] && head -1 "$TMP/err" | grep -qE -- "$regex" &&
        [ "$(sed -n 2p "$TMP/err")" = "Try '$try --help'." ] && ! crashed; then ok "$desc"
    else not_ok "$desc" "rc=$rc" "$(stderr_tail)"; fi
}
usage_case "topomix topo --no-such-option: one line naming it, then Try" "^topomix topo: unknown option '--no-such-option'" \
    "topomix topo" topo --no-such-option
usage_case "topomix --no-such-option: one line naming it, then Try" "^topomix: unknown option '--no-such-option'" \
    topomix --no-such-option
usage_case "topomix without a command: one line, then Try" '^topomix: no command given' topomix
usage_case "topomix nosuchcommand: one line naming it, then Try" "^topomix: unknown command 'nosuchcommand'" \
    topomix nosuchcommand
usage_case "topomix sim --iters (no value): one line naming it, then Try" '^topomix sim: option --iters needs a value' \
    "topomix sim" sim --iters

for sub in topo gap exact sim data; do
    run help $sub
    if [ "$rc" -eq 0 ] && head -1 "$TMP/out" | grep -q "^Usage: topomix $sub" && [ ! -s "$TMP/err" ]; then
        ok "topomix help $sub shows the help of $sub"
    else not_ok "topomix help $sub shows the help of $sub" "rc=$rc" "$(stderr_tail)"; fi
done

run --version
if [ "$rc" -eq 0 ] && grep -qE '^topomix [0-9]+\.[0-9]+\.[0-9]+' "$TMP/out"; then ok "topomix --version exits 0 and prints the version"
else not_ok "topomix --version exits 0 and prints the version" "rc=$rc" "$(cat "$TMP/out")"; fi

# ---- the registry ----------------------------------------------------------------------------

run topo --list
if [ "$rc" -ne 0 ]; then
    not_ok "topo --list exits 0" "rc=$rc"
else
    ok "topo --list exits 0"
    missing=
    for name in complete ring dring star grid torus hypercube er exp onepeer-exp onepeer-hypercube \
        bipartite-exp matching base-k equistatic equidyn file:PATH; do
        grep -qE "^$name( |\$)" "$TMP/out" || missing="$missing $name"
    done
    if [ -z "$missing" ]; then ok "topo --list names all 17 topologies"
    else not_ok "topo --list names all 17 topologies" "missing:$missing"; fi
fi

run topo --table -n 16
if [ "$rc" -eq 0 ] && [ "$(grep -cE '^(complete|ring|exp|base-k|equidyn) ' "$TMP/out")" -eq 5 ] && ! crashed; then
    ok "topo --table -n 16 exits 0 with a row per topology"
else not_ok "topo --table -n 16 exits 0 with a row per topology" "rc=$rc" "$(stderr_tail)"; fi

# ---- JSON output -----------------------------------------------------------------------------

json_case() { # DESCRIPTION PYTHON-ASSERTION ARGS...
    local desc=$1 check=$2
    shift 2
    if [ -z "$PY" ]; then skip "$desc" "no python3"; return; fi
    run "$@"
    if [ "$rc" -ne 0 ]; then not_ok "$desc" "rc=$rc" "$(stderr_tail)"; return; fi
    if "$PY" -c "import json, sys
d = json.load(open(sys.argv[1]))
assert $check, d" "$TMP/out" 2>"$TMP/pyerr"; then
        ok "$desc"
    else
        not_ok "$desc" "$(head -c 600 "$TMP/pyerr")"
    fi
}

json_case "topo ring -n 8 --format json parses, doubly stochastic, symmetric, connected" \
    'd["n"] == 8 and d["nnz"] == 24 and d["doubly_stochastic"] and d["symmetric"] and d["connected"]' \
    topo ring -n 8 --format json
json_case "topo exp -n 12 --format json parses, directed and doubly stochastic" \
    'd["n"] == 12 and d["directed"] and d["doubly_stochastic"] and not d["symmetric"]' \
    topo exp -n 12 --format json
json_case "topo base-k -n 10 --k 2 --step 1 --format json parses, periodic" \
    'd["n"] == 10 and d["kind"] == "periodic" and d["doubly_stochastic"] and d["period"] >= 1' \
    topo base-k -n 10 --k 2 --step 1 --format json
json_case "topo er -n 10 --seed 3 --format json parses, seed recorded" \
    'd["params"]["seed"] == 3 and d["status"] == "ok" and d["doubly_stochastic"]' \
    topo er -n 10 --seed 3 --format json
json_case "topo matching -n 9 --step 4 --format json parses, period null" \
    'd["period"] is None and d["doubly_stochastic"]' \
    topo matching -n 9 --step 4 --format json

json_case "gap exp -n 64 --check --format json: theorem holds (even n, equality)" \
    'd["topology"] == "exp" and d["method"] == "dft" and d["check"]["holds"] and abs(d["slem"] - (1 - 2/7)) < 1e-12 and abs(d["spectral_gap"] - 2/7) < 1e-12' \
    gap exp -n 64 --check --format json
json_case "gap exp -n 63 --check --format json: theorem holds (odd n, strict)" \
    'd["check"]["holds"] and d["slem"] < 1 - 2/7 and abs(d["beta"] - d["slem"]) < 1e-12' \
    gap exp -n 63 --check --format json
json_case "gap onepeer-exp -n 32 --format json: periodic fields, exact product" \
    'd["period"] == 5 and d["period_rate"] < 1e-12 and "step_rate" in d and d["method"] == "dft"' \
    gap onepeer-exp -n 32 --format json
json_case "gap grid -n 64 --format json: dense method, all output fields" \
    'd["method"] == "dense" and all(k in d for k in ("topology", "n", "slem", "beta", "spectral_gap"))' \
    gap grid -n 64 --format json
json_case "gap grid -n 5000 --format json: iterative with a residual" \
    'd["method"] == "iterative" and d["residual"] < 1e-6 and 0 < d["spectral_gap"] < 1' \
    gap grid -n 5000 --format json
json_case "gap equidyn -n 16 --format json: exact expected rate" \
    'd["p_exact"] and 0 < d["p"] <= 1' \
    gap equidyn -n 16 --format json
json_case "exact onepeer-exp -n 1024 --format json: exact in 10 steps" \
    'd["exact"] is True and d["steps"] == 10 and d["residual"] == 0' \
    exact onepeer-exp -n 1024 --format json
json_case "exact onepeer-exp -n 1000 --format json: not exact, positive residual" \
    'd["exact"] is False and d["steps"] is None and d["residual"] > 0' \
    exact onepeer-exp -n 1000 --format json
json_case "exact base-k -n 17 --format json: exact within one period from phase 0" \
    'd["exact"] is True and d["steps"] <= d["period"] == 9' \
    exact base-k -n 17 --format json
# Base-(k+1) is built to average from phase 0; from phase k > 0 the rest of the period plus a whole
# period (at most 2P - 1 steps) always suffices.
json_case "exact base-k -n 17 --all-phases --format json: exact within 2P - 1 steps from every phase" \
    'd["exact"] is True and d["period"] < d["steps"] <= 2 * d["period"] - 1' \
    exact base-k -n 17 --all-phases --format json

run gap --sweep ring,exp --n 4:64 -o "$TMP/sweep.csv"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/sweep.csv")" -eq 11 ] && head -1 "$TMP/sweep.csv" | grep -q '^topology,n,'; then
    ok "gap --sweep ring,exp --n 4:64 writes a header and 10 CSV rows"
else not_ok "gap --sweep ring,exp --n 4:64 writes a header and 10 CSV rows" "rc=$rc" "$(stderr_tail)"; fi

for sub in gap exact; do
    run $sub --help
    if [ "$rc" -eq 0 ] && grep -q Usage "$TMP/out"; then ok "topomix $sub --help exits 0 with Usage"
    else not_ok "topomix $sub --help exits 0 with Usage" "rc=$rc"; fi
done

# ---- sim and data ------------------------------------------------------------------------------

SIM=(sim --topology ring -n 4 --algo dsgd --problem logreg-nc --dim 5 --samples 20 --batch 4 --lr 0.3 --quiet)

run "${SIM[@]}" --iters 20 --log-every 5
if [ "$rc" -eq 0 ] && [ "$(grep -vc '^#' "$TMP/out")" -eq 6 ] && grep -v '^#' "$TMP/out" | head -1 | grep -q '^iter,loss,grad_norm2,consensus,accuracy,gossip_rounds'; then
    ok "sim writes a CSV header and rows at 0, 5, 10, 15, 20"
else not_ok "sim writes a CSV header and rows at 0, 5, 10, 15, 20" "rc=$rc" "$(stderr_tail)"; fi
cp "$TMP/out" "$TMP/run1.csv"
run "${SIM[@]}" --iters 20 --log-every 5
if cmp -s "$TMP/out" "$TMP/run1.csv"; then ok "sim: the same seed gives the same log, byte for byte"
else not_ok "sim: the same seed gives the same log, byte for byte"; fi

run "${SIM[@]}" --iters 20 --log-every 5 --format json
if [ "$rc" -eq 0 ] && [ -n "$PY" ] && "$PY" -c "import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert 'settings' in rows[0]
rows = rows[1:]
assert len(rows) == 5 and rows[-1]['iter'] == 20 and rows[0]['gossip_rounds'] == 0" "$TMP/out" 2>/dev/null; then
    ok "sim --format json writes its settings, then one JSON object per logged row"
else not_ok "sim --format json writes one JSON object per logged row" "rc=$rc"; fi

run sim --topology ring -n 4 --algo dsgd --problem lsq-nc --dim 5 --samples 20 --batch full --lr 1e6 --iters 200 --log-every 1 --quiet
if [ "$rc" -eq 3 ] && grep -q 'iteration' "$TMP/err" && [ "$(grep -vc '^#' "$TMP/out")" -gt 2 ] && ! crashed; then
    ok "sim: a diverging run exits 3 naming the iteration and keeps the log"
else not_ok "sim: a diverging run exits 3 naming the iteration and keeps the log" "rc=$rc" "$(stderr_tail)"; fi

# interrupt a long run, then resume it: the final rows equal an uninterrupted run's. The run takes
# 3.5 s in a release build and about 18 s under AddressSanitizer on this 2-core machine, several
# times that when the machine is shared: the whole run and the resumed one get 240 s. (At 8000
# iterations, 1.2 s, one CI run saw it finish before the signal and skipped both checks.)
LONG=(sim --topology exp -n 8 --algo dmsgd --problem logreg-nc --dim 2000 --samples 200 --batch 32 --lr 0.2 --iters 24000 --log-every 3000 --quiet)
timeout 240 "$TOPOMIX" "${LONG[@]}" --log "$TMP/whole.csv" 2>/dev/null
rm -f "$TMP/part.csv"
"$TOPOMIX" "${LONG[@]}" --log "$TMP/part.csv" --checkpoint "$TMP/ck" 2>"$TMP/err" &
pid=$!
signal_running INT "$pid" "$TMP/part.csv"
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && [ -s "$TMP/ck" ] && grep -q 'checkpoint written' "$TMP/err"; then
    ok "sim: SIGINT flushes the log, writes a checkpoint and exits 130"
    LIMIT=240 run "${LONG[@]}" --log "$TMP/part.csv" --resume "$TMP/ck"
    if [ "$rc" -eq 0 ] && [ "$(tail -n 1 "$TMP/part.csv")" = "$(tail -n 1 "$TMP/whole.csv")" ]; then
        ok "sim --resume finishes bit-identical to an uninterrupted run"
    else not_ok "sim --resume finishes bit-identical to an uninterrupted run" "rc=$rc" "$(tail -n 1 "$TMP/part.csv")" "$(tail -n 1 "$TMP/whole.csv")"; fi
elif [ "$rc" -eq 0 ]; then
    skip "sim: SIGINT flushes the log, writes a checkpoint and exits 130" "the run finished before the signal"
    skip "sim --resume finishes bit-identical to an uninterrupted run" "no interrupted run"
else
    not_ok "sim: SIGINT flushes the log, writes a checkpoint and exits 130" "rc=$rc" "$(stderr_tail)"
fi

run data gen -n 3 --samples 10 --dim 4 -o "$TMP/gen.svm"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/gen.svm")" -eq 30 ]; then
    run sim --topology ring -n 3 --algo dsgd --problem logreg-nc --data "$TMP/gen.svm" --batch full --iters 5 --lr 0.1 --quiet
    if [ "$rc" -eq 0 ]; then ok "data gen writes LIBSVM that sim --data reads"
    else not_ok "data gen writes LIBSVM that sim --data reads" "rc=$rc" "$(stderr_tail)"; fi
else not_ok "data gen writes LIBSVM that sim --data reads" "rc=$rc" "$(stderr_tail)"; fi

HS=/usr/share/doc/liblinear-tools/examples/heart_scale
if [ -r "$HS" ]; then
    run sim --topology exp -n 10 --algo dsgd --problem logreg-nc --data "$HS" --partition shuffle --batch 8 --iters 50 --lr 0.5 --quiet
    if [ "$rc" -eq 0 ] && [ "$(tail -n 1 "$TMP/out" | cut -d, -f1)" = 50 ]; then ok "sim runs on Debian's heart_scale"
    else not_ok "sim runs on Debian's heart_scale" "rc=$rc" "$(stderr_tail)"; fi
else
    skip "sim runs on Debian's heart_scale" "$HS not installed (liblinear-tools)"
fi

for sub in sim data; do
    run $sub --help
    if [ "$rc" -eq 0 ] && grep -q Usage "$TMP/out"; then ok "topomix $sub --help exits 0 with Usage"
    else not_ok "topomix $sub --help exits 0 with Usage" "rc=$rc"; fi
done

# ---- golden Matrix Market files --------------------------------------------------------------
# The comment line carries the version ("% topomix 0.1.0: ..."); it is normalised to
# "% topomix VERSION: ..." on both sides so that a release does not invalidate the files.

normalise() { sed -E 's/^% topomix [^ :]+:/% topomix VERSION:/' "$1"; }

golden() { # EXPECTED-FILE ARGS...
    local expected=$HERE/$1
    shift
    run "$@"
    if [ "$rc" -ne 0 ]; then not_ok "topomix $* matches $(basename "$expected")" "rc=$rc" "$(stderr_tail)"; return; fi
    if [ ! -f "$expected" ]; then not_ok "topomix $* matches $(basename "$expected")" "missing $expected"; return; fi
    if diff <(normalise "$expected") <(normalise "$TMP/out") >"$TMP/diff"; then
        ok "topomix $* matches $(basename "$expected")"
    else
        not_ok "topomix $* matches $(basename "$expected")" "$(head -c 1500 "$TMP/diff")"
    fi
}

golden ring5.expected topo ring -n 5 --format mtx
golden exp6.expected topo exp -n 6 --format mtx
golden basek5.expected topo base-k -n 5 --format mtx

# ---- bad inputs: exit 2, exactly one line on stderr naming the problem, never a crash ----------

mkdir -p "$TMP/bad"
printf '%%%%MatrixMarket matrix coordinate real general\n3 3 4\n1 1 1\n2 2 1\n' >"$TMP/bad/truncated.mtx"
printf '%%%%MatrixMarket matrix coordinate real general\n3 4 1\n1 1 1\n' >"$TMP/bad/nonsquare.mtx"
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 nan\n2 2 1\n' >"$TMP/bad/nan.mtx"
printf '%%%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n3 2 1\n' >"$TMP/bad/range.mtx"
printf '%%%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n2 2\n' >"$TMP/bad/pattern.mtx"
printf '1 1:0.5\n-1 0:1\n' >"$TMP/bad/zero.svm"
printf '1 1000000000000:1\n' >"$TMP/bad/huge.svm"

# bad DESCRIPTION REGEX ARGS...: exit 2; the first stderr line names the problem (REGEX,
# case-insensitive); a second line is allowed only as "Try 'topomix CMD --help'." (usage errors).
bad() {
    local desc=$1 regex=$2
    shift 2
    local t0 t1
    t0=$(date +%s)
    run "$@"
    t1=$(date +%s)
    local lines second
    lines=$(wc -l <"$TMP/err")
    second=$(sed -n 2p "$TMP/err")
    if crashed; then
        not_ok "bad input, $desc: exits 2 with one line" "crashed: rc=$rc" "$(stderr_tail)"
    elif [ "$rc" -ne 2 ]; then
        not_ok "bad input, $desc: exits 2 with one line" "rc=$rc, wanted 2" "$(stderr_tail)"
    elif [ "$lines" -ne 1 ] && ! { [ "$lines" -eq 2 ] && [[ $second =~ ^Try\ \'topomix( [a-z]+)?\ --help\'\.$ ]]; }; then
        not_ok "bad input, $desc: exits 2 with one line" "$lines lines on stderr, wanted 1 (or 1 + Try)" "$(stderr_tail)"
    elif ! head -1 "$TMP/err" | grep -qiE -- "$regex"; then
        not_ok "bad input, $desc: exits 2 with one line" "the first line does not match /$regex/" "$(stderr_tail)"
    elif [ $((t1 - t0)) -gt 10 ]; then
        not_ok "bad input, $desc: exits 2 with one line" "took $((t1 - t0)) s to refuse"
    else
        ok "bad input, $desc: exits 2 with one line ($(head -1 "$TMP/err" | head -c 150))"
    fi
}

# fail_case DESCRIPTION CODE REGEX ARGS...: a runtime or I/O failure exits CODE (1) with one line
# naming the problem (REGEX), never a crash.
fail_case() {
    local desc=$1 code=$2 regex=$3
    shift 3
    run "$@"
    if crashed && [ "$code" -lt 124 ]; then
        not_ok "$desc" "crashed: rc=$rc" "$(stderr_tail)"
    elif [ "$rc" -ne "$code" ]; then
        not_ok "$desc" "rc=$rc, wanted $code" "$(stderr_tail)"
    elif [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -qiE -- "$regex" "$TMP/err"; then
        not_ok "$desc" "stderr is not one line matching /$regex/" "$(stderr_tail)"
    else
        ok "$desc ($(head -c 150 "$TMP/err"))"
    fi
}

bad "-n missing" '-n' topo ring
bad "-n 0" '-n.*(>= ?1|0)' topo ring -n 0
bad "-n -3" '-n.*-3' topo ring -n -3
bad "-n abc" '-n.*(integer|abc)' topo ring -n abc
bad "-n 99999999999999999999" '-n.*(large|range|at most)' topo ring -n 99999999999999999999
bad "-n 3.5" '-n.*(integer|3\.5)' topo ring -n 3.5
bad "unknown topology" 'unknown topology.*nosuchtopo|nosuchtopo.*unknown' topo nosuchtopo -n 4
bad "unknown --weights" 'weight.*bogus' topo ring -n 4 --weights bogus
bad "unknown --format" 'format.*xml' topo ring -n 4 --format xml
bad "hypercube -n 12" 'hypercube.*power of two' topo hypercube -n 12
bad "onepeer-hypercube -n 6" 'onepeer-hypercube.*power of two' topo onepeer-hypercube -n 6
bad "bipartite-exp -n 7" 'bipartite-exp.*even' topo bipartite-exp -n 7
bad "grid -n 12 --rows 5" 'rows.*5.*(divide|12)' topo grid -n 12 --rows 5
bad "er --p 0" '--p' topo er -n 8 --p 0
bad "er --p nan" '--p' topo er -n 8 --p nan
bad "er --p 2" '--p' topo er -n 8 --p 2
bad "equidyn --eta 0" 'eta' topo equidyn -n 8 --eta 0
bad "base-k --k 0" '--k' topo base-k -n 8 --k 0
bad "--rows given to ring" 'rows.*(not apply|ring)' topo ring -n 6 --rows 2
bad "--weights uniform on exp" 'uniform.*exp|exp.*uniform' topo exp -n 8 --weights uniform
bad "--step -1" 'step' topo onepeer-exp -n 8 --step -1
bad "file:/nonexistent.mtx" 'nonexistent\.mtx' topo file:/nonexistent.mtx
bad "file: truncated" 'truncated' topo "file:$TMP/bad/truncated.mtx"
bad "file: non-square" 'square' topo "file:$TMP/bad/nonsquare.mtx"
bad "file: NaN value" '(finite|nan)' topo "file:$TMP/bad/nan.mtx"
bad "file: index out of range" '(outside|range)' topo "file:$TMP/bad/range.mtx"
bad "file: pattern field" 'pattern' topo "file:$TMP/bad/pattern.mtx"
# A dense request over memory must be refused at once, with a size estimate, not attempted.
bad "complete -n 10000000 (dense, over memory)" '[0-9.]+ ?(B|KiB|MiB|GiB|TiB|PiB|EiB|bytes)' topo complete -n 10000000
bad "gap --method dft on grid" 'circulant' gap grid -n 16 --method dft
bad "gap --method bogus" 'method.*bogus' gap ring -n 16 --method bogus
bad "gap --check on star" 'check' gap star -n 16 --check
bad "gap --sweep with an unknown topology" 'nosuch' gap --sweep ring,nosuch --n 4:8
bad "gap --sweep without --n" '--n' gap --sweep ring
bad "gap --n 8:4 (empty range)" '--n' gap --sweep ring --n 8:4
bad "gap dense on n=10^6 grid (memory)" '(memory|needs)' gap grid -n 1000000 --method dense
bad "exact --max-steps 0" 'max-steps' exact ring -n 8 --max-steps 0
bad "exact --tol nan" 'tol' exact ring -n 8 --tol nan
bad "exact --all-phases on a static topology" 'periodic' exact ring -n 8 --all-phases
bad "exact without -n" '-n' exact onepeer-exp
S=(sim --topology ring -n 4 --problem logreg-nc --dim 5 --samples 20 --iters 3 --quiet)
bad "sim without --topology" 'topology' sim -n 4 --iters 3
bad "sim without -n" '-n' sim --topology ring --iters 3
bad "sim unknown --algo" 'algorithm.*sgdx' "${S[@]}" --algo sgdx
bad "sim unknown --problem" 'problem.*svm' sim --topology ring -n 4 --problem svm
bad "sim --lr 0" '--lr' "${S[@]}" --lr 0
bad "sim --lr nan" '--lr' "${S[@]}" --lr nan
bad "sim --batch 0" '--batch' "${S[@]}" --batch 0
bad "sim --batch abc" '--batch' "${S[@]}" --batch abc
bad "sim --momentum 1" 'momentum' "${S[@]}" --algo dmsgd --momentum 1
bad "sim --period 0" '--period' "${S[@]}" --algo local --period 0
bad "sim --aux with dsgd" 'aux' "${S[@]}" --aux 1
bad "sim --consensus-target bogus" 'consensus-target' "${S[@]}" --consensus-target bogus
bad "sim --consensus-target on psgd" 'consensus control' "${S[@]}" --algo psgd --consensus-target const:0.5
bad "sim --lr-decay 0.8,0.5 (not increasing)" 'decay' "${S[@]}" --lr-decay 0.8,0.5
bad "sim --precision f16" 'precision' "${S[@]}" --precision f16
bad "sim --precision F32 (case)" 'precision' "${S[@]}" --precision F32
bad "sim --device tpu" 'device' "${S[@]}" --device tpu
bad "sim --device cuda (not built)" 'cuda' "${S[@]}" --device cuda
bad "sim --partition label-skew:abc" 'label-skew|partition' "${S[@]}" --partition label-skew:abc
bad "sim --data missing file" 'nonexistent' "${S[@]}" --data /nonexistent.svm
bad "sim --data with index 0" 'index 0|1-based' "${S[@]}" --data "$TMP/bad/zero.svm"
bad "sim --data with a huge index" '(memory|needs)' sim --topology ring -n 1 --problem logreg-nc --iters 3 --quiet --data "$TMP/bad/huge.svm"
bad "sim --resume of a missing checkpoint" 'checkpoint' "${S[@]}" --resume /nonexistent.ckpt
bad "sim --checkpoint-every without --checkpoint" 'checkpoint' "${S[@]}" --checkpoint-every 5
bad "sim --hetero with --data" 'hetero' "${S[@]}" --data "$TMP/bad/zero.svm" --hetero 1
bad "sim state over memory" '(memory|needs)' sim --topology ring -n 100000 --problem logreg-nc --dim 100000000 --samples 1 --iters 1 --quiet
bad "sim --classes 1" '--classes' "${S[@]}" --problem mlp --classes 1
bad "data without a subcommand" 'gen|info' data
bad "data gen without -o" '-o' data gen
bad "data gen --problem bogus" 'problem' data gen -o "$TMP/x.svm" --problem bogus
bad "ring -n 2000000000000 (too large)" '(large|memory|at most)' topo ring -n 2000000000000

# ---- more cases, one file per topic (bad inputs, faults, files kept safe) --------------------
for f in "$HERE"/cases/*.sh; do
    [ -e "$f" ] || continue
    # shellcheck source=/dev/null
    . "$f"
done

echo "1..$count"
if [ "$failed" -ne 0 ]; then
    echo "# $failed of $count checks failed"
    exit 1
fi
exit 0
