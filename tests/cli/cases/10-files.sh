# Sourced by run_cli_tests.sh: nothing is lost. Failing commands leave existing files as they were,
# devices are written through and never replaced, write failures exit 1 naming the file and the
# reason, checkpoints refuse what is corrupt or foreign, and interrupted or killed runs resume
# without losing or duplicating a row.

F=$TMP/files
mkdir -p "$F"

# same_file DESC PATH EXPECTED-CONTENT-FILE: PATH still holds exactly the expected bytes
unchanged() {
    if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(head -c 300 "$2")"; fi
}

# ---- a failing command never truncates or replaces its output file ----------------------------

"$TOPOMIX" topo ring -n 5 --format mtx -o "$F/W.mtx" 2>/dev/null
"$TOPOMIX" topo ring -n 5 --format mtx -o "$F/W.mtx" 2>/dev/null
cp "$F/W.mtx" "$F/W.orig"
run topo "file:$F/W.mtx" --format mtx -o "$F/W.mtx"
if [ "$rc" -eq 0 ] && diff <(grep -v '^%' "$F/W.mtx") <(grep -v '^%' "$F/W.orig") >/dev/null; then
    ok "topo file:W.mtx --format mtx -o W.mtx reads W.mtx whole before replacing it"
else not_ok "topo file:W.mtx --format mtx -o W.mtx reads W.mtx whole before replacing it" "rc=$rc" "$(head -c 300 "$F/W.mtx")"; fi

printf 'precious\n' >"$F/keep.ref"
for args in "topo hypercube -n 12" "topo file:$F/nonexistent.mtx" "gap hypercube -n 12" "gap grid -n 16 --method dft" \
            "exact ring -n 8 --all-phases" "gap --sweep hypercube,nosuch --n 4:8" "data gen -n 3 --samples 0"; do
    cp "$F/keep.ref" "$F/keep.out"
    # shellcheck disable=SC2086
    run $args -o "$F/keep.out"
    if [ "$rc" -ne 0 ] && ! crashed && cmp -s "$F/keep.out" "$F/keep.ref"; then ok "failing '$args -o FILE' leaves FILE as it was (rc=$rc)"
    else not_ok "failing '$args -o FILE' leaves FILE as it was" "rc=$rc" "$(head -c 200 "$F/keep.out")"; fi
done
if [ -z "$(find "$F" -name '.*' -type f)" ]; then ok "failed commands leave no temporary files behind"
else not_ok "failed commands leave no temporary files behind" "$(find "$F" -name '.*' -type f)"; fi

# a bad resume leaves the log alone
cp "$F/keep.ref" "$F/log.csv"
run sim --topology ring -n 4 --dim 5 --samples 20 --iters 20 --quiet --resume "$F/nonexistent.ckpt" --log "$F/log.csv"
if [ "$rc" -eq 2 ] && cmp -s "$F/log.csv" "$F/keep.ref"; then ok "sim: a failed --resume leaves the --log file as it was"
else not_ok "sim: a failed --resume leaves the --log file as it was" "rc=$rc"; fi

# a successful replacement keeps the file's permissions, and a symbolic link stays a link
printf 'old\n' >"$F/perm.csv"
chmod 640 "$F/perm.csv"
run topo ring -n 4 --format json -o "$F/perm.csv"
if [ "$rc" -eq 0 ] && [ "$(stat -c %a "$F/perm.csv")" = 640 ] && grep -q '"n":4' "$F/perm.csv"; then
    ok "-o over an existing file replaces its content and keeps its mode (640)"
else not_ok "-o over an existing file replaces its content and keeps its mode (640)" "rc=$rc mode=$(stat -c %a "$F/perm.csv")"; fi
printf 'old\n' >"$F/real.json"
ln -sf real.json "$F/link.json"
run topo ring -n 4 --format json -o "$F/link.json"
if [ "$rc" -eq 0 ] && [ -L "$F/link.json" ] && grep -q '"n":4' "$F/real.json"; then
    ok "-o through a symbolic link writes its target and keeps the link"
else not_ok "-o through a symbolic link writes its target and keeps the link" "rc=$rc"; fi

# ---- devices, directories, unwritable places ----------------------------------------------------

run topo ring -n 4 --format json -o /dev/null
if [ "$rc" -eq 0 ] && [ -c /dev/null ]; then ok "-o /dev/null is written through and stays a device"
else not_ok "-o /dev/null is written through and stays a device" "rc=$rc"; fi

