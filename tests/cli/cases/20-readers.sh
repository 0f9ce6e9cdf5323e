# Sourced by run_cli_tests.sh: garbage is refused before work starts. Sizes that would not fit are
# refused from an estimate of the whole peak, checked against the memory available (or
# TOPOMIX_MEMORY_LIMIT) before allocating; the readers accept a UTF-8 BOM, and refuse NUL bytes,
# directories and labels that leave one class with one line naming the file.

R=$TMP/readers
mkdir -p "$R/dir"
MM='%%MatrixMarket matrix coordinate real general'

# ---- sizes declared by the input, refused before allocating -----------------------------------

# 57 bytes whose header declares a 10^5 x 10^5 array, 10^10 values (480 GB to read): the file
# cannot hold them, and nothing is allocated by the declared size
printf '%%%%MatrixMarket matrix array real general\n100000 100000\n1\n' >"$R/57.mtx"
if [ "$(wc -c <"$R/57.mtx")" -eq 57 ]; then ok "the 57-byte Matrix Market file is 57 bytes"
else not_ok "the 57-byte Matrix Market file is 57 bytes" "$(wc -c <"$R/57.mtx")"; fi
bad "57-byte .mtx declaring 10^10 values" '57\.mtx.*10000000000 entries declared.*at most' topo "file:$R/57.mtx"
printf '%s\n100000 100000 1000000000\n1 1 1\n' "$MM" >"$R/count.mtx"
bad ".mtx declaring 10^9 entries, holding one" 'count\.mtx.*1000000000 entries declared.*hold 1 at most' \
    topo "file:$R/count.mtx"
# a header declaring 3*10^9 rows: 48 GB of row pointers, refused by the memory check
printf '%s\n3000000000 3000000000 1\n1 1 1\n' "$MM" >"$R/rows.mtx"
TOPOMIX_MEMORY_LIMIT=4G bad ".mtx declaring 3*10^9 rows" 'rows\.mtx.*needs [0-9.]+ GiB, more than' topo "file:$R/rows.mtx"
# ring at n = 3*10^8: W alone is 15.6 GiB, the build's peak (W beside its graph) 26.8 GiB, and the
# validation's more; under 20 GiB the whole build is refused before allocating (or W alone, where the
# machine has less than 20 GiB available)
TOPOMIX_MEMORY_LIMIT=20G bad "topo ring -n 300000000, refused up front" \
    'ring at n=300000000.*needs (26\.8|15\.6) GiB, more than the [0-9.]+ [MG]iB of memory available' topo ring -n 300000000
TOPOMIX_MEMORY_LIMIT=4G bad "gap ring -n 300000000 --method dense" '(needs|memory)' gap ring -n 300000000 --method dense
# LIBSVM: one index makes d = 3*10^9, a dense 1 x d matrix of 24 GB
printf '1 3000000000:1\n' >"$R/huge.svm"
TOPOMIX_MEMORY_LIMIT=4G bad "data info on '1 3000000000:1'" '1 x 3000000000 dataset needs 22\.4 GiB' data info "$R/huge.svm"
TOPOMIX_MEMORY_LIMIT=4G bad "sim --data on '1 3000000000:1'" '1 x 3000000000 dataset needs' \
    sim --topology ring -n 1 --iters 1 --quiet --data "$R/huge.svm"
# the simulator: 10 agents x 10^6 parameters, three state buffers of 80 MB each beside 80 MB of data
TOPOMIX_MEMORY_LIMIT=200M bad "sim over TOPOMIX_MEMORY_LIMIT" 'simulation.*needs [0-9.]+ MiB.*under TOPOMIX_MEMORY_LIMIT' \
    sim --topology ring -n 10 --dim 1000000 --samples 1 --iters 1 --quiet
for v in abc 1.5G 12X -5; do
    TOPOMIX_MEMORY_LIMIT=$v bad "TOPOMIX_MEMORY_LIMIT=$v (not a size)" "TOPOMIX_MEMORY_LIMIT='$v' is not a size" topo ring -n 8
done

# ---- a directory given as a file -------------------------------------------------------------

bad "topo file:DIRECTORY" 'readers/dir is a directory' topo "file:$R/dir"
bad "sim --data DIRECTORY" 'readers/dir is a directory' sim --topology ring -n 2 --iters 1 --quiet --data "$R/dir"
bad "data info DIRECTORY" 'readers/dir is a directory' data info "$R/dir"

# ---- byte order marks are accepted; NUL bytes are not ----------------------------------------

printf '%s\n2 2 3\n1 1 0.5\n2 1 0.5\n2 2 1\n' "$MM" >"$R/plain.mtx"
printf '\357\273\277%s\n2 2 3\n1 1 0.5\n2 1 0.5\n2 2 1\n' "$MM" >"$R/bom.mtx"
run topo "file:$R/bom.mtx" --format mtx
grep -v '^%' "$TMP/out" >"$R/bom.out"
run topo "file:$R/plain.mtx" --format mtx
if [ "$rc" -eq 0 ] && grep -v '^%' "$TMP/out" | cmp -s - "$R/bom.out" && [ -s "$R/bom.out" ]; then
    ok "a .mtx file starting with a UTF-8 BOM reads as the same file without it"
else not_ok "a .mtx file starting with a UTF-8 BOM reads as the same file without it" "rc=$rc" "$(stderr_tail)"; fi
printf '\357\273\277+1 1:0.5 2:1\n-1 2:2\n' >"$R/bom.svm"
run data info "$R/bom.svm"
if [ "$rc" -eq 0 ] && grep -qE '^samples +2$' "$TMP/out" && grep -qE '^features +2$' "$TMP/out"; then
    ok "a LIBSVM file starting with a UTF-8 BOM is read (2 samples, 2 features)"
