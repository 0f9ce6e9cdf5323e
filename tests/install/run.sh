#!/usr/bin/env bash
# Installs a build into a scratch root and builds a program against it through pkg-config, linked
# against the shared library and, with `pkg-config --static`, against the static one; both must run
# a short simulation that lowers the loss.   run.sh BUILD_DIR   (prints TAP)
set -u
build=${1:?usage: run.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(mktemp -d "${TMPDIR:-/tmp}/topomix-install.XXXXXX")
trap 'rm -rf "$root"' EXIT
n=0 failed=0
check() { # DESC COMMAND...
    local desc=$1; shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then echo "ok $n - $desc"
    else failed=$((failed + 1)); echo "not ok $n - $desc"; printf '%s\n' "$out" | head -20 | sed 's/^/# /'; fi
}
check "meson install into a scratch root" meson install -C "$build" --no-rebuild --quiet --destdir "$root"
pc=$(dirname "$(find "$root" -name topomix.pc | head -1)")
export PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$root
check "the headers, topomix/sim.h included, and both libraries are installed" \
    bash -c "[ -f '$pc/../../../include/topomix/sim.h' ] || find '$root' -name sim.h | grep -q topomix/sim.h; find '$root' -name libtopomix.a | grep -q . && find '$root' -name 'libtopomix.so*' | grep -q ."
cc=${CC:-cc}
# shellcheck disable=SC2046
check "a program builds against the shared library (pkg-config --cflags --libs)" \
    $cc -o "$root/consumer-shared" "$here/consumer.c" $(pkg-config --cflags --libs topomix)
check "... and runs a simulation that lowers the loss" \
    env LD_LIBRARY_PATH="$(dirname "$(find "$root" -name 'libtopomix.so' | head -1)")" "$root/consumer-shared"
# GSL's pkg-config file adds its own CBLAS; OpenBLAS provides CBLAS here, so the two must not meet.
# -l:libtopomix.a asks the linker for the archive by name, so the shared library cannot stand in.
static_libs=$(pkg-config --static --libs topomix | sed 's/-ltopomix\b/-l:libtopomix.a/; s/-lgslcblas//g')
# shellcheck disable=SC2046,SC2086
check "a program links the static library alone (pkg-config --static)" \
    $cc -o "$root/consumer-static" "$here/consumer.c" $(pkg-config --cflags topomix) $static_libs
check "... has no dependency on libtopomix.so and runs" \
    bash -c "! ldd '$root/consumer-static' | grep -q libtopomix && '$root/consumer-static'"
echo "1..$n"
[ "$failed" -eq 0 ]
