/* topomix simulator — the simulator over MPI (docs/definitions.md §24).
 *
 * R ranks hold contiguous blocks of the N nodes' columns, [lo_r, lo_{r+1}) with lo_r = ⌊rN/R⌋. Every
 * rank keeps what is O(N) or smaller and cheap to recompute — the mixing matrices, the clock, SGP's
 * weights, the counters, the partition — and advances it redundantly: the clock's draws are
 * counter-based, so every rank agrees without a message. What is O(pN) is split: each rank
 * allocates its columns plus the halo columns its rows of W^(k) read, and before each gossip
 * receives exactly those columns (the cut of W): a distributed graph with neighbour collectives per
 * cached matrix, the step's own pattern for random topologies, started without waiting; the rows
 * that read local columns alone are computed while the halo travels, then the others. The product
 * runs the CPU backend's kernel over the local rows of W, whose columns are renumbered into
 * [local | halo]. The data: the CLI gives each rank its agents' shards alone (its samples, in the
 * partition's order), read through a renumbered partition; the checkpoints hash the whole dataset
 * from the ranks' rows.
 *
 * The log equals the one-process log byte for byte: every global sum keeps the one-process order
 * through an ordered chain — rank r receives the partial sums of ranks < r, adds its columns in
 * order, passes them on; the last rank finishes and broadcasts. The chains serialise the reductions
 * (a metrics row costs about what it costs in one process); the gossip and the gradients run in
 * parallel. Without a launcher (no OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment)
 * nothing here runs: MPI is not even initialised. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_mpi.h"

#if TMX_HAVE_MPI
#include <mpi.h>
#include <zlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { TAG_CHAIN = 71, TAG_HALO = 72, TAG_CKPT = 74 }; /* TAG_HALO + 1: a second exchange in flight */

typedef struct plan {
    tmx_csr Wl;        /* this rank's rows, columns renumbered: local j − col0, halo ncols + slot */
    int64_t nhalo;     /* halo columns (sorted by global index, hence grouped by owner) */
    int nsrc, ndst;    /* ranks received from / sent to */
    int *src, *dst, *rcount, *rdisp, *scount, *sdisp; /* counts and displacements in columns */
    int64_t *sendcols; /* local indices of the columns sent, grouped by destination */
    int64_t nsend;
    MPI_Comm graph;    /* static topologies: the distributed graph, made at the first exchange */
    int have_graph;
    /* the local rows as runs [runs[2q], runs[2q+1]): the first nin runs read local columns alone
     * (computed while the halo travels), the other nbd read the halo too */
    int64_t *runs;
    int64_t nin, nbd, rows_in;
} plan;

struct tmx__mpi {
    MPI_Comm comm;
    int rank, size;
    int64_t *lo;        /* size + 1 block bounds over the N nodes */
    int64_t nw;         /* workers among this rank's columns */
    int64_t hcap;       /* halo columns each state buffer holds beyond the local ones */
    plan *plans;        /* one per cached matrix */
    plan rnd;           /* random topologies: the plan of W^(rnd_iter) */
    int64_t rnd_iter;
    double *nn;         /* nw: the agents' ‖g_i‖² */
    void *tbuf;         /* p elements of the state's type: the workers' mean */
    double *dbuf;       /* p + 2 doubles: chains */
    double *seg;        /* the statistics' segments (2 per segment) */
    int64_t nseg;
    void *sendbuf;      /* packed columns: two exchanges' (in and g) */
    size_t sendcap;     /* bytes of one exchange's half */
    MPI_Datatype col;   /* one column of the state */
    double sent, halo_sent; /* bytes this rank sent: all messages, and the gossip's columns alone */
    /* A rank's shards (the caller's D holds the rows of this rank's agents' shards, in the
     * partition's order): Ploc renumbers them for the gradients and the loss, which read
     * P->order + P->start[i] for this rank's agents i alone. Its starts are the caller's less r0,
     * clamped to [0, D->m] (the other agents' shards empty); its order is the identity over D's
     * rows; its m stays the whole dataset's (accuracy's denominator). Pg: the caller's partition,
     * which the checkpoints hash. */
    int sharded, any_sharded; /* this rank; some rank (then the data's hash is collective) */
    int overlap; /* the gossip's local rows while the halo travels: -1 when it is large enough, 0 never, 1 always */
    tmx_partition Ploc;
    const tmx_partition *Pg;
};

static int g_started, g_rank, g_size = 1, g_collective = 1;
static MPI_Comm g_exit_comm; /* the exit's barrier alone: it cannot match another collective */
static FILE *g_held;         /* tmx_sim_mpi_quiet: this rank's stderr, held back */
static int g_stderr = -1;    /* and the real one */

/* A failure that is this rank's alone: the first line it wrote to stderr reaches the real one as
 * "topomix sim: rank k of R: MESSAGE" (the program's own prefix moved in front). */
static void release_held(void)
{
    if (!g_held || g_stderr < 0) return;
    fflush(stderr);
    rewind(g_held);
    char line[1024];
    if (fgets(line, sizeof line, g_held)) {
        const char *msg = line, *pre = "topomix sim: ";
        if (strncmp(msg, pre, strlen(pre)) == 0) msg += strlen(pre);
        size_t len = strcspn(msg, "\n");
        char out[1200];
        int w = snprintf(out, sizeof out, "topomix sim: rank %d of %d: %.*s\n", g_rank, g_size, (int)len, msg);
        if (w > 0 && write(g_stderr, out, (size_t)w < sizeof out ? (size_t)w : sizeof out - 1) < 0) { /* nothing left to tell */
        }
    }
}

/* ---- the process: start, agreement, end ------------------------------------------------------- */

/* MPI_Finalize waits for every rank: a rank that fails alone would wait there for ranks that wait
 * for it. So a failing rank first waits a bounded time for the others at a barrier of its own
 * communicator: all there (the same failure everywhere, as for bad options), they end normally and
 * rank 0's one message stands; otherwise (or when the failure is known to be this rank's alone),
 * it aborts the job. */
static void on_exit_mpi(int code, void *arg)
{
    (void)arg;
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) return;
    if (code != 0) {
        int done = 0;
        if (g_collective) {
            MPI_Request rq;
            MPI_Ibarrier(g_exit_comm, &rq);
            for (int ms = 0; ms < 5000 && !done; ms++) {
                MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
                if (!done) nanosleep(&(struct timespec){0, 1000000}, NULL);
            }
        }
        if (!done) {
            release_held();
            MPI_Abort(MPI_COMM_WORLD, code);
        }
    } else {
        MPI_Barrier(g_exit_comm); /* a normal end: every rank gets here */
    }
    MPI_Comm_free(&g_exit_comm);
    MPI_Finalize();
}

