# Sourced by run_cli_tests.sh: sim --device cpu|gpu (docs/definitions.md section 23). Whichever
# build runs it: with a device backend, `--device gpu` runs and its log agrees with the CPU's; in a
# build without one it refuses with one line saying how to build one (exit 2); in a CUDA build on a
# machine without a GPU, with one line naming the CUDA error (exit 1).

DV=$TMP/device
mkdir -p "$DV"
D=(sim --topology ring -n 6 --problem mlp --dim 5 --samples 20 --hidden 4 --batch 4 --iters 20 --log-every 5 --quiet)

bad "sim --device cuda (the values are cpu and gpu)" "unknown device 'cuda'" "${D[@]}" --device cuda
bad "sim --device without a value" "device" "${D[@]}" --device
run sim --help
if grep -q -- "--device cpu|gpu" "$TMP/out" && grep -q "Ddevice=cuda" "$TMP/out"; then ok "sim --help documents --device cpu|gpu"
else not_ok "sim --help documents --device cpu|gpu" "$(grep -- --device "$TMP/out")"; fi

# rows of two CSV logs agree column by column: the counters and the clock exactly, the metrics to
# 1e-10 relative (the library's tests hold the models to 1e-12; the metrics are sums taken in another
# order on the device, so their last printed digits may differ: the logs are not byte-equal)
rows_agree() {
    awk -F, 'FNR == 1 { f++; r = 0 } /^#/ || /^iter/ { next } { r++ }
        f == 1 { row[r] = $0; rows = r; next }
        { if (!(r in row)) { print "extra row " r; bad = 1; next }
          n = split(row[r], a, ","); split($0, b, ",")
          for (k = 1; k <= n; k++) {
              if (a[k] == b[k]) continue
              d = a[k] - b[k]; if (d < 0) d = -d
              m = a[k] < 0 ? -a[k] : a[k]
              if (k == 1 || k > 5 || d > 1e-10 * m) { print "row " r " column " k ": " a[k] " vs " b[k]; bad = 1 }
          } }
        END { if (r != rows) { print r " rows vs " rows; bad = 1 }; exit bad }' "$1" "$2"
}

run "${D[@]}" --device gpu --log "$DV/gpu.csv"
case $rc in
0)
    "$TOPOMIX" "${D[@]}" --log "$DV/cpu.csv" 2>/dev/null
    if why=$(rows_agree "$DV/cpu.csv" "$DV/gpu.csv") && [ "$(grep -vc '^#' "$DV/gpu.csv")" -eq 6 ]; then
        ok "sim --device gpu: the log's rows agree with --device cpu's"
    else not_ok "sim --device gpu: the log's rows agree with --device cpu's" "$why"; fi
    if grep -qE '^# device=thrust-(omp on the host \([0-9]+ threads?\)|cuda on )' "$DV/gpu.csv" && ! grep -q '^# device=' "$DV/cpu.csv"; then
        ok "sim --device gpu: the log's settings name the device system (the CPU log is unchanged)"
    else not_ok "sim --device gpu: the log's settings name the device system" "$(grep device "$DV/gpu.csv")"; fi
    run "${D[@]}" --device gpu --format json --iters 5
    if [ "$rc" -eq 0 ] && head -1 "$TMP/out" | grep -qE '"device":"thrust-(omp|cuda) on '; then ok "sim --device gpu --format json names the device"
    else not_ok "sim --device gpu --format json names the device" "$(head -c 300 "$TMP/out")"; fi
    run sim --topology ring -n 6 --problem mlp --dim 5 --samples 20 --iters 3 --device gpu
    if [ "$rc" -eq 0 ] && grep -qE '^# device thrust-(omp on the host|cuda on )' "$TMP/err"; then ok "sim --device gpu: the summary names the device"
    else not_ok "sim --device gpu: the summary names the device" "$(cat "$TMP/err")"; fi
    # a checkpoint written on the device resumes on the CPU, and the other way round
    "$TOPOMIX" "${D[@]}" --device gpu --iters 10 --checkpoint "$DV/g.ckpt" --checkpoint-every 10 --log "$DV/g.csv" 2>/dev/null
    run "${D[@]}" --device cpu --resume "$DV/g.ckpt" --log "$DV/g.csv"
    if [ "$rc" -eq 0 ] && why=$(rows_agree "$DV/cpu.csv" "$DV/g.csv"); then ok "sim: a --device gpu checkpoint resumes with --device cpu"
    else not_ok "sim: a --device gpu checkpoint resumes with --device cpu" "rc=$rc" "$why" "$(cat "$TMP/err")"; fi
    "$TOPOMIX" "${D[@]}" --iters 10 --checkpoint "$DV/c.ckpt" --checkpoint-every 10 --log "$DV/c.csv" 2>/dev/null
    run "${D[@]}" --device gpu --resume "$DV/c.ckpt" --log "$DV/c.csv"
    if [ "$rc" -eq 0 ] && why=$(rows_agree "$DV/cpu.csv" "$DV/c.csv"); then ok "sim: a --device cpu checkpoint resumes with --device gpu"
    else not_ok "sim: a --device cpu checkpoint resumes with --device gpu" "rc=$rc" "$why" "$(cat "$TMP/err")"; fi
    ;;
2)
    bad "sim --device gpu in a build without a device backend" "no device backend.*-Ddevice=" "${D[@]}" --device gpu
    ;;
*)
    fail_case "sim --device gpu in a CUDA build without a GPU" 1 "CUDA device.*cuda[A-Za-z]*: " "${D[@]}" --device gpu
    ;;
esac