else not_ok "a LIBSVM file starting with a UTF-8 BOM is read (2 samples, 2 features)" "rc=$rc" "$(stderr_tail)"; fi
printf '%s\n2 2 2\n1 1 1\000\n2 2 1\n' "$MM" >"$R/nul.mtx"
bad "NUL byte in a .mtx entry" 'nul\.mtx.*NUL byte in line 3' topo "file:$R/nul.mtx"
printf '1 1:1\n-1 1:\0002\n' >"$R/nul.svm"
bad "NUL byte in a LIBSVM line" 'nul\.svm.*NUL byte in line 2' data info "$R/nul.svm"
bad "sim --data with a NUL byte" 'nul\.svm.*NUL byte in line 2' sim --topology ring -n 2 --iters 1 --quiet --data "$R/nul.svm"

# ---- labels that leave one class --------------------------------------------------------------

printf '1 1:1\n2 1:2\n1 2:1\n2 2:2\n' >"$R/one2.svm"
bad "logreg on labels {1, 2} (all map to +1)" 'one2\.svm.*every label maps to \+1 \(labels 1, 2;' \
    sim --topology ring -n 2 --iters 1 --quiet --data "$R/one2.svm"
bad "data info on labels {1, 2} as logreg-nc" 'every label maps to \+1' data info "$R/one2.svm"
printf '3 1:1\n3 2:1\n3 1:2\n' >"$R/one3.svm"
bad "mlp on a single class" 'one3\.svm.*every sample has label 3' \
    sim --topology ring -n 1 --iters 1 --quiet --problem mlp --data "$R/one3.svm"
run data info "$R/one3.svm" --problem lsq-nc
if [ "$rc" -eq 0 ]; then ok "lsq-nc reads a single-valued target (raw labels are not classes)"
else not_ok "lsq-nc reads a single-valued target (raw labels are not classes)" "rc=$rc" "$(stderr_tail)"; fi

# ---- the estimates hold: within 1.5x of the measured peak -------------------------------------
# TOPOMIX_MEMORY_LIMIT caps the whole process, so the smallest limit a command runs under is its
# estimated peak (plus the resident memory at the check). Each case runs once to measure its peak
# RSS, then must run under a limit of 1.5x that peak and be refused under peak/1.5: the estimate
# is within [peak/1.5, 1.5 peak]. The sizes make the data dominate (190-500 MB against the
# process's 7 MB baseline of libraries). Skipped under sanitizers, whose shadow memory is RSS too.

# peak_rss ARGS...: prints "EXIT-CODE PEAK-RSS-KIB" of topomix ARGS
peak_rss() {
    "$PY" -c 'import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), ru.ru_maxrss)' "$TOPOMIX" "$@"
}

estimate_case() { # DESCRIPTION ARGS...
    local desc="estimate within 1.5x of the peak RSS: $1" prc kib
    shift
    if [ -z "$PY" ]; then skip "$desc" "no python3"; return; fi
    if ldd "$TOPOMIX" 2>/dev/null | grep -qE 'lib(a|ub|t)san'; then skip "$desc" "sanitizer build"; return; fi
    read -r prc kib < <(peak_rss "$@")
    if [ "$prc" != 0 ]; then not_ok "$desc" "without a limit: rc=$prc"; return; fi
    local hi=$((kib * 1024 * 3 / 2)) lo=$((kib * 1024 * 2 / 3))
    TOPOMIX_MEMORY_LIMIT=$hi run "$@"
    if [ "$rc" -ne 0 ]; then not_ok "$desc" "refused under 1.5 x the peak of $((kib / 1024)) MiB: rc=$rc" "$(stderr_tail)"; return; fi
    TOPOMIX_MEMORY_LIMIT=$lo run "$@"
    if [ "$rc" -ne 2 ] || ! head -1 "$TMP/err" | grep -qE 'needs .* under TOPOMIX_MEMORY_LIMIT'; then
        not_ok "$desc" "not refused under the peak of $((kib / 1024)) MiB / 1.5: rc=$rc" "$(stderr_tail)"; return
    fi
    ok "$desc (peak $((kib / 1024)) MiB)"
}

estimate_case "topo ring -n 2000000 --format json" topo ring -n 2000000 --format json
estimate_case "topo onepeer-exp -n 262144 --format json" topo onepeer-exp -n 262144 --format json
estimate_case "topo ring -n 2000000 --format mtx" topo ring -n 2000000 --format mtx -o "$R/ring.mtx"
# the file just written: 2*10^6 rows, 6*10^6 entries, 150 MB of text
estimate_case "topo file:ring.mtx (a 150 MB Matrix Market file)" topo "file:$R/ring.mtx" --format json
# 1000 agents x 8001 parameters, dsgd's three state buffers: 192 MB, beside 64 MB of data
estimate_case "sim with a 192 MB state" sim --topology ring -n 1000 --dim 8000 --samples 1 --iters 1 --quiet
# a 3 MB LIBSVM file, 20000 x 2000 dense: 320 MB
if [ -n "$PY" ]; then
    "$PY" -c 'import random
random.seed(1)
with open("'"$R/wide.svm"'", "w") as f:
    for i in range(20000):
        cols = sorted(random.sample(range(1, 2001), 24)) + ([2000] if i == 0 else [])
        f.write("%d %s\n" % (1 if i % 2 else -1, " ".join("%d:%d" % (c, c % 7 + 1) for c in sorted(set(cols)))))'
fi
estimate_case "data info on a 3 MB LIBSVM file (20000 x 2000 dense)" data info "$R/wide.svm"
rm -f "$R/ring.mtx"
