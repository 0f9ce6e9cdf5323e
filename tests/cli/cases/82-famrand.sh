# Sourced by run_cli_tests.sh: the peers' random families (random-regular, small-world, random-ring)
# and the corrected EquiTopo definitions (equistatic's M from --equi-eps, equidyn --undirected), as
# defined in docs/definitions.md §19 and §2.

# ---- what they build ---------------------------------------------------------------------------
run topo random-regular -n 12 --degree 5 --format json
if [ "$rc" -eq 0 ] && grep -q '"min_in_degree":5,"max_in_degree":5' "$TMP/out" && grep -q '"degree":5' "$TMP/out" &&
    grep -q '"connected":true' "$TMP/out" && grep -q '"symmetric":true' "$TMP/out"; then
    ok "topo random-regular -n 12 --degree 5: 5-regular, symmetric, connected"
else not_ok "topo random-regular -n 12 --degree 5" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

run topo small-world -n 20 --k 4 --p 0.2 --format json
# n·K = 80 stored off-diagonal entries plus the diagonal
if [ "$rc" -eq 0 ] && grep -q '"nnz":100,' "$TMP/out" && grep -q '"k":4,"p":0.2' "$TMP/out" && grep -q '"connected":true' "$TMP/out"; then
    ok "topo small-world -n 20 --k 4 --p 0.2: n*K edges kept, connected"
else not_ok "topo small-world -n 20 --k 4 --p 0.2" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

run topo random-ring -n 9 --step 7 --format json
if [ "$rc" -eq 0 ] && grep -q '"nnz":27,"min_in_degree":2,"max_in_degree":2' "$TMP/out" && grep -q '"connected":true' "$TMP/out" &&
    grep -q '"min_entry":0.33333333333333331' "$TMP/out"; then
    ok "topo random-ring -n 9 --step 7: a connected 2-regular step, 1/3 weights"
else not_ok "topo random-ring -n 9 --step 7" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

run topo equistatic -n 8 --M 20 --format json
if [ "$rc" -eq 0 ] && grep -q '"M":20,' "$TMP/out" && grep -q '"doubly_stochastic":true' "$TMP/out"; then
    ok "topo equistatic -n 8 --M 20: more shifts than nodes accepted (drawn with replacement)"
else not_ok "topo equistatic -n 8 --M 20" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

# M = floor(8 ln(2n/p) / (3 eps^2)): n = 16, eps = 0.5, p = 0.1 (default) gives 61
run topo equistatic -n 16 --equi-eps 0.5 --format json
if [ "$rc" -eq 0 ] && grep -q '"M":61,"equi_eps":0.5,"fail_prob":0.10000000000000001' "$TMP/out"; then
    ok "topo equistatic -n 16 --equi-eps 0.5: M = 61 with the default fail-prob 0.1"
else not_ok "topo equistatic -n 16 --equi-eps 0.5" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

run gap equidyn -n 16 --undirected --format json
if [ "$rc" -eq 0 ] && grep -q '"p_exact":true' "$TMP/out" && grep -q '"messages_per_step":1,"messages_exact":true' "$TMP/out"; then
    ok "gap equidyn --undirected: exact expected rate (every shift and start), one peer a step"
else not_ok "gap equidyn --undirected" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi

# ---- bad input: one line, exit 2 ---------------------------------------------------------------
bad "random-regular n*D odd" 'even' topo random-regular -n 9 --degree 3
bad "random-regular D >= n" 'degree < n' topo random-regular -n 8 --degree 8
bad "random-regular D = 1 at n > 2" 'matching' topo random-regular -n 8 --degree 1
bad "random-regular --degree 0" 'degree' topo random-regular -n 8 --degree 0
bad "random-regular --degree x" 'degree' topo random-regular -n 8 --degree x
bad "--degree on another family" 'does not apply' topo ring -n 8 --degree 2
bad "small-world odd K" 'even' topo small-world -n 10 --k 3
bad "small-world K >= n" 'K < n' topo small-world -n 10 --k 10
bad "small-world n < 3" 'n >= 3' topo small-world -n 2
bad "small-world --p 0" 'p' topo small-world -n 10 --p 0
bad "small-world --p 1.5" 'p' topo small-world -n 10 --p 1.5
bad "random-ring --k" 'does not apply' topo random-ring -n 8 --k 2
bad "equistatic --M with --equi-eps" 'not both' topo equistatic -n 16 --M 4 --equi-eps 0.5
bad "equistatic --fail-prob without --equi-eps" 'equi-eps' topo equistatic -n 16 --fail-prob 0.1
bad "equistatic --equi-eps 1" 'equi-eps' topo equistatic -n 16 --equi-eps 1
bad "equistatic --equi-eps too small" 'limit' topo equistatic -n 16 --equi-eps 1e-6
bad "--equi-eps on another family" 'does not apply' topo equidyn -n 16 --equi-eps 0.5
