# Sourced by run_cli_tests.sh: the peers' deterministic families (docs/definitions.md §18) and
# bipartite-exp's SGP schedule (§2): listed with their parameters, built, their rates where a closed
# form or a hand-worked value exists, and the sizes and options they refuse.

# ---- the registry ------------------------------------------------------------------------------
run topo --list
missing=
for name in sym-exp npeer-exp ring-antipodal two-cliques binary-tree margulis cycle-plus-inverse; do
    grep -qE "^$name( |\$)" "$TMP/out" || missing="$missing $name"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ] && grep -qE '^exp .*--base' "$TMP/out" && grep -qE '^sym-exp .*--base' "$TMP/out" &&
    grep -qE '^npeer-exp .*--peers' "$TMP/out" && grep -qE '^margulis .*square' "$TMP/out" &&
    grep -qE '^cycle-plus-inverse .*prime' "$TMP/out"; then
    ok "topo --list names the peers' families with their parameters and sizes"
else not_ok "topo --list names the peers' families" "rc=$rc" "missing:$missing" "$(grep -E '^(exp|sym-exp|npeer-exp|margulis|cycle) ' "$TMP/out")"; fi

# ---- exp --base: BlueFog's ExponentialGraph with exact powers ----------------------------------
# n = 244, base 3: offsets 1, 3, 9, 27, 81, 243 (BlueFog's float logarithm misses 243), 1/7 each
run topo exp -n 244 --base 3 --format mtx
if [ "$rc" -eq 0 ] && grep -qE '^1 244 0\.14285714285714285$' "$TMP/out" &&
    [ "$(awk '!/^%/ && NF == 3 && $1 == 1' "$TMP/out" | wc -l)" -eq 7 ]; then
    ok "topo exp -n 244 --base 3: node 0 links to 243 = 3^5, 7 entries of 1/7"
else not_ok "topo exp -n 244 --base 3: the hop 3^5" "rc=$rc" "$(grep -E '^1 ' "$TMP/out" | head -8)"; fi
run topo exp -n 1001 --base 10 --format mtx
if [ "$rc" -eq 0 ] && grep -qE '^1 1001 0\.20*1?$' "$TMP/out"; then
    ok "topo exp -n 1001 --base 10: node 0 links to 1000 = 10^3 with weight 1/5"
else not_ok "topo exp -n 1001 --base 10: the hop 10^3" "rc=$rc" "$(grep -E '^1 ' "$TMP/out" | head -6)"; fi
run topo exp -n 16 --format json
if [ "$rc" -eq 0 ] && grep -q '"base":2' "$TMP/out" && grep -q '"nnz":80' "$TMP/out"; then
    ok "topo exp -n 16: base 2 by default, the former exp (5 entries a row)"
else not_ok "topo exp -n 16: base 2 by default" "rc=$rc" "$(head -c 300 "$TMP/out")"; fi

# ---- bipartite-exp: SGP's sequence, period 8 and rate 0.771 at n = 16 --------------------------
run gap bipartite-exp -n 16 --method dense
if [ "$rc" -eq 0 ] && grep -qE '^period +8$' "$TMP/out" && grep -qE '^step rate +0\.771' "$TMP/out"; then
    ok "gap bipartite-exp -n 16: period 8, step rate 0.771 (SGP's +o/-o schedule)"
else not_ok "gap bipartite-exp -n 16: period 8, rate 0.771" "rc=$rc" "$(grep -E 'period|rate' "$TMP/out")"; fi
# step 1 pairs each odd i with i - 1 (offset 15): W[1][0] = 1/2, W[1][2] = 0
run topo bipartite-exp -n 16 --step 1 --format mtx
if [ "$rc" -eq 0 ] && grep -qE '^2 1 0\.5$' "$TMP/out" && ! grep -qE '^2 3 ' "$TMP/out"; then
    ok "topo bipartite-exp -n 16 --step 1: node 1 pairs with node 0 (offset -1)"
else not_ok "topo bipartite-exp -n 16 --step 1: offset -1" "rc=$rc" "$(grep -E '^2 ' "$TMP/out")"; fi

# ---- closed forms ------------------------------------------------------------------------------
# two cliques of m = 8: slem = (m + sqrt(m^2 + 4m - 4)) / (2(m + 1))
run gap two-cliques -n 16 --format json
if [ "$rc" -eq 0 ] && slem=$(sed -E 's/.*"slem":([0-9.e+-]+).*/\1/' "$TMP/out") &&
    awk -v s="$slem" 'BEGIN { m = 8; w = (m + sqrt(m * m + 4 * m - 4)) / (2 * (m + 1));
                                     d = s - w; exit !(d < 1e-12 && d > -1e-12) }'; then
    ok "gap two-cliques -n 16: slem $slem = (8 + sqrt(92))/18"
