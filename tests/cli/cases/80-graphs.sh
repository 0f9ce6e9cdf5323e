# Sourced by run_cli_tests.sh: users' graphs (docs/definitions.md §17). Edge lists and Matrix Market
# adjacency files through file:PATH, the graph weight schemes (metropolis, uniform, max-degree,
# best-constant, lazy) on them, topo --format edges|dot, and the bad-input table of the reader.

GR=$TMP/graphs
mkdir -p "$GR"

# ---- reading ------------------------------------------------------------------------------------
# the 5-cycle with a chord, 1-based (no id 0), comments and a blank line
printf '# my graph\n1 2\n2 3\n\n3 4   %% a comment\n4 5\n5 1\n1 3\n' >"$GR/c5.edges"
run topo "file:$GR/c5.edges"
if [ "$rc" -eq 0 ] && grep -q '^read as  *edge list, 1-based (detected: no id is 0), undirected, 6 edges, unweighted; metropolis weights on its graph$' "$TMP/out" &&
    grep -q '^n  *5$' "$TMP/out" && grep -q '^doubly stochastic   yes' "$TMP/out"; then
    ok "topo file:EDGES reads a 1-based edge list, reports the numbering it detected, Metropolis by default"
else not_ok "topo file:EDGES reads a 1-based edge list and reports its numbering" "rc=$rc" "$(head -5 "$TMP/out")" "$(stderr_tail)"; fi

run topo "file:$GR/c5.edges" --format json
if [ "$rc" -eq 0 ] && grep -q '"source":"edge list, 1-based (detected: no id is 0)' "$TMP/out"; then
    ok "topo --format json gives the file's reading as \"source\""
else not_ok "topo --format json gives the file's reading as source" "rc=$rc" "$(head -c 300 "$TMP/out")"; fi

# every scheme gives a symmetric doubly stochastic W on the graph; max-degree's edges are 1/d_max = 1/3
for w in metropolis uniform max-degree best-constant lazy; do
    run topo "file:$GR/c5.edges" --weights $w --format json
    if [ "$rc" -eq 0 ] && grep -q '"doubly_stochastic":true' "$TMP/out" && grep -q '"symmetric":true' "$TMP/out"; then
        ok "topo file:EDGES --weights $w: symmetric, doubly stochastic"
    else not_ok "topo file:EDGES --weights $w" "rc=$rc" "$(head -c 300 "$TMP/out")" "$(stderr_tail)"; fi
done
run topo "file:$GR/c5.edges" --weights max-degree --format edges
if [ "$rc" -eq 0 ] && [ "$(grep -vc '^#' "$TMP/out")" -eq 6 ] && ! grep -v '^#' "$TMP/out" | grep -qv ' 0.33333333333333331$'; then
    ok "--weights max-degree puts 1/d_max on every edge"
else not_ok "--weights max-degree puts 1/d_max on every edge" "rc=$rc" "$(cat "$TMP/out")"; fi

# a 0/1 adjacency in Matrix Market pattern and integer files: the same W as the edge list
printf '%%%%MatrixMarket matrix coordinate pattern symmetric\n5 5 6\n2 1\n3 2\n4 3\n5 4\n5 1\n3 1\n' >"$GR/c5p.mtx"
printf '%%%%MatrixMarket matrix coordinate integer general\n5 5 13\n1 2 1\n2 1 1\n2 3 1\n3 2 1\n3 4 1\n4 3 1\n4 5 1\n5 4 1\n5 1 1\n1 5 1\n1 3 1\n3 1 1\n2 5 0\n' >"$GR/c5i.mtx"
run topo "file:$GR/c5.edges" --format mtx -o "$GR/ref.mtx"
for f in c5p c5i; do
    run topo "file:$GR/$f.mtx" --format mtx
    if [ "$rc" -eq 0 ] && diff <(grep -v '^%' "$GR/ref.mtx") <(grep -v '^%' "$TMP/out") >/dev/null; then
        ok "file:$f.mtx (Matrix Market ${f#c5}: adjacency) gives the edge list's W bit for bit"
    else not_ok "file:$f.mtx gives the edge list's W" "rc=$rc" "$(stderr_tail)"; fi
done