int tmx_sim_mpi_start(void)
{
    if (g_started) return g_size;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return 1;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) return 1;
    g_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm_dup(MPI_COMM_WORLD, &g_exit_comm);
    on_exit(on_exit_mpi, NULL);
    return g_size;
}

int tmx_sim_mpi_rank(void) { return g_rank; }

void tmx_sim_mpi_quiet(void)
{
    if (!g_started || g_rank == 0) return;
    fflush(stdout);
    fflush(stderr);
    if (!freopen("/dev/null", "w", stdout)) return;
    g_held = tmpfile();
    g_stderr = g_held ? dup(STDERR_FILENO) : -1;
    if (g_stderr < 0 || dup2(fileno(g_held), STDERR_FILENO) < 0) { /* then nothing is held: silence */
        if (g_stderr >= 0) close(g_stderr);
        g_stderr = -1;
        if (!freopen("/dev/null", "w", stderr)) return;
    }
}

void tmx_sim_mpi_collective(int on) { g_collective = on != 0; }

static tmx_status agree_on(MPI_Comm comm, int rank, int size, tmx_status st)
{
    int mine = st == TMX_OK ? size : rank, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size) return TMX_OK;
    struct {
        int code;
        char msg[500];
    } e = {0, ""};
    if (rank == first) {
        e.code = (int)st;
        snprintf(e.msg, sizeof e.msg, "%s%s", first ? "" : "", tmx_last_error());
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, comm);
    if (first == 0) return rank == 0 ? st : tmx__error((tmx_status)e.code, "%s", e.msg);
    return tmx__error((tmx_status)e.code, "rank %d of %d: %s", first, size, e.msg);
}

tmx_status tmx_sim_mpi_agree(tmx_status st)
{
    if (!g_started || g_size == 1) return st;
    return agree_on(MPI_COMM_WORLD, g_rank, g_size, st);
}

tmx_status tmx__mpi_agree(tmx_sim *s, tmx_status st)
{
    if (!s->mpi) return st;
    return agree_on(s->mpi->comm, s->mpi->rank, s->mpi->size, st);
}

int tmx__mpi_root(const tmx_sim *s) { return !s->mpi || s->mpi->rank == 0; }

double tmx_sim_mpi_bytes(const tmx_sim *s, double *halo)
{
    double mine[2] = {0, 0}, all[2] = {0, 0};
    if (s->mpi) {
        mine[0] = s->mpi->sent;
        mine[1] = s->mpi->halo_sent;
        MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_SUM, s->mpi->comm);
    }
    if (halo) *halo = all[1];
    return all[0];
}

/* ---- chains: the one-process order of a sum over the agents ------------------------------------ */

static void chain_recv(tmx__mpi *M, void *buf, int count, MPI_Datatype t)
{
    if (M->rank > 0) MPI_Recv(buf, count, t, M->rank - 1, TAG_CHAIN, M->comm, MPI_STATUS_IGNORE);
}

static void chain_send(tmx__mpi *M, const void *buf, int count, MPI_Datatype t, size_t bytes)
{
    if (M->rank + 1 < M->size) {
        MPI_Send(buf, count, t, M->rank + 1, TAG_CHAIN, M->comm);
        M->sent += (double)bytes;
    }
}

static void chain_bcast(tmx__mpi *M, void *buf, int count, MPI_Datatype t, size_t bytes)
{
    MPI_Bcast(buf, count, t, M->size - 1, M->comm);
    if (M->rank == M->size - 1) M->sent += (double)bytes * (double)(M->size - 1);
}

/* ---- a local view: the CPU backend over this rank's columns ------------------------------------ */

static tmx_sim view_of(const tmx_sim *s)
{
    tmx_sim v = *s;
    v.N = s->ncols;
    v.n = s->mpi->nw;
    return v;
}

/* Local columns among global columns [0, cols). */
static int64_t local_cols(const tmx_sim *s, int64_t cols)
{
    int64_t c = cols - s->col0;
    return c < 0 ? 0 : c > s->ncols ? s->ncols : c;
}

static void mpi_vec_comb(const tmx_sim *s, void *dst, double a, const void *A, double b, const void *B, double c,
                         const void *C)
{
    tmx_sim v = view_of(s);
    tmx__cpu_backend.vec_comb(&v, dst, a, A, b, B, c, C);
}

static void mpi_cols_set(const tmx_sim *s, void *X, double a, double b, const double *vv, int64_t cols)
{
    tmx_sim v = view_of(s);
    tmx__cpu_backend.cols_set(&v, X, a, b, vv, local_cols(s, cols));
}

static void mpi_debias(tmx_sim *s, const void *X, void *Z, const double *w)
{
    tmx_sim v = view_of(s);
    tmx__cpu_debias(&v, X, Z, w + s->col0);
}

/* cpu_cols_mean's sums, chained. */
static void mpi_cols_mean(const tmx_sim *s, const void *X, double *out)
{
    tmx__mpi *M = s->mpi;
    int64_t p = s->p;
    if (M->rank == 0) memset(out, 0, (size_t)p * sizeof *out);
    chain_recv(M, out, (int)p, MPI_DOUBLE);
    tmx__cpu_cols_add(s, X, M->nw, out); /* this rank's workers, in column order */
    chain_send(M, out, (int)p, MPI_DOUBLE, (size_t)p * 8);
    if (M->rank == M->size - 1)
        for (int64_t k = 0; k < p; k++) out[k] /= (double)s->n;
    chain_bcast(M, out, (int)p, MPI_DOUBLE, (size_t)p * 8);
}

/* cpu_consensus's sum, chained. */
static double mpi_consensus(const tmx_sim *s, const void *X, const double *mean)
{
    tmx__mpi *M = s->mpi;
    int64_t p = s->p;
    double cons = 0.0;
    chain_recv(M, &cons, 1, MPI_DOUBLE);
    for (int64_t i = 0; i < M->nw; i++) {
        for (int64_t k = 0; k < p; k++) {
            double dv = (s->f32 ? (double)((const float *)X)[i * p + k] : ((const double *)X)[i * p + k]) - mean[k];
            cons += dv * dv;
        }
    }
    chain_send(M, &cons, 1, MPI_DOUBLE, 8);
    chain_bcast(M, &cons, 1, MPI_DOUBLE, 8);
    return cons;
}