else not_ok "gap two-cliques -n 16: the closed-form slem" "rc=$rc" "$(head -c 300 "$TMP/out")"; fi
# npeer-exp with n = (P + 1)^T averages exactly over one period
run gap npeer-exp -n 27 --peers 2
if [ "$rc" -eq 0 ] && grep -qE '^period +3$' "$TMP/out" && grep -q 'averages exactly' "$TMP/out"; then
    ok "gap npeer-exp -n 27 --peers 2: period 3, exact averaging"
else not_ok "gap npeer-exp -n 27 --peers 2: exact averaging" "rc=$rc" "$(cat "$TMP/out")"; fi

# ---- every new family builds a symmetric or doubly stochastic W -------------------------------
for spec in "sym-exp -n 20" "sym-exp -n 20 --base 2" "ring-antipodal -n 12" "two-cliques -n 9" "binary-tree -n 13" \
    "margulis -n 25" "cycle-plus-inverse -n 11" "npeer-exp -n 20 --peers 3 --step 2"; do
    # shellcheck disable=SC2086
    run topo $spec --format json
    # npeer-exp's step 2 (distances 16, 12, 8 mod 20) is connected only over the period
    if [ "$rc" -eq 0 ] && grep -q '"doubly_stochastic":true' "$TMP/out" &&
        if [ "${spec%% *}" = npeer-exp ]; then grep -q '"period_connected":true' "$TMP/out"
        else grep -q '"connected":true' "$TMP/out" && grep -q '"symmetric":true' "$TMP/out"; fi; then
        ok "topo $spec: doubly stochastic, connected (over the period for npeer-exp), symmetric unless directed"
    else not_ok "topo $spec" "rc=$rc" "$(head -c 300 "$TMP/out")" "$(stderr_tail)"; fi
done
# pcode's ExpanderGraph at p = 11: 3 * 4 = 12 = 1 (mod 11), the chord doubles the link 3 - 4
run topo cycle-plus-inverse -n 11 --format mtx
if [ "$rc" -eq 0 ] && grep -qE '^4 5 0\.6666666666666666[0-9]*$' "$TMP/out"; then
    ok "topo cycle-plus-inverse -n 11: w_34 = 2/3 (chord and cycle edge)"
else not_ok "topo cycle-plus-inverse -n 11: w_34 = 2/3" "rc=$rc" "$(grep -E '^4 ' "$TMP/out")"; fi

# ---- refused sizes and options -----------------------------------------------------------------
bad "cycle-plus-inverse -n 15 (not prime)" 'cycle-plus-inverse.*prime.*15' topo cycle-plus-inverse -n 15
bad "cycle-plus-inverse -n 1" 'prime' topo cycle-plus-inverse -n 1
bad "margulis -n 15 (not a square)" 'margulis.*square.*15' topo margulis -n 15
bad "ring-antipodal -n 7" 'ring-antipodal.*even' topo ring-antipodal -n 7
bad "ring-antipodal -n 2" 'ring-antipodal.*even n >= 4' topo ring-antipodal -n 2
bad "two-cliques -n 1" 'two-cliques.*n >= 2' topo two-cliques -n 1
bad "exp --base 1" 'base' topo exp -n 8 --base 1
bad "sym-exp --base 0" 'base' topo sym-exp -n 8 --base 0
bad "exp --base x" 'base' topo exp -n 8 --base x
bad "npeer-exp --peers 0" 'peers' topo npeer-exp -n 8 --peers 0
bad "npeer-exp --peers 8 at n = 8" 'npeer-exp.*peers' topo npeer-exp -n 8 --peers 8
bad "--base on ring" 'base does not apply to topology ring' topo ring -n 8 --base 3
bad "--peers on exp" 'peers does not apply to topology exp' topo exp -n 8 --peers 2
bad "--base on npeer-exp" 'base does not apply to topology npeer-exp' gap npeer-exp -n 8 --base 2
bad "metropolis on margulis (fixed weights)" 'margulis' topo margulis -n 16 --weights metropolis
bad "gap --check on exp --base 3 (the closed form is base 2's)" 'no closed form for exp' gap exp -n 16 --base 3 --check