if [ -c /dev/full ]; then
    fail_case "topo -o /dev/full exits 1 naming the file and the reason" 1 '/dev/full.*no space' topo ring -n 4 --format json -o /dev/full
    run sim --topology ring -n 4 --dim 5 --samples 20 --iters 20 --quiet --checkpoint /dev/full --checkpoint-every 5
    if [ "$rc" -eq 1 ] && [ -c /dev/full ] && grep -qi '/dev/full.*no space' "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
        ok "sim --checkpoint /dev/full exits 1 naming it, and /dev/full stays a device"
    else not_ok "sim --checkpoint /dev/full exits 1 naming it, and /dev/full stays a device" "rc=$rc" "$(stderr_tail)"; fi
    # the failure is noticed at the first row, not after a long run
    LIMIT=30 run sim --topology ring -n 4 --dim 5 --samples 20 --iters 100000000 --quiet --log /dev/full
    if [ "$rc" -eq 1 ] && grep -qi 'writing /dev/full.*no space' "$TMP/err"; then
        ok "sim --log /dev/full stops at the first row with exit 1, not at the end of a long run"
    else not_ok "sim --log /dev/full stops at the first row with exit 1, not at the end of a long run" "rc=$rc" "$(stderr_tail)"; fi
else
    skip "topo -o /dev/full exits 1" "no /dev/full"
fi

bad "-o a directory" 'is a directory' topo ring -n 4 -o "$F"
bad "sim --checkpoint a directory" 'is a directory' sim --topology ring -n 4 --dim 5 --samples 20 --iters 5 --quiet --checkpoint "$F"
bad "sim --resume a directory" 'is a directory' sim --topology ring -n 4 --dim 5 --samples 20 --iters 5 --quiet --resume "$F"
fail_case "-o in a missing directory exits 1 naming it" 1 'nonexistent/out\.json.*no such file' topo ring -n 4 --format json -o "$F/nonexistent/out.json"
fail_case "sim --checkpoint in a missing directory is refused before the run" 1 'nonexistent/ck.*no such file' \
    sim --topology ring -n 4 --dim 5 --samples 20 --iters 5 --quiet --checkpoint "$F/nonexistent/ck"
bad "sim --log X --checkpoint X" 'same file' sim --topology ring -n 4 --dim 5 --samples 20 --iters 5 --quiet --log "$F/x" --checkpoint "$F/x"
bad "sim --log X --resume X" 'same file' sim --topology ring -n 4 --dim 5 --samples 20 --iters 5 --quiet --log "$F/keep.ref" --resume "$F/keep.ref"

# a full disk: a small tmpfs, where this machine lets the test mount one
SMALL=$F/small
mkdir -p "$SMALL"
if mount -t tmpfs -o size=64k tmpfs "$SMALL" 2>/dev/null; then
    printf 'precious\n' >"$SMALL/run.csv"
    LIMIT=60 run sim --topology ring -n 4 --dim 5 --samples 20 --iters 100000 --log-every 1 --quiet --log "$SMALL/run.csv"
    if [ "$rc" -eq 1 ] && grep -qi 'run\.csv.*no space left' "$TMP/err" && [ "$(cat "$SMALL/run.csv")" = precious ]; then
        ok "full disk: sim --log exits 1 naming the file; the old log is kept"
    else not_ok "full disk: sim --log exits 1 naming the file; the old log is kept" "rc=$rc" "$(stderr_tail)"; fi
    head -c 60000 /dev/zero >"$SMALL/fill"
    run sim --topology ring -n 4 --dim 2000 --samples 20 --iters 10 --quiet --checkpoint "$SMALL/ck" --checkpoint-every 5
    if [ "$rc" -eq 1 ] && grep -qi 'ck.*no space left' "$TMP/err" && [ ! -e "$SMALL/ck" ]; then
        ok "full disk: a checkpoint that does not fit exits 1 naming it, and leaves no partial file"
    else not_ok "full disk: a checkpoint that does not fit exits 1 naming it, and leaves no partial file" "rc=$rc" "$(stderr_tail)"; fi
    umount "$SMALL"
else
    skip "full disk: sim --log exits 1 naming the file" "cannot mount a tmpfs here"
    skip "full disk: a checkpoint that does not fit exits 1" "cannot mount a tmpfs here"
fi

# ---- checkpoints: corrupt, truncated, foreign ----------------------------------------------------