double tmx__mpi_loss(tmx_sim *s, int64_t *correct)
{
    tmx__mpi *M = s->mpi;
    int64_t p = s->p, n = s->n;
    double *b = M->dbuf; /* ∇ (p), loss, correct */
    if (M->rank == 0) memset(b, 0, (size_t)(p + 2) * sizeof *b);
    chain_recv(M, b, (int)(p + 2), MPI_DOUBLE);
    double loss = b[p];
    int64_t ok = (int64_t)b[p + 1];
    for (int64_t i = s->col0; i < s->col0 + M->nw; i++) {
        int64_t mi = s->P->start[i + 1] - s->P->start[i];
        loss += tmx__problem_accumulate(&s->pb, s->xbar, s->P->order + s->P->start[i], mi, 1.0 / (double)n, b, &ok, s->ws);
    }
    b[p] = loss;
    b[p + 1] = (double)ok; /* exact below 2^53 */
    chain_send(M, b, (int)(p + 2), MPI_DOUBLE, (size_t)(p + 2) * 8);
    chain_bcast(M, b, (int)(p + 2), MPI_DOUBLE, (size_t)(p + 2) * 8);
    memcpy(s->gbar, b, (size_t)p * sizeof *b);
    *correct = (int64_t)b[p + 1];
    return b[p];
}

/* ---- gradients ---------------------------------------------------------------------------------- */

static void mpi_gradients(tmx_sim *s, const void *X, void *G, int64_t counter, int adapt, double gamma,
                          double *mean_norm2)
{
    tmx__mpi *M = s->mpi;
    int64_t p = s->p, nw = M->nw, B = s->cfg.batch;
    int want = mean_norm2 != NULL;
    double work = (double)(B ? B : s->P->m / s->n) * (double)s->D->d * (double)nw;
    if (nw > 1 && work > 32768) {
        double per = work / (double)nw;
        int chunk = per >= 16384.0 ? 1 : (int)(16384.0 / (per > 1.0 ? per : 1.0));
#pragma omp parallel for schedule(dynamic, chunk)
        for (int64_t i = 0; i < nw; i++) M->nn[i] = tmx__cpu_grad_agent(s, i, X, G, counter, adapt, gamma, want);
    } else {
        for (int64_t i = 0; i < nw; i++) M->nn[i] = tmx__cpu_grad_agent(s, i, X, G, counter, adapt, gamma, want);
    }
    size_t off = (size_t)(nw * p) * s->esz, len = (size_t)((s->ncols - nw) * p) * s->esz;
    if (len && adapt) memcpy((char *)G + off, (const char *)X + off, len); /* auxiliary nodes */
    else if (len) memset((char *)G + off, 0, len);
    if (!mean_norm2) return;
    double norm2 = 0.0; /* the agents' norms in the one-process order */
    chain_recv(M, &norm2, 1, MPI_DOUBLE);
    for (int64_t i = 0; i < nw; i++) norm2 += M->nn[i];
    chain_send(M, &norm2, 1, MPI_DOUBLE, 8);
    chain_bcast(M, &norm2, 1, MPI_DOUBLE, 8);
    *mean_norm2 = norm2 / (double)s->n;
}

/* ---- exchange plans ----------------------------------------------------------------------------- */

static int owner(const tmx_sim *s, int64_t j) { return (int)(((j + 1) * s->mpi->size - 1) / s->N); }

