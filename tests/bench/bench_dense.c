/* Benchmark: largest |λ| of a dense symmetric matrix, ours (tmx__dense_sym_maxabs: from n = 512
 * certified Lanczos, else LAPACKE dsytrd, two-stage from n = 3072, then dstebz at both ends of the
 * spectrum) against NumPy
 * (numpy.linalg.eigvalsh: LAPACK dsyevd, eigenvalues only), both on the system OpenBLAS with the
 * same kernels, at n = 1024, 2048, 4096 (or the sizes given as arguments). Then β of the directed
 * exp graph at the same sizes (the Gram route against SciPy's eigh subset on (W − J)ᵀ(W − J)) and
 * the iterative rate of er -n 10000 --p 0.002 and two n = 4096 graphs against SciPy's eigsh.
 * Medians of 3 runs; Python is timed inside Python (bench_dense.py), so interpreter start-up is
 * not counted. On a shared machine, OPENBLAS_NUM_THREADS=1 on both sides steadies the ratios.
 *
 * OpenBLAS 0.3.21 picks slow non-AVX-512 kernels on some AVX-512 CPUs; tmx_blas_fix_coretype
 * re-executes this program with OPENBLAS_CORETYPE=SkylakeX when so, and NumPy gets the same
 * OPENBLAS_CORETYPE, so the comparison is kernel for kernel. */
#include "spectral/kernels.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <topomix/spectral.h>
#include <topomix/topomix.h>
#include <unistd.h>
#include "bench_util.h"

#ifndef BENCH_DENSE_PY
#define BENCH_DENSE_PY "bench_dense.py"
#endif
#define RUNS 3

/* splitmix64 in [0, 1) */
static double unit(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
}

/* Random symmetric B with entries U(0, 1), scaled D B D by 10 symmetric Sinkhorn steps
 * (x ← √(x / Bx)) so that its row and column sums are near 1: the same kind as bench_dense.py. */
static int make_matrix(tmx_mat *W, size_t n)
{
    if (tmx_mat_init(W, n, n) != TMX_OK) return -1;
    double *x = malloc(n * sizeof *x), *bx = malloc(n * sizeof *bx);
    if (!x || !bx) {
        free(x);
        free(bx);
        return -1;
    }
    uint64_t s = 1;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++) W->data[i + j * n] = W->data[j + i * n] = unit(&s);
    for (size_t i = 0; i < n; i++) x[i] = 1.0;
    for (int it = 0; it < 10; it++) {
        for (size_t i = 0; i < n; i++) bx[i] = 0.0;
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++) bx[i] += W->data[i + j * n] * x[j];
        for (size_t i = 0; i < n; i++) x[i] = sqrt(x[i] / bx[i]);
    }
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) W->data[i + j * n] *= x[i] * x[j];
    free(x);
    free(bx);
    return 0;
}

/* Runs bench_dense.py with arguments a1 a2 (a2 may be NULL); fills its output line.
 * OPENBLAS_CORETYPE=core in its environment. */