CK=(sim --topology ring -n 4 --algo dmsgd --dim 50 --samples 20 --batch 4 --lr 0.3 --quiet)
"$TOPOMIX" "${CK[@]}" --iters 20 --checkpoint "$F/ck" --checkpoint-every 10 --log "$F/ck.csv" 2>/dev/null
size=$(stat -c %s "$F/ck" 2>/dev/null || echo 0)
if [ "$size" -gt 1000 ]; then
    ok "sim writes a checkpoint ($size bytes)"
    cp "$F/ck" "$F/flip"
    printf '\x55' | dd of="$F/flip" bs=1 seek=$((size - 200)) conv=notrunc 2>/dev/null
    cmp -s "$F/ck" "$F/flip" || printf '\xaa' | dd of="$F/flip" bs=1 seek=$((size - 200)) conv=notrunc 2>/dev/null
    bad "checkpoint with one byte changed (CRC)" 'corrupt.*crc' "${CK[@]}" --iters 20 --resume "$F/flip"
    head -c $((size - 100)) "$F/ck" >"$F/short"
    bad "truncated checkpoint" 'truncated' "${CK[@]}" --iters 20 --resume "$F/short"
    cat "$F/ck" "$F/ck" >"$F/long"
    bad "checkpoint with trailing data" '(trailing|longer)' "${CK[@]}" --iters 20 --resume "$F/long"
    bad "a text file as checkpoint" 'not a topomix checkpoint' "${CK[@]}" --iters 20 --resume "$F/keep.ref"
    bad "foreign checkpoint: another --lr" 'lr=0\.3.*lr=0\.5' sim --topology ring -n 4 --algo dmsgd --dim 50 --samples 20 \
        --batch 4 --lr 0.5 --quiet --iters 20 --resume "$F/ck"
    bad "foreign checkpoint: another --algo" 'algo=dmsgd.*algo=dsgd' sim --topology ring -n 4 --algo dsgd --dim 50 \
        --samples 20 --batch 4 --lr 0.3 --quiet --iters 20 --resume "$F/ck"
    bad "foreign checkpoint: another topology" 'topology=ring.*topology=exp' sim --topology exp -n 4 --algo dmsgd --dim 50 \
        --samples 20 --batch 4 --lr 0.3 --quiet --iters 20 --resume "$F/ck"
    bad "foreign checkpoint: other data (--noise)" 'data-content' "${CK[@]}" --noise 0.3 --iters 20 --resume "$F/ck"
    bad "foreign checkpoint: another partition" 'partition' "${CK[@]}" --partition shuffle --iters 20 --resume "$F/ck"
    bad "foreign checkpoint: another --weights" 'weights' "${CK[@]}" --weights lazy --iters 20 --resume "$F/ck"
    bad "checkpoint beyond --iters" 'iteration 20.*--iters 10' "${CK[@]}" --iters 10 --resume "$F/ck"
    bad "extending a step-schedule run with another --iters" 'iters=20.*iters=40' "${CK[@]}" --lr-decay 0.5 --iters 40 \
        --resume "$F/ck"
else
    not_ok "sim writes a checkpoint" "size $size"
fi

# extending a finished run with a larger --iters continues the same trajectory
"$TOPOMIX" "${CK[@]}" --iters 40 --log-every 10 --log "$F/whole40.csv" 2>/dev/null
cp "$F/ck.csv" "$F/ext.csv"
run "${CK[@]}" --iters 40 --log-every 10 --resume "$F/ck" --log "$F/ext.csv"
if [ "$rc" -eq 0 ] && cmp -s "$F/ext.csv" "$F/whole40.csv"; then
    ok "a finished run extended with a larger --iters equals the longer run, byte for byte"
else not_ok "a finished run extended with a larger --iters equals the longer run, byte for byte" "rc=$rc" "$(diff "$F/ext.csv" "$F/whole40.csv" | head -5)"; fi

# resuming a finished run reports the real final values
"$TOPOMIX" "${CK[@]}" --iters 20 --checkpoint "$F/ck20" --checkpoint-every 20 --log "$F/ck20.csv" 2>/dev/null
run sim --topology ring -n 4 --algo dmsgd --dim 50 --samples 20 --batch 4 --lr 0.3 --iters 20 --resume "$F/ck20" --log "$F/ck20.csv"
want=$(tail -n 1 "$F/ck20.csv" | cut -d, -f2)
got=$(sed -n 's/.*final loss \([^,]*\),.*/\1/p' "$TMP/err")
if [ "$rc" -eq 0 ] && [ -n "$got" ] && [ -n "$PY" ] && "$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) <= 1e-5 * abs(b), (a, b)" "$got" "$want" 2>/dev/null; then
    ok "resuming a finished run prints its real final loss ($got)"
else not_ok "resuming a finished run prints its real final loss" "rc=$rc got=$got want=$want" "$(stderr_tail)"; fi

# ---- signals: SIGTERM, and SIGKILL after a checkpoint ---------------------------------------------

# (0.5 s in a release build on this 2-core machine, several seconds under sanitizers or load)
KL=(sim --topology exp -n 8 --algo dmsgd --problem logreg-nc --dim 1000 --samples 200 --batch 32 --lr 0.2 --iters 8000 --log-every 250 --quiet)
timeout 240 "$TOPOMIX" "${KL[@]}" --log "$F/kwhole.csv" --checkpoint "$F/kwhole.ck" 2>/dev/null