static void plan_free(plan *pl)
{
    tmx_csr_destroy(&pl->Wl);
    free(pl->src);
    free(pl->sendcols);
    free(pl->runs);
    if (pl->have_graph) MPI_Comm_free(&pl->graph);
    memset(pl, 0, sizeof *pl);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Unique sorted entries of v[0..len) (in place); returns the count. */
static int64_t unique(int64_t *v, int64_t len)
{
    if (len == 0) return 0;
    qsort(v, (size_t)len, sizeof *v, cmp_i64);
    int64_t u = 1;
    for (int64_t q = 1; q < len; q++)
        if (v[q] != v[u - 1]) v[u++] = v[q];
    return u;
}

/* The plan of W (global, the same on every rank) for this rank. */
static tmx_status plan_build(tmx_sim *s, const tmx_csr *W, plan *pl)
{
    tmx__mpi *M = s->mpi;
    int R = M->size, me = M->rank;
    int64_t lo = s->col0, hi = s->col0 + s->ncols;
    plan_free(pl);
    int64_t e0 = W->rowptr[lo], e1 = W->rowptr[hi], nnz = e1 - e0;
    int64_t *halo = malloc((size_t)(nnz + 1) * sizeof *halo);
    pl->src = calloc((size_t)(6 * R + 2), sizeof(int));
    pl->Wl.rowptr = malloc((size_t)(s->ncols + 1) * sizeof(int64_t));
    pl->Wl.col = malloc((size_t)(nnz + 1) * sizeof(int64_t));
    pl->Wl.val = malloc((size_t)(nnz + 1) * sizeof(double));
    if (!halo || !pl->src || !pl->Wl.rowptr || !pl->Wl.col || !pl->Wl.val) {
        free(halo);
        plan_free(pl);
        return tmx__error(TMX_ENOMEM, "sim: out of memory for the MPI exchange plan");
    }
    pl->dst = pl->src + R;
    pl->rcount = pl->dst + R;
    pl->rdisp = pl->rcount + R;
    pl->scount = pl->rdisp + R;
    pl->sdisp = pl->scount + R;
    int64_t nh = 0;
    for (int64_t e = e0; e < e1; e++)
        if (W->col[e] < lo || W->col[e] >= hi) halo[nh++] = W->col[e];
    nh = unique(halo, nh);
    pl->nhalo = nh;
    /* the local CSR: the same entries in the same order, columns renumbered */
    pl->Wl.n = s->ncols;
    pl->Wl.nnz = nnz;
    for (int64_t i = 0; i <= s->ncols; i++) pl->Wl.rowptr[i] = W->rowptr[lo + i] - e0;
    for (int64_t e = e0; e < e1; e++) {
        int64_t j = W->col[e];
        if (j >= lo && j < hi) {
            pl->Wl.col[e - e0] = j - lo;
        } else {
            int64_t *at = bsearch(&j, halo, (size_t)nh, sizeof *halo, cmp_i64);
            pl->Wl.col[e - e0] = s->ncols + (at - halo);
        }
        pl->Wl.val[e - e0] = W->val[e];
    }
    /* the rows' runs, interior ones first */
    if (!(pl->runs = malloc((size_t)(2 * s->ncols + 2) * sizeof *pl->runs))) {
        free(halo);
        plan_free(pl);
        return tmx__error(TMX_ENOMEM, "sim: out of memory for the MPI exchange plan");
    }
    for (int pass = 0; pass < 2; pass++) /* 0: interior runs, 1: boundary runs */
        for (int64_t i = 0; i < s->ncols;) {
            int64_t i0 = i;
            int bd = 0;
            for (int64_t e = pl->Wl.rowptr[i]; e < pl->Wl.rowptr[i + 1]; e++) bd |= pl->Wl.col[e] >= s->ncols;
            for (i++; i < s->ncols; i++) {
                int b = 0;
                for (int64_t e = pl->Wl.rowptr[i]; e < pl->Wl.rowptr[i + 1]; e++) b |= pl->Wl.col[e] >= s->ncols;
                if (b != bd) break;
            }
            if (bd != pass) continue;
            int64_t q = pl->nin + pl->nbd;
            pl->runs[2 * q] = i0;
            pl->runs[2 * q + 1] = i;
            if (pass) pl->nbd++;
            else pl->nin++, pl->rows_in += i - i0;
        }
    /* receives: the halo grouped by owner */
    int *cnt = calloc((size_t)R, sizeof *cnt);
    if (!cnt) {
        free(halo);
        plan_free(pl);
        return tmx__error(TMX_ENOMEM, "sim: out of memory for the MPI exchange plan");
    }
    for (int64_t q = 0; q < nh; q++) cnt[owner(s, halo[q])]++;
    int64_t disp = 0;
    for (int r = 0; r < R; r++)
        if (cnt[r]) {
            pl->src[pl->nsrc] = r;
            pl->rcount[pl->nsrc] = cnt[r];
            pl->rdisp[pl->nsrc] = (int)disp;
            disp += cnt[r];
            pl->nsrc++;
        }
    free(halo);
    /* sends: the columns of mine that each other rank's rows read (W is known everywhere) */
    int64_t cap = 0;
    for (int r = 0; r < R; r++)
        if (r != me) cap += W->rowptr[M->lo[r + 1]] - W->rowptr[M->lo[r]];
    pl->sendcols = malloc((size_t)(cap + 1) * sizeof *pl->sendcols);
    if (!pl->sendcols) {
        free(cnt);
        plan_free(pl);
        return tmx__error(TMX_ENOMEM, "sim: out of memory for the MPI exchange plan");
    }
    int64_t ns = 0;
    for (int r = 0; r < R; r++) {
        if (r == me) continue;
        int64_t start = ns;
        for (int64_t e = W->rowptr[M->lo[r]]; e < W->rowptr[M->lo[r + 1]]; e++)
            if (W->col[e] >= lo && W->col[e] < hi) pl->sendcols[ns++] = W->col[e] - lo;
        ns = start + unique(pl->sendcols + start, ns - start);
        if (ns > start) {
            pl->dst[pl->ndst] = r;
            pl->scount[pl->ndst] = (int)(ns - start);
            pl->sdisp[pl->ndst] = (int)start;
            pl->ndst++;
        }
    }
    pl->nsend = ns;
    free(cnt);
    size_t need = (size_t)ns * (size_t)s->p * s->esz;
    if (need > M->sendcap) {
        void *b = realloc(M->sendbuf, 2 * need);
        if (!b) {
            plan_free(pl);
            return tmx__error(TMX_ENOMEM, "sim: out of memory for the MPI send buffer");
        }
        M->sendbuf = b;
        M->sendcap = need;
    }
    return TMX_OK;
}

/* Grows every state buffer to ncols + hcap columns (the local ones kept). */
static tmx_status grow(tmx_sim *s, int64_t hcap)
{
    tmx__mpi *M = s->mpi;
    if (hcap <= M->hcap) return TMX_OK;
    size_t keep = (size_t)(s->ncols * s->p) * s->esz;
    size_t bytes = tmx__mul_size((size_t)((s->ncols + hcap) * s->p), s->esz);
    for (int b = 0; b < NBUF; b++) {
        if (!s->buf[b]) continue;
        void *nb = s->be->alloc(s, bytes);
        if (!nb)
            return tmx__error(TMX_ENOMEM, "sim: out of memory for %lld halo columns of %lld parameters on rank %d",
                              (long long)hcap, (long long)s->p, M->rank);
        memcpy(nb, s->buf[b], keep);
        s->be->release(s, s->buf[b]);
        s->buf[b] = nb;
    }
    M->hcap = hcap;
    return TMX_OK;
}

/* An exchange in flight: its requests. */
typedef struct xfer {
    MPI_Request req[2 * 64], *rq;
    int nreq;
} xfer;

/* Starts filling the halo columns of buffer `buf` from their owners (slot: which half of the send
 * buffer packs its columns, so that two exchanges may be in flight). */
static void exchange_start(tmx_sim *s, plan *pl, const void *buf, int random, int slot, xfer *x)
{
    tmx__mpi *M = s->mpi;
    size_t cb = (size_t)s->p * s->esz;
    char *base = (char *)(uintptr_t)buf, *sb = (char *)M->sendbuf + (size_t)slot * M->sendcap;
    for (int64_t q = 0; q < pl->nsend; q++) memcpy(sb + (size_t)q * cb, base + (size_t)pl->sendcols[q] * cb, cb);
    char *halo = base + (size_t)s->ncols * cb;
    x->rq = x->req;
    if (!random) {
        if (!pl->have_graph) {
            /* Open MPI declares MPI_UNWEIGHTED an array of size 0, which GCC's -Wstringop-overread
             * takes for a buffer read: laundered through a volatile */
            int *volatile unweighted = MPI_UNWEIGHTED;
            MPI_Dist_graph_create_adjacent(M->comm, pl->nsrc, pl->src, unweighted, pl->ndst, pl->dst, unweighted,
                                           MPI_INFO_NULL, 0, &pl->graph);
            pl->have_graph = 1;
        }
        x->nreq = 1;
        MPI_Ineighbor_alltoallv(sb, pl->scount, pl->sdisp, M->col, halo, pl->rcount, pl->rdisp, M->col, pl->graph,
                                x->rq);
    } else {
        x->nreq = pl->nsrc + pl->ndst;
        if (x->nreq > 2 * 64 && !(x->rq = malloc((size_t)x->nreq * sizeof *x->rq))) MPI_Abort(M->comm, 1);
        for (int q = 0; q < pl->nsrc; q++)
            MPI_Irecv(halo + (size_t)pl->rdisp[q] * cb, pl->rcount[q], M->col, pl->src[q], TAG_HALO + slot, M->comm,
                      &x->rq[q]);
        for (int q = 0; q < pl->ndst; q++)
            MPI_Isend(sb + (size_t)pl->sdisp[q] * cb, pl->scount[q], M->col, pl->dst[q], TAG_HALO + slot, M->comm,
                      &x->rq[pl->nsrc + q]);
    }
    double bytes = (double)pl->nsend * (double)cb;
    M->sent += bytes;
    M->halo_sent += bytes;
}

static void exchange_wait(xfer *x)
{
    MPI_Waitall(x->nreq, x->rq, MPI_STATUSES_IGNORE);
    if (x->rq != x->req) free(x->rq);
    x->nreq = 0;
}

/* Lets the exchanges in flight progress (Open MPI moves a message only inside its calls). */
static void exchange_poke(xfer *x, int nx)
{
    for (int k = 0; k < nx; k++) {
        int done;
        if (x[k].nreq) MPI_Testall(x[k].nreq, x[k].rq, &done, MPI_STATUSES_IGNORE);
    }
}

tmx_status tmx__mpi_prestep(tmx_sim *s)
{
    tmx__mpi *M = s->mpi;
    if (!M || s->ncache > 0 || M->rnd_iter == s->iter) return TMX_OK;
    const tmx_csr *W;
    int64_t msgs;
    tmx_status st = tmx__weights_at(s, s->iter, &W, &msgs);
    if (st == TMX_OK) st = plan_build(s, W, &M->rnd);
    if (st != TMX_OK) return st;
    M->rnd_iter = s->iter;
    return grow(s, M->rnd.nhalo);
}

/* ---- the gossip --------------------------------------------------------------------------------- */

/* The exact statistics of the gossip's output (consensus control reads them): the workers' mean row
 * by row, then the kernel's statistics pass block by block, both chained in the one-process order. */
static void exact_stats(const tmx_sim *s, const void *out, mix_stats *st)
{
    tmx__mpi *M = s->mpi;
    int64_t p = s->p, nw = M->nw;
    MPI_Datatype t = s->f32 ? MPI_FLOAT : MPI_DOUBLE;
    if (s->f32) {
        float *m = M->tbuf;
        if (M->rank == 0) memset(m, 0, (size_t)p * sizeof *m);
        chain_recv(M, m, (int)p, t);
        for (int64_t i = 0; i < nw; i++)
            for (int64_t r = 0; r < p; r++) m[r] += ((const float *)out)[i * p + r];
        chain_send(M, m, (int)p, t, (size_t)p * 4);
        if (M->rank == M->size - 1) {
            float inv = 1.0f / (float)s->n;
            for (int64_t r = 0; r < p; r++) m[r] *= inv;
        }
    } else {
        double *m = M->tbuf;
        if (M->rank == 0) memset(m, 0, (size_t)p * sizeof *m);
        chain_recv(M, m, (int)p, t);
        for (int64_t i = 0; i < nw; i++)
            for (int64_t r = 0; r < p; r++) m[r] += ((const double *)out)[i * p + r];
        chain_send(M, m, (int)p, t, (size_t)p * 8);
        if (M->rank == M->size - 1) {
            double inv = 1.0 / (double)s->n;
            for (int64_t r = 0; r < p; r++) m[r] *= inv;
        }
    }
    chain_bcast(M, M->tbuf, (int)p, t, (size_t)p * s->esz);
    /* the segments: blocks of bs rows, each in chunks of at most 4096 (as mix_rows) */
    int64_t bs = tmx__cpu_mix_block(s), q = 0;
    double *seg = M->seg;
    if (M->rank == 0) memset(seg, 0, (size_t)(2 * M->nseg) * sizeof *seg);
    chain_recv(M, seg, (int)(2 * M->nseg), MPI_DOUBLE);
    for (int64_t r0 = 0; r0 < p; r0 += bs) {
        int64_t len = r0 + bs <= p ? bs : p - r0;
        for (int64_t c0 = 0; c0 < len; c0 += 4096, q++) {
            int64_t cl = len - c0 < 4096 ? len - c0 : 4096;
            tmx__cpu_mix_stats(s, out, s->ncols, nw, r0 + c0, cl, (const char *)M->tbuf + (size_t)(r0 + c0) * s->esz,
                               &seg[2 * q], &seg[2 * q + 1]);
        }
    }
    chain_send(M, seg, (int)(2 * M->nseg), MPI_DOUBLE, (size_t)(16 * M->nseg));
    double tot[2] = {0.0, 0.0};
    if (M->rank == M->size - 1)
        for (q = 0; q < M->nseg; q++) tot[0] += seg[2 * q], tot[1] += seg[2 * q + 1];
    chain_bcast(M, tot, 2, MPI_DOUBLE, 16);
    st->consensus = tot[0] / (double)s->n;
    st->sumsq = tot[1];
}

static plan *plan_of(tmx_sim *s, const tmx_csr *W, int *random)
{
    tmx__mpi *M = s->mpi;
    *random = 0;
    if (s->ncache > 0 && W >= s->Wcache && W < s->Wcache + s->ncache) return &M->plans[W - s->Wcache];
    *random = 1;
    if (M->rnd_iter != s->iter) { /* not prepared by tmx__mpi_prestep (a benchmark hook's call) */
        if (plan_build(s, W, &M->rnd) != TMX_OK || M->rnd.nhalo > M->hcap) MPI_Abort(M->comm, 1);
        M->rnd_iter = s->iter;
    }
    return &M->rnd;
}

/* The rows of W's local part in [i0, i1): the CPU kernel over them (out's columns from i0 on). */
static double mix_run(tmx_sim *s, const tmx_csr *Wl, int64_t i0, int64_t i1, const void *in, const void *g,
                      double gamma, void *out)
{
    size_t cb = (size_t)s->p * s->esz;
    tmx_csr part = {.n = i1 - i0, .nnz = Wl->rowptr[i1] - Wl->rowptr[i0], .rowptr = Wl->rowptr + i0, .col = Wl->col,
                    .val = Wl->val};
    int64_t nw = s->mpi->nw - i0;
    mix_stats loc;
    /* rowptr keeps its offsets into col and val: the kernel reads entries rowptr[i] .. rowptr[i+1] */
    tmx__cpu_mix_range(s, &part, in, g, gamma, (char *)out + (size_t)i0 * cb, i1 - i0, nw < 0 ? 0 : nw, &loc);
    return loc.sumsq;
}

/* The gossip over this rank's rows. With rows that read local columns alone, the halo's exchange
 * starts, those rows are computed while it travels, then the rows that read the halo: each row's
 * terms in the same order as one process's, so the output is the same bit for bit. */
static void mpi_mix_axpy(const tmx_sim *cs, const tmx_csr *W, const void *in, const void *g, double gamma, void *out,
                         mix_stats *st)
{
    tmx_sim *s = (tmx_sim *)(uintptr_t)cs; /* the plans and counters live in s->mpi */
    tmx__mpi *M = s->mpi;
    double sumsq = 0.0;
    if (!W) {
        mix_stats loc;
        tmx__cpu_mix_range(s, NULL, in, g, gamma, out, s->ncols, M->nw, &loc);
        sumsq = loc.sumsq;
    } else {
        int random;
        plan *pl = plan_of(s, W, &random);
        xfer x[2] = {{.nreq = 0}, {.nreq = 0}};
        exchange_start(s, pl, in, random, 0, &x[0]);
        if (g) exchange_start(s, pl, g, random, 1, &x[1]);
        /* Worth it for a few runs (a ring, a banded graph; many short ones, as a random matching's,
         * would cost more in kernel calls than it hides) and a halo of 64 KiB or more: smaller ones
         * travel eagerly, delivered by the time the exchange starts, and on this machine (two
         * shared cores) the pieces and tests cost about 10% of a step with a tiny halo
         * (tests/bench/bench_mpi.sh) */
        int worth = pl->rows_in > 0 && pl->nin + pl->nbd <= 64 &&
                    (M->overlap == 1 || (M->overlap < 0 && (double)pl->nhalo * (double)s->p * (double)s->esz >= 65536.0));
        if (worth) {
            /* in about 4 pieces, testing the exchange between them: Open MPI moves a large message
             * (a rendezvous) only inside its calls */
            int64_t piece = (pl->rows_in + 3) / 4;
            for (int64_t q = 0; q < pl->nin; q++)
                for (int64_t i0 = pl->runs[2 * q]; i0 < pl->runs[2 * q + 1]; i0 += piece) {
                    int64_t i1 = i0 + piece < pl->runs[2 * q + 1] ? i0 + piece : pl->runs[2 * q + 1];
                    sumsq += mix_run(s, &pl->Wl, i0, i1, in, g, gamma, out);
                    exchange_poke(x, 2);
                }
            exchange_wait(&x[0]);
            if (g) exchange_wait(&x[1]);
            for (int64_t q = pl->nin; q < pl->nin + pl->nbd; q++)
                sumsq += mix_run(s, &pl->Wl, pl->runs[2 * q], pl->runs[2 * q + 1], in, g, gamma, out);
        } else {
            exchange_wait(&x[0]);
            if (g) exchange_wait(&x[1]);
            mix_stats loc;
            tmx__cpu_mix_range(s, &pl->Wl, in, g, gamma, out, s->ncols, M->nw, &loc);
            sumsq = loc.sumsq;
        }
    }
    if (s->cfg.control != TMX_CONTROL_NONE) {
        exact_stats(s, out, st);
    } else { /* the sum of squares serves the divergence check alone: any order */
        st->consensus = NAN;
        MPI_Allreduce(&sumsq, &st->sumsq, 1, MPI_DOUBLE, MPI_SUM, M->comm);
        M->sent += 8.0;
    }
}

static tmx__backend mpi_backend;

/* ---- set-up ------------------------------------------------------------------------------------ */

tmx_status tmx__mpi_attach(tmx_sim *s)
{
    s->col0 = 0;
    s->ncols = s->N;
    if (!g_started || g_size == 1) return TMX_OK;
    if (s->cfg.algo == TMX_ALGO_ADPSGD)
        return tmx__error(TMX_EUNSUP, "--algo adpsgd runs in one process (its events are ordered across all agents); "
                                      "run it without mpirun");
    if (s->cfg.device != TMX_DEVICE_CPU)
        return tmx__error(TMX_EUNSUP, "--device gpu runs in one process; under mpirun (%d ranks) the simulator uses the CPU",
                          g_size);
    if ((int64_t)g_size > s->n)
        return tmx__error(TMX_EINVAL, "mpirun -np %d: more ranks than the %lld agents (at most one rank per agent)", g_size,
                          (long long)s->n);
    tmx__mpi *M = calloc(1, sizeof *M);
    if (!M || !(M->lo = malloc((size_t)(g_size + 1) * sizeof *M->lo))) {
        free(M);
        return tmx__error(TMX_ENOMEM, "sim: out of memory");
    }
    M->comm = MPI_COMM_WORLD;
    M->rank = g_rank;
    M->size = g_size;
    M->rnd_iter = -1;
    M->col = MPI_DATATYPE_NULL;
    const char *ov = getenv("TOPOMIX_MPI_OVERLAP"); /* 0 or 1 force it (tests, benchmarks) */
    M->overlap = ov && strcmp(ov, "0") == 0 ? 0 : ov && strcmp(ov, "1") == 0 ? 1 : -1;
    for (int r = 0; r <= g_size; r++) M->lo[r] = (int64_t)r * s->N / g_size;
    s->col0 = M->lo[g_rank];
    s->ncols = M->lo[g_rank + 1] - s->col0;
    int64_t nw = s->n - s->col0;
    M->nw = nw < 0 ? 0 : nw > s->ncols ? s->ncols : nw;
    s->mpi = M;
    const tmx_partition *P = s->P;
    int mine = s->D->m != P->m;
    MPI_Allreduce(&mine, &M->any_sharded, 1, MPI_INT, MPI_MAX, M->comm);
    if (!mine) return TMX_OK; /* the whole dataset, as in one process */
    int64_t a0 = s->col0 < s->n ? s->col0 : s->n, r0 = P->start[a0], r1 = P->start[a0 + M->nw];
    if (s->D->m != r1 - r0)
        return tmx__error(TMX_EINVAL, "sim: rank %d holds %lld samples, neither the whole dataset's %lld nor its agents' %lld",
                          M->rank, (long long)s->D->m, (long long)P->m, (long long)(r1 - r0));
    M->Ploc.n = P->n;
    M->Ploc.m = P->m;
    M->Ploc.start = malloc((size_t)(P->n + 1) * sizeof *M->Ploc.start);
    M->Ploc.order = malloc((size_t)(r1 - r0 + 1) * sizeof *M->Ploc.order);
    if (!M->Ploc.start || !M->Ploc.order) return tmx__error(TMX_ENOMEM, "sim: out of memory");
    for (int64_t i = 0; i <= P->n; i++) {
        int64_t v = P->start[i] - r0;
        M->Ploc.start[i] = v < 0 ? 0 : v > r1 - r0 ? r1 - r0 : v;
    }
    for (int64_t j = 0; j < r1 - r0; j++) M->Ploc.order[j] = j;
    M->sharded = 1;
    M->Pg = P;
    s->P = &M->Ploc;
    return TMX_OK;
}

tmx_status tmx__mpi_setup(tmx_sim *s)
{
    tmx__mpi *M = s->mpi;
    if (!M) return TMX_OK;
    int64_t p = s->p, hmax = 0;
    M->nn = malloc((size_t)(M->nw + 1) * sizeof *M->nn);
    M->tbuf = malloc((size_t)p * s->esz);
    M->dbuf = malloc((size_t)(p + 2) * sizeof *M->dbuf);
    int64_t bs = tmx__cpu_mix_block(s);
    for (int64_t r0 = 0; r0 < p; r0 += bs) M->nseg += ((r0 + bs <= p ? bs : p - r0) + 4095) / 4096;
    M->seg = malloc((size_t)(2 * M->nseg + 2) * sizeof *M->seg);
    M->plans = s->ncache ? calloc((size_t)s->ncache, sizeof *M->plans) : NULL;
    if (!M->nn || !M->tbuf || !M->dbuf || !M->seg || (s->ncache && !M->plans))
        return tmx__error(TMX_ENOMEM, "sim: out of memory");
    if (p > INT32_MAX / 2) return tmx__error(TMX_EUNSUP, "sim: under MPI the model size is at most %d", INT32_MAX / 2);
    for (int64_t q = 0; q < s->ncache; q++) {
        tmx_status st = plan_build(s, &s->Wcache[q], &M->plans[q]);
        if (st != TMX_OK) return st;
        if (M->plans[q].nhalo > hmax) hmax = M->plans[q].nhalo;
    }
    tmx_status st = grow(s, hmax);
    if (st != TMX_OK) return st;
    MPI_Type_contiguous((int)p, s->f32 ? MPI_FLOAT : MPI_DOUBLE, &M->col);
    MPI_Type_commit(&M->col);
    mpi_backend = *s->be; /* memory and the rest: the CPU backend's */
    mpi_backend.name = "cpu-mpi";
    mpi_backend.gradients = mpi_gradients;
    mpi_backend.mix_axpy = mpi_mix_axpy;
    mpi_backend.vec_comb = mpi_vec_comb;
    mpi_backend.cols_mean = mpi_cols_mean;
    mpi_backend.cols_set = mpi_cols_set;
    mpi_backend.consensus = mpi_consensus;
    mpi_backend.debias = mpi_debias;
    s->be = &mpi_backend;
    return TMX_OK;
}

void tmx__mpi_free(tmx_sim *s)
{
    tmx__mpi *M = s->mpi;
    if (!M) return;
    for (int64_t q = 0; M->plans && q < s->ncache; q++) plan_free(&M->plans[q]);
    plan_free(&M->rnd);
    if (M->col != MPI_DATATYPE_NULL) MPI_Type_free(&M->col);
    free(M->plans);
    free(M->lo);
    free(M->nn);
    free(M->tbuf);
    free(M->dbuf);
    free(M->seg);
    free(M->sendbuf);
    if (M->sharded) s->P = M->Pg;
    tmx_partition_destroy(&M->Ploc);
    free(M);
    s->mpi = NULL;
}

/* ---- data: what a rank holds, and the whole dataset's hash ------------------------------------ */

const tmx_partition *tmx__mpi_partition(const tmx_sim *s) { return s->mpi && s->mpi->sharded ? s->mpi->Pg : s->P; }

/* The CRC-32 of A's m rows then y's m labels, the whole dataset's bytes, from the ranks' rows: each
 * rank hashes its rows one by one, rank 0 receives the hashes in rank order — the order of the
 * partition's samples — and chains them in the samples' order (zlib's crc32_combine). */
int tmx__mpi_data_crc(tmx_sim *s, unsigned long *crc)
{
    tmx__mpi *M = s->mpi;
    if (!M || !M->any_sharded) return 0;
    const tmx_partition *P = tmx__mpi_partition(s);
    int64_t d = s->D->d, m = P->m, a0 = s->col0 < s->n ? s->col0 : s->n, r0 = P->start[a0];
    int64_t ml = P->start[a0 + M->nw] - r0; /* this rank's samples, in the partition's order */
    unsigned *mine = malloc((size_t)(2 * ml + 2) * sizeof *mine), *all = NULL;
    int *cnt = malloc((size_t)M->size * sizeof *cnt), *disp = malloc((size_t)M->size * sizeof *disp);
    if (M->rank == 0) all = malloc((size_t)(4 * m + 2) * sizeof *all);
    if (!mine || !cnt || !disp || (M->rank == 0 && !all)) MPI_Abort(M->comm, 1);
    for (int64_t j = 0; j < ml; j++) {
        int64_t row = M->sharded ? j : P->order[r0 + j]; /* a rank holding the whole dataset: in its order */
        mine[2 * j] = (unsigned)crc32(0L, (const Bytef *)(s->D->A + row * d), (uInt)((size_t)d * sizeof(double)));
        mine[2 * j + 1] = (unsigned)crc32(0L, (const Bytef *)(s->D->y + row), (uInt)sizeof(double));
    }
    for (int r = 0, at = 0; r < M->size; r++) {
        int64_t b0 = M->lo[r] < s->n ? M->lo[r] : s->n, b1 = M->lo[r + 1] < s->n ? M->lo[r + 1] : s->n;
        cnt[r] = (int)(2 * (P->start[b1] - P->start[b0]));
        disp[r] = at;
        at += cnt[r];
    }
    MPI_Gatherv(mine, (int)(2 * ml), MPI_UNSIGNED, all, cnt, disp, MPI_UNSIGNED, 0, M->comm);
    if (M->rank != 0) M->sent += (double)ml * 8.0;
    unsigned long c = crc32(0L, Z_NULL, 0);
    if (M->rank == 0) {
        unsigned *ca = all + 2 * m, *cy = all + 3 * m; /* the hashes in the samples' order */
        for (int64_t k = 0; k < m; k++) {
            ca[P->order[k]] = all[2 * k];
            cy[P->order[k]] = all[2 * k + 1];
        }
        uLong opa = crc32_combine_gen((z_off_t)((size_t)d * sizeof(double))), opy = crc32_combine_gen((z_off_t)sizeof(double));
        for (int64_t g = 0; g < m; g++) c = crc32_combine_op(c, ca[g], opa);
        for (int64_t g = 0; g < m; g++) c = crc32_combine_op(c, cy[g], opy);
    }
    MPI_Bcast(&c, 1, MPI_UNSIGNED_LONG, 0, M->comm);
    if (M->rank == 0) M->sent += 8.0 * (double)(M->size - 1);
    free(mine);
    free(cnt);
    free(disp);
    free(all);
    *crc = c;
    return 1;
}

double tmx_sim_mpi_data_bytes(const tmx_sim *s, double *least, double *whole)
{
    const tmx_dataset *D = s->D;
    const tmx_partition *P = tmx__mpi_partition(s);
    double mine = (double)D->m * (double)(D->d + 1) * 8.0 + (s->Af ? (double)D->m * (double)D->d * 4.0 : 0.0) +
                  (double)(P->m + P->n + 1) * 8.0, most = mine, lo = mine;
    if (s->mpi && s->mpi->sharded) mine += (double)(s->mpi->Ploc.start[P->n] + P->n + 1) * 8.0, most = lo = mine;
    if (s->mpi) {
        MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, s->mpi->comm);
        MPI_Allreduce(&mine, &lo, 1, MPI_DOUBLE, MPI_MIN, s->mpi->comm);
    }
    if (least) *least = lo;
    if (whole) *whole = (double)P->m * (double)(D->d + 1) * 8.0;
    return most;
}

