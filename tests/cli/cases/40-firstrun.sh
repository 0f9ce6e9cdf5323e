# Sourced by run_cli_tests.sh: what a first run shows works. Option ranges refused with one line,
# data info's label counts (text and JSON), the README's label-skew example, the MLP learning with
# its default initialisation, and sim --help describing --topology, --seed and --init.

FR=$TMP/firstrun
mkdir -p "$FR"
S4=(sim --topology ring -n 4 --problem logreg-nc --dim 5 --samples 20 --iters 3 --quiet)

# ---- ranges ------------------------------------------------------------------------------------
bad "sim --qg-mu 1 (outside [0, 1))" 'qg-mu.*\[0, 1\)' "${S4[@]}" --algo qgdmsgd --qg-mu 1
bad "sim --qg-mu 1.5" 'qg-mu.*\[0, 1\)' "${S4[@]}" --algo qgdmsgd --qg-mu 1.5
bad "sim --qg-mu -0.1" 'qg-mu.*\[0, 1\)' "${S4[@]}" --algo qgdmsgd --qg-mu -0.1
bad "sim --qg-mu nan" 'qg-mu' "${S4[@]}" --algo qgdmsgd --qg-mu nan
bad "sim --momentum -0.1" 'momentum.*\[0, 1\)' "${S4[@]}" --algo dmsgd --momentum -0.1
bad "sim --alpha 0 (easgd)" 'alpha.*> 0' "${S4[@]}" --algo easgd --alpha 0
bad "sim --alpha 0.5 with 4 agents (easgd needs alpha < 2/(n+1))" 'alpha.*2/\(n\+1\)' "${S4[@]}" --algo easgd --alpha 0.5
bad "sim --lr-decay-factor 2 (a decay above 1)" 'lr-decay-factor.*\(0, 1\]' "${S4[@]}" --lr-decay 0.5 --lr-decay-factor 2
bad "sim --lr-decay-factor 0" 'lr-decay-factor' "${S4[@]}" --lr-decay-factor 0
bad "sim --init -1" 'init.*>= 0' "${S4[@]}" --init -1
bad "sim --control-phases without --consensus-target" 'control-phases.*consensus-target' "${S4[@]}" --control-phases 0
bad "sim --control-phases 2 with one decay (phases 0..1)" 'control-phases.*0\.\.1' "${S4[@]}" \
    --consensus-target const:0.5 --lr-decay 0.5 --control-phases 2
bad "sim --hetero -1" 'hetero' "${S4[@]}" --hetero -1
bad "sim --noise -1" 'noise' "${S4[@]}" --noise -1
for i in 1 2 3 4 5 6 7 8 9 10; do echo "$((i % 2 * 2 - 1)) 1:$i"; done >"$FR/ten.svm"
bad "sim label-skew with more agents than samples" '11 shards for 10 samples' sim --topology ring -n 11 \
    --problem logreg-nc --data "$FR/ten.svm" --partition label-skew:0.5 --iters 1 --quiet
bad "data info --format xml" 'format.*xml' data info "$FR/x.svm" --format xml
bad "data gen --format json (info only)" 'format' data gen -o "$FR/y.svm" --format json

# the edges of the ranges are accepted
run "${S4[@]}" --algo qgdmsgd --qg-mu 0
if [ "$rc" -eq 0 ]; then ok "sim --qg-mu 0 is accepted"; else not_ok "sim --qg-mu 0 is accepted" "rc=$rc" "$(stderr_tail)"; fi
run "${S4[@]}" --algo easgd --alpha 0.39
if [ "$rc" -eq 0 ]; then ok "sim easgd --alpha 0.39 < 2/5 is accepted"; else not_ok "sim easgd --alpha 0.39 < 2/5 is accepted" "rc=$rc" "$(stderr_tail)"; fi
run "${S4[@]}" --lr-decay 0.5 --lr-decay-factor 1
if [ "$rc" -eq 0 ]; then ok "sim --lr-decay-factor 1 is accepted"; else not_ok "sim --lr-decay-factor 1 is accepted" "rc=$rc" "$(stderr_tail)"; fi

# ---- data info: label counts, text and JSON ---------------------------------------------------
printf '1 1:1\n-1 2:1\n1 1:2\n3 3:1\n0 1:1\n' >"$FR/labels.svm"
run data info "$FR/labels.svm"
# binary reading: 0 and -1 -> -1 (2 samples), 1 and 3 -> +1 (3 samples)
if [ "$rc" -eq 0 ] && grep -qE '^samples +5$' "$TMP/out" && grep -qE '^-1 +2$' "$TMP/out" && grep -qE '^1 +3$' "$TMP/out"; then
    ok "data info prints the label counts (-1: 2, 1: 3)"
else not_ok "data info prints the label counts (-1: 2, 1: 3)" "rc=$rc" "$(head -c 400 "$TMP/out")" "$(stderr_tail)"; fi
if [ -n "$PY" ]; then
    run data info "$FR/labels.svm" --format json --problem mlp
    if [ "$rc" -eq 0 ] && "$PY" - "$TMP/out" "$FR/labels.svm" <<'EOF' >"$TMP/py" 2>&1; then