# a log that ran ahead of its checkpoint (a killed run writes rows after its last checkpoint):
# --resume drops the rows past the checkpoint and redoes them, so no row is lost or doubled
"$TOPOMIX" "${KL[@]}" --iters 1000 --log /dev/null --checkpoint "$F/k1000.ck" --checkpoint-every 1000 2>/dev/null
awk -F, '$1 !~ /^[0-9]+$/ || $1 <= 1750' "$F/kwhole.csv" >"$F/ahead.csv"
LIMIT=240 run "${KL[@]}" --log "$F/ahead.csv" --resume "$F/k1000.ck"
if [ "$rc" -eq 0 ] && cmp -s "$F/ahead.csv" "$F/kwhole.csv"; then
    ok "sim --resume from iteration 1000 with a log at 1750 drops the 3 rows past the checkpoint and redoes them"
else not_ok "sim --resume from iteration 1000 with a log at 1750 drops the rows past the checkpoint" "rc=$rc" "$(diff "$F/ahead.csv" "$F/kwhole.csv" | head -5)"; fi

rm -f "$F/term.csv"
"$TOPOMIX" "${KL[@]}" --log "$F/term.csv" --checkpoint "$F/term.ck" 2>"$TMP/err" &
pid=$!
signal_running TERM "$pid" "$F/term.csv"
wait "$pid"
rc=$?
if [ "$rc" -eq 143 ] && [ -s "$F/term.ck" ] && grep -q 'checkpoint written' "$TMP/err"; then
    ok "sim: SIGTERM writes a checkpoint and exits 143"
    LIMIT=240 run "${KL[@]}" --log "$F/term.csv" --resume "$F/term.ck"
    if [ "$rc" -eq 0 ] && cmp -s "$F/term.csv" "$F/kwhole.csv"; then ok "sim: after SIGTERM, --resume gives the uninterrupted log byte for byte"
    else not_ok "sim: after SIGTERM, --resume gives the uninterrupted log byte for byte" "rc=$rc" "$(diff "$F/term.csv" "$F/kwhole.csv" | head -5)"; fi
elif [ "$rc" -eq 0 ]; then
    skip "sim: SIGTERM writes a checkpoint and exits 143" "the run finished before the signal"
else not_ok "sim: SIGTERM writes a checkpoint and exits 143" "rc=$rc" "$(stderr_tail)"; fi

# SIGKILL: no handler runs. The log may hold rows past the last checkpoint; --resume drops them and
# redoes those iterations, so the final log equals the uninterrupted one, with no row twice.
rm -f "$F/kill.ck"
"$TOPOMIX" "${KL[@]}" --log "$F/kill.csv" --checkpoint "$F/kill.ck" --checkpoint-every 700 2>/dev/null &
pid=$!
for _ in $(seq 1 24000); do [ -s "$F/kill.ck" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -eq 137 ] && [ -s "$F/kill.ck" ]; then
    LIMIT=240 run "${KL[@]}" --log "$F/kill.csv" --resume "$F/kill.ck" --checkpoint "$F/kill.ck" --checkpoint-every 700
    if [ "$rc" -eq 0 ] && cmp -s "$F/kill.csv" "$F/kwhole.csv"; then
        ok "sim: after SIGKILL, --resume continues the log without a lost or duplicated row"
    else not_ok "sim: after SIGKILL, --resume continues the log without a lost or duplicated row" "rc=$rc" "$(diff "$F/kill.csv" "$F/kwhole.csv" | head -5)"; fi
elif [ "$rc" -eq 0 ]; then
    skip "sim: after SIGKILL, --resume continues the log" "the run finished before the kill"
else not_ok "sim: after SIGKILL, --resume continues the log" "rc=$rc, checkpoint $(stat -c %s "$F/kill.ck" 2>/dev/null)"; fi

# SIGINT when the checkpoint cannot be written: says so, exit 1
if [ -c /dev/full ]; then
    rm -f "$F/int.csv"
    "$TOPOMIX" "${KL[@]}" --log "$F/int.csv" --checkpoint /dev/full 2>"$TMP/err" &
    pid=$!
    signal_running INT "$pid" "$F/int.csv"
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qi 'could not write the checkpoint.*/dev/full' "$TMP/err"; then
        ok "sim: SIGINT with an unwritable checkpoint says so and exits 1"
    elif [ "$rc" -eq 0 ]; then skip "sim: SIGINT with an unwritable checkpoint" "the run finished before the signal"
    else not_ok "sim: SIGINT with an unwritable checkpoint says so and exits 1" "rc=$rc" "$(stderr_tail)"; fi
fi