void tmx_sim_mpi_agents(int64_t n, int64_t aux, int64_t *first, int64_t *end)
{
    int64_t N = n + aux, lo = (int64_t)g_rank * N / g_size, hi = (int64_t)(g_rank + 1) * N / g_size;
    *first = lo < n ? lo : n;
    *end = hi < n ? hi : n;
}

/* ---- checkpoints -------------------------------------------------------------------------------- */

void tmx__mpi_gather_cols(tmx_sim *s, const void *buf, void (*put)(void *ctx, const void *p, size_t bytes), void *ctx)
{
    tmx__mpi *M = s->mpi;
    size_t cb = (size_t)s->p * s->esz, piece = (size_t)1 << 26;
    if (M->rank != 0) {
        size_t total = (size_t)s->ncols * cb;
        for (size_t off = 0; off < total; off += piece) {
            int len = (int)(total - off < piece ? total - off : piece);
            MPI_Send((const char *)buf + off, len, MPI_BYTE, 0, TAG_CKPT, M->comm);
            M->sent += len;
        }
        return;
    }
    put(ctx, buf, (size_t)s->ncols * cb);
    size_t most = 0;
    for (int r = 1; r < M->size; r++) {
        size_t t = (size_t)(M->lo[r + 1] - M->lo[r]) * cb;
        if (t > most) most = t;
    }
    char *tmp = malloc(most < piece ? (most ? most : 1) : piece);
    if (!tmp) MPI_Abort(M->comm, 1);
    for (int r = 1; r < M->size; r++) {
        size_t total = (size_t)(M->lo[r + 1] - M->lo[r]) * cb;
        for (size_t off = 0; off < total; off += piece) {
            int len = (int)(total - off < piece ? total - off : piece);
            MPI_Recv(tmp, len, MPI_BYTE, r, TAG_CKPT, M->comm, MPI_STATUS_IGNORE);
            put(ctx, tmp, (size_t)len);
        }
    }
    free(tmp);
}

