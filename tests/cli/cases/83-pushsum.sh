# Sourced by run_cli_tests.sh: directed graphs and push-sum (docs/definitions.md §20). --weights push
# on a graph whose degrees differ (column stochastic, reported as a push-sum matrix), gap's push-sum
# rate, sim --algo sgp, and the options that do not combine with them.

PS=$TMP/pushsum
mkdir -p "$PS"

# ---- topo: --weights push applies to every family (undirected ones: both directions of each edge) --
run topo star -n 5 --weights push
if [ "$rc" -eq 0 ] && grep -q '^column stochastic   yes' "$TMP/out" && grep -q '^row stochastic      no' "$TMP/out" &&
    grep -q '^push-sum            yes' "$TMP/out"; then
    ok "topo star --weights push: column stochastic, not row stochastic, a push-sum mixing matrix"
else not_ok "topo star --weights push: push-sum validation" "rc=$rc" "$(cat "$TMP/out" "$TMP/err")"; fi

run topo exp -n 12 --weights push --format json
if [ "$rc" -eq 0 ] && grep -q '"doubly_stochastic":true' "$TMP/out" && grep -q '"push_sum":true' "$TMP/out"; then
    ok "topo exp --weights push: a regular directed graph keeps its doubly stochastic weights"
else not_ok "topo exp --weights push --format json" "rc=$rc" "$(cat "$TMP/out" "$TMP/err")"; fi

run topo ring -n 8 --format json
if [ "$rc" -eq 0 ] && grep -q '"push_sum":true' "$TMP/out" && ! grep -q '^push-sum' "$TMP/out"; then
    ok "topo ring --format json: push_sum field; text output of doubly stochastic matrices unchanged"
else not_ok "topo ring push_sum field" "rc=$rc" "$(cat "$TMP/out")"; fi

# ---- gap: the rates about the Perron vector ------------------------------------------------------
run gap star -n 6 --weights push --format json
if [ "$rc" -eq 0 ] && [ -n "$PY" ] && "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["push_sum"] and d["method"] == "dense"
assert abs(d["slem"] - 0.5) < 1e-12 and 0 < d["beta"] and d["perron_min"] < 1 < d["perron_max"]
assert d["steps_to_eps"] is None and "doubly stochastic" in d["cost_error"]
' "$TMP/out" 2>"$TMP/pyerr"; then
    ok "gap star --weights push: push_sum, slem = rho(W - w1^T) = 1/2, Perron range, no cost"
elif [ -z "$PY" ]; then skip "gap star --weights push --format json" "no python3"
else not_ok "gap star --weights push --format json" "rc=$rc" "$(cat "$TMP/out" "$TMP/err" "$TMP/pyerr")"; fi

run gap ring -n 8 --format json
if [ "$rc" -eq 0 ] && grep -q '"push_sum":false' "$TMP/out"; then
    ok "gap ring: push_sum false for a doubly stochastic W"
else not_ok "gap ring: push_sum false" "rc=$rc" "$(cat "$TMP/out")"; fi

bad "gap --weights push --method iterative" 'push-sum.*dense only' gap star -n 6 --weights push --method iterative

# ---- sim --algo sgp ------------------------------------------------------------------------------
SG=(sim --topology star -n 6 --weights push --problem lsq-nc --dim 5 --samples 20 --batch full --lr 0.05 --quiet)
run "${SG[@]}" --algo sgp --iters 400 --log-every 400 --log "$PS/sgp.csv"
if [ "$rc" -eq 0 ] && [ "$(grep -vc '^#' "$PS/sgp.csv")" -ge 3 ] &&
    tail -1 "$PS/sgp.csv" | awk -F, '{ exit !($1 == 400 && $4 < 1e-3) }'; then
    ok "sim --algo sgp on star --weights push: runs, logs, the de-biased models reach consensus"
else not_ok "sim --algo sgp runs and logs" "rc=$rc" "$(tail -3 "$PS/sgp.csv")" "$(cat "$TMP/err")"; fi

fail_case "sim --algo dsgd refuses a push-sum W (rows do not sum to 1)" 2 'row [0-9]+ sums to' \
    "${SG[@]}" --algo dsgd --iters 5
bad "sim --algo sgp --consensus-target" 'consensus-target does not apply to --algo sgp' \
    "${SG[@]}" --algo sgp --iters 5 --consensus-target const:0.5
bad "sim --algo sgp --control-max-rounds" 'control-max-rounds does not apply to --algo sgp' \
    "${SG[@]}" --algo sgp --iters 5 --control-max-rounds 3
# star's push weights transposed: rows sum to 1, column 1 to 1.25
printf '%%%%MatrixMarket matrix coordinate real general\n3 3 7\n1 1 0.25\n1 2 0.375\n1 3 0.375\n2 1 0.5\n2 2 0.5\n3 1 0.5\n3 3 0.5\n' \
    > "$PS/rowstoch.mtx"
fail_case "sim --algo sgp on a row-stochastic, not column-stochastic W" 2 'push-sum mixing matrix: column [0-9]+ sums' \
    sim --topology "file:$PS/rowstoch.mtx" -n 3 --algo sgp --problem lsq-nc --dim 3 --samples 5 --iters 2 --quiet
bad "sim --algo sgpp" "unknown algorithm 'sgpp'" sim --topology ring -n 4 --algo sgpp

run sim --help
if [ "$rc" -eq 0 ] && grep -q 'sgp (stochastic gradient push' "$TMP/out"; then ok "sim --help lists sgp"
else not_ok "sim --help lists sgp" "rc=$rc"; fi