import json, sys
text = open(sys.argv[1]).read()
assert text.count("\n") == 1, "one line"
o = json.loads(text)
assert o["file"] == sys.argv[2], o["file"]
assert (o["samples"], o["features"], o["classes"]) == (5, 3, 4), o
# classes: -1 -> 0, 0 -> 1, 1 -> 2, 3 -> 3
assert o["label_counts"] == {"0": 1, "1": 1, "2": 2, "3": 1}, o["label_counts"]
assert sum(o["label_counts"].values()) == o["samples"]
EOF
        ok "data info --format json: one object with file, samples, features, classes, label_counts"
    else not_ok "data info --format json: one object with file, samples, features, classes, label_counts" "rc=$rc" \
        "$(head -c 400 "$TMP/out")" "$(cat "$TMP/py" 2>/dev/null)"; fi
else
    skip "data info --format json parses" "python3 not found"
fi

# ---- the README's label-skew example: no empty shard, the loss goes down -----------------------
HEART=/usr/share/doc/liblinear-tools/examples/heart_scale
if [ -r "$HEART" ]; then
    run sim --topology ring -n 10 --algo gt --problem logreg-nc --data "$HEART" --partition label-skew:0.5 \
        --batch full --iters 300 --lr 0.5 --quiet
    first=$(grep -v '^#' "$TMP/out" | sed -n 2p | cut -d, -f2)
    last=$(tail -n 1 "$TMP/out" | cut -d, -f2)
    if [ "$rc" -eq 0 ] && awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.5 * a) }'; then
        ok "README label-skew:0.5 example on heart_scale runs (loss $first -> $last)"
    else not_ok "README label-skew:0.5 example on heart_scale runs" "rc=$rc, loss $first -> $last" "$(stderr_tail)"; fi
    # every seed fills all ten shards (the fix: no 'empty shard' for any of them)
    empty=0
    for seed in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        run sim --topology ring -n 10 --algo dsgd --problem logreg-nc --data "$HEART" --partition label-skew:0.05 \
            --batch full --iters 1 --quiet --seed "$seed"
        [ "$rc" -eq 0 ] || empty=$((empty + 1))
    done
    if [ "$empty" -eq 0 ]; then ok "label-skew:0.05 on heart_scale over 10 agents runs for seeds 1..20"
    else not_ok "label-skew:0.05 on heart_scale over 10 agents runs for seeds 1..20" "$empty seeds failed" "$(stderr_tail)"; fi
else
    skip "README label-skew:0.5 example on heart_scale" "$HEART missing (Debian's liblinear-tools)"
fi

# ---- the MLP learns with its defaults ---------------------------------------------------------
# 3 synthetic classes, every option at its default (100 iterations, step 0.1). A constant
# prediction has loss ln 3 = 1.0986; the old all-zero start stayed there (1.097 even after 300
# iterations at step 0.5, checked below); the Glorot start reaches 0.46. Require below 0.6 ln 3.
run sim --topology ring -n 8 --problem mlp --quiet
last=$(tail -n 1 "$TMP/out" | cut -d, -f2)
if [ "$rc" -eq 0 ] && awk -v b="$last" 'BEGIN { exit !(b < 0.6 * log(3)) }'; then
    ok "sim --problem mlp with every default learns (final loss $last < 0.6 ln 3)"
else not_ok "sim --problem mlp with the default init learns" "rc=$rc, final loss '$last'" "$(stderr_tail)"; fi
run sim --topology ring -n 8 --problem mlp --iters 300 --lr 0.5 --quiet
cp "$TMP/out" "$FR/mlp1.csv"
run sim --topology ring -n 8 --problem mlp --iters 300 --lr 0.5 --quiet
if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$FR/mlp1.csv"; then ok "sim --problem mlp with the default init: same seed, same log"
else not_ok "sim --problem mlp with the default init: same seed, same log" "rc=$rc"; fi
run sim --topology ring -n 8 --problem mlp --iters 300 --lr 0.5 --quiet --init 0
last0=$(tail -n 1 "$TMP/out" | cut -d, -f2)
if [ "$rc" -eq 0 ] && awk -v b="$last0" 'BEGIN { exit !(b > 0.9) }'; then
    ok "sim --problem mlp --init 0 is still the all-zero start (final loss $last0 near ln 3)"
else not_ok "sim --problem mlp --init 0 is still the all-zero start" "rc=$rc, final loss '$last0'" "$(stderr_tail)"; fi

# ---- sim --help says what --topology, --seed and --init mean ------------------------------------
run sim --help
if [ "$rc" -eq 0 ] && grep -q -- '--topology NAME' "$TMP/out" && grep -q 'topo --list' "$TMP/out" &&
    grep -q 'file:PATH' "$TMP/out"; then ok "sim --help describes --topology (topo --list, file:PATH)"
else not_ok "sim --help describes --topology (topo --list, file:PATH)" "rc=$rc"; fi
if [ "$rc" -eq 0 ] && grep -A4 -- '--seed S' "$TMP/out" | tr '\n' ' ' | grep -q 'minibatch' &&
    grep -A4 -- '--seed S' "$TMP/out" | tr '\n' ' ' | grep -q 'initial models'; then
    ok "sim --help says what --seed seeds"
else not_ok "sim --help says what --seed seeds" "rc=$rc"; fi
if [ "$rc" -eq 0 ] && grep -A3 -- '--init S' "$TMP/out" | grep -q 'Glorot'; then ok "sim --help gives --init's default per problem"
else not_ok "sim --help gives --init's default per problem" "rc=$rc"; fi