static int run_py(const char *a1, const char *a2, const char *core, char *line, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        if (core) setenv("OPENBLAS_CORETYPE", core, 1);
        char *args[] = {(char *)"python3", (char *)BENCH_DENSE_PY, (char *)a1, (char *)a2, NULL};
        execv("/usr/bin/python3", args);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    line[0] = '\0';
    if (f) {
        char buf[512];
        while (fgets(buf, sizeof buf, f))
            if (strncmp(buf, "seconds=", 8) == 0) snprintf(line, len, "%s", buf);
        fclose(f);
    } else {
        close(fd[0]);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return (WIFEXITED(status) && WEXITSTATUS(status) == 0 && line[0]) ? 0 : -1;
}

static double median_of(double *t, int k)
{
    qsort(t, (size_t)k, sizeof *t, cmp);
    return t[k / 2];
}

/* W of a topology (step 0), written to a Matrix Market file for the Python side. */
static int topo_to_file(const char *name, int64_t n, double p, tmx_csr *W, char *path, size_t len)
{
    tmx_topo_params par;
    tmx_topo_params_init(&par);
    par.n = n;
    par.p = p;
    tmx_topo *t = NULL;
    if (tmx_topo_new(name, &par, &t) != TMX_OK || tmx_topo_weights(t, 0, W) != TMX_OK) {
        tmx_topo_free(t);
        return -1;
    }
    tmx_topo_free(t);
    snprintf(path, len, "/tmp/bench_dense_%ld_%s_%lld.mtx", (long)getpid(), name, (long long)n);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    tmx_status st = tmx_mm_write(f, W, 0, "bench_dense");
    return (fclose(f) == 0 && st == TMX_OK) ? 0 : -1;
}

/* β = ‖W − J‖₂ of a directed W: ours (the Gram route of rate_dense, tmx__dense_beta_gram) against
 * SciPy's eigh subset on the dense (W − J)ᵀ(W − J); exp is circulant, a 3-permutation mixture is
 * not. The former path (dgesdd on W − J, plus dgeev for the slem) is timed once up to n = 2048. */
static int bench_gram(const size_t *sizes, int count, const char *core)
{
    printf("\nbeta = ||W - J||_2 of a directed W (exp: circulant), median of %d runs\n", RUNS);
    printf("  ours : tmx__dense_beta_gram = sparse W^T W - rank-2 correction, then the top eigenvalue as above\n");
    printf("  scipy: d = W - J; scipy.linalg.eigh(d.T @ d, subset_by_index=[n-1, n-1]) (dsyevr, index range)\n");
    printf("%6s %-6s %10s %10s %11s %12s  %s\n", "n", "W", "ours [s]", "scipy [s]", "ours/scipy", "former [s]",
           "beta ours, scipy");
    int rc = 0;
    for (int q = 0; q < count; q++) {
        tmx_csr W = {0};
        char path[256], line[512], kern[64] = "?";
        if (topo_to_file("exp", (int64_t)sizes[q], 0.0, &W, path, sizeof path) != 0) {
            printf("%6zu cannot build exp\n", sizes[q]);
            rc = 1;
            continue;
        }
        double t[RUNS], beta = 0.0, former = NAN;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now();
            if (tmx__dense_beta_gram(&W, &beta) != TMX_OK) rc = 1;
            t[r] = now() - t0;
        }
        double ours = median_of(t, RUNS);
        if (sizes[q] <= 2048) { /* the former path: full dgeev + full SVD of W − J */
            tmx_mat A = {0};
            double t0 = now(), x = 0.0;
            if (tmx_csr_to_dense(&W, &A) == TMX_OK) {
                for (size_t k = 0; k < A.rows * A.cols; k++) A.data[k] -= 1.0 / (double)W.n;
                tmx_mat B = {0};
                if (tmx_mat_init(&B, A.rows, A.cols) == TMX_OK) {
                    memcpy(B.data, A.data, A.rows * A.cols * sizeof(double));
                    if (tmx__dense_gen_maxabs(&A, &x) == TMX_OK && tmx__dense_norm2(&B, &x) == TMX_OK) former = now() - t0;
                }
                tmx_mat_destroy(&B);
            }
            tmx_mat_destroy(&A);
        }
        double py = 0.0, pv = 0.0;
        if (run_py("gram", path, core, line, sizeof line) != 0 ||
            sscanf(line, "seconds=%lf core=%63s numpy=%*s maxabs=%lf", &py, kern, &pv) != 3) {
            printf("%6zu %-6s %10.4f (scipy failed)\n", sizes[q], "exp", ours);
            rc = 1;
        } else {
            printf("%6zu %-6s %10.4f %10.4f %11.3f %12.4f  %.15g, %.15g\n", sizes[q], "exp", ours, py, ours / py, former,
                   beta, pv);
        }
        fflush(stdout);
        remove(path);
        tmx_csr_destroy(&W);
    }
    return rc;
}

/* The iterative case of issue 16: er -n 10000 --p 0.002 (and a grid, where shift-invert runs), ours
 * (tmx_rate_csr, method iterative) against scipy.sparse.linalg.eigsh with the same parameters. */
