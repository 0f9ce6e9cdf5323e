#!/usr/bin/env bash
# Runs every example of README.md as written: each command of its ```sh blocks (backslash
# continuations joined, comment-only lines dropped), in order, in one scratch directory where
# build/tools/topomix is the given build's binary. The
# "Two commands" lines (scripts/quickstart.sh, scripts/test.sh) install packages and rebuild, so
# they are left to CI. An example whose program is missing (gnuplot, heart_scale from Debian's
# liblinear-tools) is skipped and says why, and so are the MPI examples in a build without MPI
# (TMX_MPI=0) or under the sanitizers (TMX_SANITIZE); meson test sets both.
#
#   readme_examples.sh BUILD_DIR
#
# Prints TAP (ok / not ok per example, the plan last) and exits non-zero listing every example
# that exited non-zero.
set -u

BUILD=$(cd "${1:?usage: readme_examples.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
README=$ROOT/README.md
LIMIT=${LIMIT:-120}
[ -x "$BUILD/tools/topomix" ] || { echo "Bail out! no $BUILD/tools/topomix"; exit 1; }
[ -r "$README" ] || { echo "Bail out! no $README"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/topomix-readme.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/work/build"
ln -s "$BUILD/tools" "$TMP/work/build/tools"

# One command per NUL-terminated record.
awk '
    /^```/ { if (inblock) { inblock = 0; next } if ($0 ~ /^```sh[ \t]*$/) inblock = 1; next }
    !inblock { next }
    {
        line = $0
        if (cont != "") { cmd = cmd " " line } else { cmd = line }
        if (line ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, "", cmd); cont = "y"; next }
        cont = ""
        t = cmd; sub(/^[ \t]+/, "", t)
        if (t == "" || t ~ /^#/) next
        if (t ~ /^scripts\/(quickstart|test)\.sh([ \t]|$)/) next
        printf "%s%c", t, 0
    }
' "$README" >"$TMP/commands"

count=0
failed=0
failures=()
while IFS= read -r -d '' cmd; do
    count=$((count + 1))
    desc=${cmd%%  #*}                           # the command without its trailing comment
    desc=${desc//#/}                            # '#' would start a TAP directive
    desc=$(printf '%s' "$desc" | tr -s ' ' | sed 's/ *$//')
    [ ${#desc} -gt 110 ] && desc="${desc:0:107}..."
    if [[ $cmd == gnuplot* ]] && ! command -v gnuplot >/dev/null 2>&1; then
        echo "ok $count - $desc # SKIP gnuplot is not installed"
        continue
    fi
    if [[ $cmd == *mpirun* ]] && [ -n "${TMX_SANITIZE:-}" ] && [ "$TMX_SANITIZE" != none ]; then
        # Open MPI's own allocations read as leaks to LeakSanitizer (tests/mpi skips likewise)
        echo "ok $count - $desc # SKIP Open MPI under the sanitizers ($TMX_SANITIZE)"
        mpi_skipped=1
        continue
    fi
    if [[ $cmd == *mpirun* ]] && [ "${TMX_MPI:-1}" = 0 ]; then
        echo "ok $count - $desc # SKIP this build has no MPI (-Dmpi)"
        mpi_skipped=1
        continue
    fi
    if [ -n "${mpi_skipped:-}" ] && [[ $cmd == cmp\ * ]]; then
        gone=
        for f in $(awk '{ for (i = 2; i <= NF && $i !~ /^#/; i++) print $i }' <<<"$cmd"); do
            [ -e "$TMP/work/$f" ] || gone=$f
        done
        if [ -n "$gone" ]; then
            echo "ok $count - $desc # SKIP $gone comes from the skipped MPI example"
            continue
        fi
    fi
    missing=
    for f in $(grep -oE '/usr/share/[^ ]+' <<<"$cmd"); do [ -e "$f" ] || missing=$f; done
    if [ -n "$missing" ]; then
        echo "ok $count - $desc # SKIP $missing is missing (Debian's liblinear-tools)"
        continue
    fi
    start=$(date +%s.%N)
    (cd "$TMP/work" && timeout "$LIMIT" bash -c "$cmd") >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -eq 0 ] && ! grep -qE 'Sanitizer|runtime error:' "$TMP/err"; then
        echo "ok $count - $desc ($secs s)"
    else
        failed=$((failed + 1))
        failures+=("$cmd")
        echo "not ok $count - $desc (exit $rc after $secs s)"
        head -c 800 "$TMP/err" | sed 's/^/# stderr: /'
    fi
done <"$TMP/commands"

echo "1..$count"
if [ "$count" -eq 0 ]; then
    echo "# no examples found in $README"
    exit 1
fi
if [ "$failed" -ne 0 ]; then
    echo "# $failed of $count README examples failed:"
    for c in "${failures[@]}"; do echo "#   $c"; done
    exit 1
fi
exit 0
