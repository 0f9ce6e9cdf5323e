#!/usr/bin/env bash
# Installs the Debian packages topomix needs that are missing (root, or sudo). Idempotent: when
# everything is present it touches nothing and needs no privileges.
set -euo pipefail
pkgs=(
  gcc g++ pkgconf meson ninja-build        # toolchain (g++: the simulator's device backend)
  libthrust-dev libcub-dev                 # the device backend's Thrust kernels, run on OpenMP (-Ddevice=omp)
  liblapacke-dev libopenblas-dev           # dense linear algebra (LAPACKE on OpenBLAS)
  libarpack2-dev                           # iterative eigensolvers (ARPACK)
  libsuitesparse-dev                       # sparse Cholesky (CHOLMOD) for shift-invert Lanczos
  libfftw3-dev libgsl-dev                  # FFTs, random numbers and numerics
  zlib1g-dev                               # CRC-32 of checkpoints
  libcriterion-dev                         # tests
  liblinear-tools                          # heart_scale, a LIBSVM file read by the data tests
  gnuplot-nox                              # plots
  graphviz                                 # the tests read topo --format dot back with dot
  python3 python3-numpy python3-scipy      # cross-checks in the tests (scipy.io.mmread)
  python3-cffi python3-pytest python3-networkx  # the Python binding (python/) and its tests
  python3-pandas                           # the binding's DataFrame logs
  libopenmpi-dev openmpi-bin               # the simulator over MPI (mpirun -np R topomix sim)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} Debian packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