static int bench_iterative(const char *core)
{
    static const struct {
        const char *name;
        int64_t n;
        double p;
    } cases[] = {{"er", 10000, 0.002}, {"er", 4096, 0.005}, {"grid", 4096, 0.0}};
    printf("\nrho(W - J) of a sparse symmetric W, iterative, median of %d runs (and the least process CPU time,\n"
           "which another job on the machine disturbs less)\n", RUNS);
    printf("  ours : tmx_rate_csr(method iterative) (few-hop graphs: Lanczos first; else shift-invert)\n");
    printf("  scipy: eigsh(LinearOperator(W x - mean x), k=1, which='LM', ncv=32, tol=1e-12)\n");
    printf("%6s %-5s %10s %10s %11s %8s %12s  %s\n", "n", "W", "ours [s]", "scipy [s]", "ours/scipy", "applies",
           "dense [s]", "rho ours, scipy");
    int rc = 0;
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        tmx_csr W = {0};
        char path[256], line[512], kern[64] = "?";
        if (topo_to_file(cases[q].name, cases[q].n, cases[q].p, &W, path, sizeof path) != 0) {
            printf("%6lld cannot build %s\n", (long long)cases[q].n, cases[q].name);
            rc = 1;
            continue;
        }
        double t[RUNS], cpu_min = INFINITY;
        tmx_rate r = {0};
        for (int k = 0; k < RUNS; k++) {
            double t0 = now(), c0 = cpu_now();
            if (tmx_rate_csr(&W, TMX_METHOD_ITERATIVE, &r) != TMX_OK) rc = 1;
            t[k] = now() - t0;
            cpu_min = fmin(cpu_min, cpu_now() - c0);
        }
        double ours = median_of(t, RUNS), dense = NAN;
        if (W.n <= 4096) { /* what AUTO picked before: the dense path, once */
            tmx_rate d;
            double t0 = now();
            if (tmx_rate_csr(&W, TMX_METHOD_DENSE, &d) == TMX_OK) dense = now() - t0;
        }
        double py = 0.0, pv = 0.0, pycpu = NAN;
        if (run_py("eigsh", path, core, line, sizeof line) != 0 ||
            sscanf(line, "seconds=%lf core=%63s numpy=%*s maxabs=%lf cpu=%lf", &py, kern, &pv, &pycpu) < 3) {
            printf("%6lld %-5s %10.4f (scipy failed)\n", (long long)W.n, cases[q].name, ours);
            rc = 1;
        } else {
            printf("%6lld %-5s %10.4f %10.4f %11.3f %8lld %12.4f  %.15g, %.15g\n", (long long)W.n, cases[q].name, ours,
                   py, ours / py, (long long)r.iterations, dense, r.slem, pv);
            printf("%6s %-5s cpu time, least of %d: ours %.4f s, scipy %.4f s, ratio %.3f\n", "", "", RUNS, cpu_min,
                   pycpu, cpu_min / pycpu);
        }
        fflush(stdout);
        remove(path);
        tmx_csr_destroy(&W);
    }
    return rc;
}

/* gap --method dense on a symmetric W (rate_dense: shift-invert through LAPACK's dense Cholesky of
 * I − W + J from n = 2048, and from 1024 when one factorisation will do; the tridiagonal reduction
 * otherwise, or when that does not converge quickly) against
 * numpy.linalg.eigvalsh on the dense W − J: ring (a tiny gap, the case shift-invert is for) and
 * hypercube (eigenvalues of multiplicity up to C(log n, k): the inverse's top is clustered). */