#else /* no MPI in this build: one process, always */

int tmx_sim_mpi_start(void) { return 1; }
int tmx_sim_mpi_rank(void) { return 0; }
void tmx_sim_mpi_quiet(void) {}
void tmx_sim_mpi_collective(int on) { (void)on; }
tmx_status tmx_sim_mpi_agree(tmx_status st) { return st; }
double tmx_sim_mpi_bytes(const tmx_sim *s, double *halo)
{
    (void)s;
    if (halo) *halo = 0.0;
    return 0.0;
}
tmx_status tmx__mpi_attach(tmx_sim *s)
{
    s->col0 = 0;
    s->ncols = s->N;
    return TMX_OK;
}
tmx_status tmx__mpi_setup(tmx_sim *s) { (void)s; return TMX_OK; }
const tmx_partition *tmx__mpi_partition(const tmx_sim *s) { return s->P; }
int tmx__mpi_data_crc(tmx_sim *s, unsigned long *crc)
{
    (void)s;
    (void)crc;
    return 0;
}
double tmx_sim_mpi_data_bytes(const tmx_sim *s, double *least, double *whole)
{
    double b = (double)s->D->m * (double)(s->D->d + 1) * 8.0 + (s->Af ? (double)s->D->m * (double)s->D->d * 4.0 : 0.0) +
               (double)(s->P->m + s->P->n + 1) * 8.0;
    if (least) *least = b;
    if (whole) *whole = (double)s->P->m * (double)(s->D->d + 1) * 8.0;
    return b;
}
void tmx_sim_mpi_agents(int64_t n, int64_t aux, int64_t *first, int64_t *end)
{
    (void)aux;
    *first = 0;
    *end = n;
}
tmx_status tmx__mpi_agree(tmx_sim *s, tmx_status st) { (void)s; return st; }
tmx_status tmx__mpi_prestep(tmx_sim *s) { (void)s; return TMX_OK; }
double tmx__mpi_loss(tmx_sim *s, int64_t *correct)
{
    (void)s;
    *correct = 0;
    return NAN;
}
void tmx__mpi_free(tmx_sim *s) { (void)s; }
int tmx__mpi_root(const tmx_sim *s) { (void)s; return 1; }
void tmx__mpi_gather_cols(tmx_sim *s, const void *buf, void (*put)(void *ctx, const void *p, size_t bytes), void *ctx)
{
    put(ctx, buf, (size_t)s->ncols * (size_t)s->p * s->esz);
}

#endif