# ---- round trips: topo --format edges of a family, read back, gives the same W --------------------
for spec in "ring -n 9" "grid -n 12" "er -n 10 --seed 3" "torus -n 16 --weights best-constant" \
    "star -n 6 --weights max-degree" "hypercube -n 8 --weights uniform" "equistatic -n 10" "exp -n 9"; do
    read -r -a a <<<"$spec"
    run topo "${a[@]}" --format mtx -o "$GR/want.mtx"
    run topo "${a[@]}" --format edges -o "$GR/rt.edges"
    dir=()
    grep -q '^# n=[0-9]*, 0-based, directed' "$GR/rt.edges" && dir=(--directed)
    run topo "file:$GR/rt.edges" --index-base 0 "${dir[@]}" --format mtx
    if [ "$rc" -eq 0 ] && diff <(grep -v '^%' "$GR/want.mtx") <(grep -v '^%' "$TMP/out") >/dev/null; then
        ok "round trip: topo $spec --format edges read back as file: gives the same W${dir:+ (directed)}"
    else
        # fixed-weight families may set their diagonal otherwise than 1 - (the rest of the row): both
        # are within the rounding of a sum of <= 5 entries (rows here hold <= 5), 5 eps/2 on each
        # side, 1.2e-15 in all
        d=$(paste <(grep -v '^%' "$GR/want.mtx") <(grep -v '^%' "$TMP/out") | awk '
            NR == 1 { if ($1 != $4 || $2 != $5 || $3 != $6) bad = 1; next }
            $1 != $4 || $2 != $5 { bad = 1 } { e = $3 - $6; if (e < 0) e = -e; if (e > m) m = e }
            END { if (bad) print "pattern"; else print m }')
        if [ "$rc" -eq 0 ] && [ "$d" != pattern ] && awk -v d="$d" 'BEGIN { exit !(d <= 1.2e-15) }'; then
            ok "round trip: topo $spec --format edges read back as file: gives W to $d (its diagonal recomputed)"
        else not_ok "round trip: topo $spec --format edges read back" "rc=$rc diff=$d" "$(stderr_tail)"; fi
    fi
done

# dot for Graphviz: graph / digraph, one line per edge, labels on request
run topo ring -n 5 --format dot
if [ "$rc" -eq 0 ] && grep -q '^graph W {$' "$TMP/out" && [ "$(grep -c ' -- ' "$TMP/out")" -eq 5 ] && ! grep -q label "$TMP/out"; then
    ok "topo ring --format dot: an undirected graph, 5 edges, no labels"
else not_ok "topo ring --format dot" "rc=$rc" "$(cat "$TMP/out")"; fi
run topo exp -n 8 --format dot --labels
if [ "$rc" -eq 0 ] && grep -q '^digraph W {$' "$TMP/out" && grep -q '^  1 -> 0 \[label="0.25"\];$' "$TMP/out"; then
    ok "topo exp --format dot --labels: a digraph, 1 -> 0 (node 0 receives from 1), weights as labels"
else not_ok "topo exp --format dot --labels" "rc=$rc" "$(head -15 "$TMP/out")"; fi
if command -v dot >/dev/null 2>&1; then
    if dot -Tsvg "$TMP/out" -o "$GR/g.svg" 2>/dev/null && [ -s "$GR/g.svg" ]; then ok "Graphviz dot reads topo --format dot"
    else not_ok "Graphviz dot reads topo --format dot"; fi
else skip "Graphviz dot reads topo --format dot" "Graphviz is not installed"; fi

# a weighted edge list keeps its weights; --weights replaces them; directed lists by flag
printf '0 1 0.5\n1 2 0.5\n2 0 0.5\n' >"$GR/w.edges"
run topo "file:$GR/w.edges" --format edges
if [ "$rc" -eq 0 ] && grep -q '^0 1 0.5$' "$TMP/out" && grep -q 'its own weights' <("$TOPOMIX" topo "file:$GR/w.edges"); then
    ok "a weighted edge list keeps its weights"
else not_ok "a weighted edge list keeps its weights" "rc=$rc" "$(cat "$TMP/out")"; fi
run topo "file:$GR/w.edges" --weights metropolis --format edges
if [ "$rc" -eq 0 ] && grep -q '^0 1 0.33333333333333331$' "$TMP/out"; then ok "--weights metropolis replaces a file's weights"
else not_ok "--weights metropolis replaces a file's weights" "rc=$rc" "$(cat "$TMP/out")"; fi
run topo "file:$GR/w.edges" --directed --format json
if [ "$rc" -eq 0 ] && grep -q '"directed":true' "$TMP/out" && grep -q '"row_stochastic":true' "$TMP/out"; then
    ok "--directed: a weighted directed cycle, rows summing to 1"
else not_ok "--directed: a weighted directed cycle" "rc=$rc" "$(head -c 300 "$TMP/out")" "$(stderr_tail)"; fi

# ---- the bad-input table --------------------------------------------------------------------------
printf '0 1\n1 1\n' >"$GR/loop.edges"
printf '0 1\n1 2\n2 1\n' >"$GR/dup.edges"
printf '1 2\n2 0\n' >"$GR/zero1.edges"
printf '0 1\n1 -2\n' >"$GR/neg.edges"
printf '0 1\n1 2.5\n' >"$GR/frac.edges"
printf '0 1 0.5\n1 2 heavy\n' >"$GR/wnan.edges"
printf '0 1 0.5\n1 2\n' >"$GR/cols.edges"
printf '0 1\n2 3\n' >"$GR/split.edges"
printf '0 1\n1 99\n' >"$GR/far.edges"
: >"$GR/empty.edges"
printf '# only a comment\n' >"$GR/nothing.edges"
printf '%%%%MatrixMarket matrix coordinate pattern symmetric\n1 1 0\n' >"$GR/one.mtx"
printf '%%%%MatrixMarket matrix coordinate integer symmetric\n3 3 2\n2 1 2\n3 2 1\n' >"$GR/int2.mtx"
printf '%%%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n' >"$GR/oneway.mtx"
bad "edge list: self loop" 'loop\.edges: edge list \(no %%MatrixMarket banner on line 1\): line 2: self loop 1 1' topo "file:$GR/loop.edges"
bad "edge list: duplicate edge" 'dup\.edges: .*line 3: edge 2 1 repeats line 2' topo "file:$GR/dup.edges"
bad "edge list: id 0 with --index-base 1" 'zero1\.edges: .*line 2: node id 0 in a list numbered from 1' topo "file:$GR/zero1.edges" --index-base 1
bad "edge list: negative id" 'neg\.edges: .*line 2: node id -2 is negative' topo "file:$GR/neg.edges"
bad "edge list: non-integer id" "frac\.edges: .*line 2: node id '2\.5' is not an integer" topo "file:$GR/frac.edges"
bad "edge list: weight not a number" "wnan\.edges: .*line 2: weight 'heavy' is not a number" topo "file:$GR/wnan.edges"
bad "edge list: inconsistent columns" 'cols\.edges: .*line 2 has 2 columns, line 1 3' topo "file:$GR/cols.edges"
bad "edge list: out-of-range id (nodes without edges)" 'far\.edges: .*node ids run to 99.*some nodes have no edge' topo "file:$GR/far.edges"
bad "edge list: empty file" 'empty\.edges: empty file' topo "file:$GR/empty.edges"
bad "edge list: comments only" 'nothing\.edges: .*no edges' topo "file:$GR/nothing.edges"
bad "disconnected graph" 'file .*split\.edges: the graph is disconnected \(2 components\)' topo "file:$GR/split.edges"
bad "n = 1 graph" 'file .*one\.mtx: a graph needs at least 2 nodes' topo "file:$GR/one.mtx"
bad "integer adjacency with a 2" 'int2\.mtx: matrix market: entry \(2, 1\) = 2: an integer file is read as a 0/1 adjacency' topo "file:$GR/int2.mtx"
bad "one-way pattern file" 'oneway\.mtx: .*entry \(1, 2\) has no \(2, 1\)' topo "file:$GR/oneway.mtx"
bad "--index-base with a Matrix Market file" 'c5p\.mtx: --index-base applies to edge lists' topo "file:$GR/c5p.mtx" --index-base 1
bad "--directed with a Matrix Market file" 'c5p\.mtx: --directed applies to edge lists' topo "file:$GR/c5p.mtx" --directed
bad "--index-base with a family" 'index-base does not apply to topology ring' topo ring -n 5 --index-base 0
bad "--index-base 2" "--index-base must be 0 or 1, got '2'" topo "file:$GR/c5.edges" --index-base 2
bad "--directed unweighted with metropolis" 'directed graph takes --weights push' topo "file:$GR/c5.edges" --directed
bad "--weights max-degree on exp" "weights 'max-degree' do not apply to exp" topo exp -n 8 --weights max-degree
bad "--weights best-constant on a weighted one-way matrix" "weights 'best-constant' need an undirected graph" \
    topo "file:$TMP/matrices/rowstoch.mtx" --weights best-constant
bad "--labels without --format dot" '--labels applies to --format dot' topo ring -n 4 --labels
bad "--format graphml" "unknown --format 'graphml' \(text, json, mtx, edges, dot\)" topo ring -n 4 --format graphml
bad "best-constant beyond the dense limit" 'best-constant weights on star at n=5000.*n <= 4096' topo star -n 5000 --weights best-constant