static int bench_rate_dense(const size_t *sizes, int count, const char *core)
{
    printf("\nrho(W - J) of a symmetric W by the dense method (gap --method dense), median of %d runs\n", RUNS);
    printf("  ours : tmx_rate_csr(TMX_METHOD_DENSE) = dpotrf(I - W + J) + ARPACK on its inverse (<= 4 restarts) when one "
           "factor will do, else certified Lanczos on W - J, else dsytrd + dstebz\n");
    printf("  numpy: numpy.linalg.eigvalsh(W.toarray() - 1/n), max |lambda|\n");
    printf("%6s %-10s %10s %10s %11s %8s  %s\n", "n", "W", "ours [s]", "numpy [s]", "ours/numpy", "solves",
           "rho ours, numpy");
    static const char *const names[] = {"ring", "hypercube"};
    int rc = 0;
    for (int q = 0; q < count; q++) {
        for (int k = 0; k < 2; k++) {
            tmx_csr W = {0};
            char path[256], line[512], kern[64] = "?";
            if (topo_to_file(names[k], (int64_t)sizes[q], 0.0, &W, path, sizeof path) != 0) {
                printf("%6zu %-10s cannot build or write W\n", sizes[q], names[k]);
                tmx_csr_destroy(&W);
                rc = 1;
                continue;
            }
            double t[RUNS];
            tmx_rate r = {0};
            for (int i = 0; i < RUNS; i++) {
                double t0 = now();
                tmx_status st = tmx_rate_csr(&W, TMX_METHOD_DENSE, &r);
                t[i] = now() - t0;
                if (st != TMX_OK) {
                    printf("%6zu %-10s ours failed: %s\n", sizes[q], names[k], tmx_last_error());
                    rc = 1;
                }
            }
            qsort(t, RUNS, sizeof *t, cmp);
            tmx_csr_destroy(&W);
            double np_s = 0.0, np_value = 0.0;
            int ok = run_py("eigvalsh", path, core, line, sizeof line) == 0 &&
                     sscanf(line, "seconds=%lf core=%63s numpy=%*s maxabs=%lf", &np_s, kern, &np_value) == 3;
            remove(path);
            if (!ok) {
                printf("%6zu %-10s %10.4f %10s (running %s failed)\n", sizes[q], names[k], t[RUNS / 2], "-", BENCH_DENSE_PY);
                rc = 1;
                continue;
            }
            printf("%6zu %-10s %10.4f %10.4f %11.3f %8lld  %.15g, %.15g\n", sizes[q], names[k], t[RUNS / 2], np_s,
                   t[RUNS / 2] / np_s, (long long)r.iterations, r.slem, np_value);
            fflush(stdout);
        }
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* First thing: may replace this process with one that uses OpenBLAS's AVX-512 kernels. */
    if (tmx_blas_fix_coretype(argv) != 0)
        fprintf(stderr, "note: could not re-execute with OPENBLAS_CORETYPE=SkylakeX: %s\n",
                strerror(errno));
    const char *replaced = getenv("TMX_BLAS_REEXEC");
    if (replaced)
        printf("note: OpenBLAS picked its %s kernels on this AVX-512 CPU; re-executed with "
               "OPENBLAS_CORETYPE=SkylakeX\n",
               replaced);
    const char *ours = tmx_blas_corename();
    const char *env = getenv("OPENBLAS_CORETYPE");
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f");
#else
    int avx512 = 0;
#endif
    if (avx512 && env && *env && !replaced && strcmp(ours, "SkylakeX") != 0 &&
        strcmp(ours, "Cooperlake") != 0 && strcmp(ours, "SapphireRapids") != 0)
        printf("note: OPENBLAS_CORETYPE=%s is set, so both sides use the %s kernels although this CPU "
               "has AVX-512; unset it, or set SkylakeX, for the fast ones\n",
               env, ours);
    /* NumPy gets the kernels we run with: our OPENBLAS_CORETYPE (SkylakeX after a re-execution),
     * or, when none is set, the name OpenBLAS chose for us. */
    const char *numpy_core = (env && *env) ? env : ours;

    size_t sizes[16] = {1024, 2048, 4096};
    int count = 3;
    if (argc > 1) {
        count = 0;
        for (int a = 1; a < argc && count < 16; a++) sizes[count++] = (size_t)strtoull(argv[a], NULL, 10);
    }

    printf("largest |eigenvalue| of a dense symmetric n x n matrix (random, near doubly stochastic), "
           "eigenvalues only, median of %d runs\n", RUNS);
    printf("  ours : tmx__dense_sym_maxabs = from n = 512 Lanczos (<= 96 dsymv) certified by dpotrf of t*I -+ A, "
           "else LAPACKE dsytrd('L') (dsytrd_2stage from n = 3072) + dstebz at both ends; OpenBLAS kernels %s\n", ours);
    printf("  numpy: numpy.linalg.eigvalsh = LAPACK dsyevd('N'), run with OPENBLAS_CORETYPE=%s, "
           "same system OpenBLAS\n", numpy_core);
    printf("%6s %10s %10s %11s  %-10s %s\n", "n", "ours [s]", "numpy [s]", "ours/numpy", "np kernels",
           "max|lambda| ours, numpy");
    int rc = 0;
    for (int q = 0; q < count; q++) {
        size_t n = sizes[q];
        tmx_mat W = {0}, A = {0};
        if (n == 0 || make_matrix(&W, n) != 0 || tmx_mat_init(&A, n, n) != TMX_OK) {
            printf("%6zu cannot build the matrix\n", n);
            tmx_mat_destroy(&W);
            rc = 1;
            continue;
        }
        double t[RUNS], value = 0.0;
        for (int r = 0; r < RUNS; r++) {
            memcpy(A.data, W.data, n * n * sizeof(double));
            double t0 = now();
            tmx_status st = tmx__dense_sym_maxabs(&A, &value);
            t[r] = now() - t0;
            if (st != TMX_OK) {
                printf("%6zu ours failed: %s\n", n, tmx_last_error());
                rc = 1;
            }
        }
        qsort(t, RUNS, sizeof *t, cmp);
        tmx_mat_destroy(&W);
        tmx_mat_destroy(&A);

        char line[512], core[64] = "?";
        double np_s = 0.0, np_value = 0.0;
        char nbuf[32];
        snprintf(nbuf, sizeof nbuf, "%zu", n);
        if (run_py(nbuf, NULL, numpy_core, line, sizeof line) != 0 ||
            sscanf(line, "seconds=%lf core=%63s numpy=%*s maxabs=%lf", &np_s, core, &np_value) != 3) {
            printf("%6zu %10.4f %10s (running %s failed)\n", n, t[RUNS / 2], "-", BENCH_DENSE_PY);
            rc = 1;
            continue;
        }
        printf("%6zu %10.4f %10.4f %11.3f  %-10s %.15g, %.15g\n", n, t[RUNS / 2], np_s,
               t[RUNS / 2] / np_s, core, value, np_value);
        fflush(stdout);
    }
    rc |= bench_rate_dense(sizes, count, numpy_core);
    rc |= bench_gram(sizes, count, numpy_core);
    rc |= bench_iterative(numpy_core);
    return rc;
}
