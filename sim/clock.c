/* topomix simulator — the simulated wall-clock (docs/definitions.md §15).
 *
 * Every node i keeps t_i, the simulated second at which it is ready to start its next local step.
 * A step's compute time c_i^(k) is a draw of the compute-time distribution from a counter-based
 * hash of (seed, i, k), times the node's slowdown, so a run's clock depends on its seed alone and a
 * checkpoint holds only the t_i and two sums. Synchronous gossip needs no global barrier: node i
 * starts step k + 1 once it and its in-neighbours of W^(k) have finished step k,
 *     t_i ← max_{j ∈ N_i ∪ {i}} (t_j + c_j) + g_i,   g_i = max(indeg_i, outdeg_i)·(α + S/B)
 * (a max-plus recursion, one pass over W's nonzeros). All-Reduce steps are a barrier then a ring
 * All-Reduce, 2(n−1)(α + S/(nB)); steps without communication cost their compute only. The same
 * draws (tmx__clock_draw) serve an event-driven algorithm: node i's k-th local gradient takes
 * tmx__clock_draw(s, i, k) whatever happens around it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* The fourth hash word of the compute-time stream: far above the minibatch slots (< 2^24), so the
 * draws are independent of the minibatch rows of the same (seed, node, iteration). */
#define CLOCK_SLOT UINT64_C(0x436c6f636b000000) /* "Clock" */
/* The counter of gradient tracking's initial gradient y_0 = g(x_0), outside every step index. */
#define CLOCK_INIT_STEP UINT64_MAX

/* A uniform number in (0, 1) from the top 53 bits of a hash. */
static double unit(uint64_t h) { return ((double)(h >> 11) + 0.5) / 9007199254740992.0; }

static double draw_at(const tmx_sim *s, int64_t i, uint64_t k)
{
    const tmx_sim_config *c = &s->cfg;
    double f = s->clk.slow[i], T = c->compute_a;
    if (f == 0.0) return 0.0;
    switch (c->compute) {
    case TMX_COMPUTE_EXP: return f * -T * log(unit(tmx__hash4(c->seed, (uint64_t)i, k, CLOCK_SLOT)));
    case TMX_COMPUTE_LOGNORMAL: { /* mean T: exp(σZ − σ²/2) has mean 1; Z by Box–Muller */
        double sg = c->compute_b, u1 = unit(tmx__hash4(c->seed, (uint64_t)i, k, CLOCK_SLOT)),
               u2 = unit(tmx__hash4(c->seed, (uint64_t)i, k, CLOCK_SLOT + 1));
        double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
        return f * T * exp(sg * z - 0.5 * sg * sg);
    }
    case TMX_COMPUTE_UNIFORM:
        return f * (T + (c->compute_b - T) * unit(tmx__hash4(c->seed, (uint64_t)i, k, CLOCK_SLOT)));
    default: return f * T;
    }
}

double tmx__clock_draw(const tmx_sim *s, int64_t i, int64_t k) { return draw_at(s, i, (uint64_t)k); }

double tmx_sim_compute_time(const tmx_sim *s, int64_t i, int64_t k)
{
    if (!s || i < 0 || i >= s->N || k < 0) return NAN;
    return draw_at(s, i, (uint64_t)k);
}

double tmx_sim_time(const tmx_sim *s) { return tmx__clock_now(s); }

double tmx_sim_node_time(const tmx_sim *s, int64_t i) { return i >= 0 && i < s->N ? s->clk.t[i] : NAN; }

void tmx_sim_clock_skip(tmx_sim *s, int skip) { s->clk.skip = skip != 0; }

/* ---- options ---------------------------------------------------------------------------------- */

/* A finite number filling [s, end) exactly. */
static int number(const char *s, const char *end, double *out)
{
    char buf[64], *stop;
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    *out = strtod(buf, &stop);
    return stop == buf + len && isfinite(*out) && errno != ERANGE;
}

tmx_status tmx_compute_time_parse(const char *s, tmx_sim_config *cfg)
{
    static const char *const forms = "T, exp:T, lognormal:T,SIGMA or uniform:A,B (seconds)";
    if (!s) return tmx__error(TMX_EINVAL, "--compute-time expects %s", forms);
    const char *colon = strchr(s, ':'), *end = s + strlen(s);
    tmx_compute_dist d = TMX_COMPUTE_CONST;
    const char *args = s;
    if (colon) {
        size_t len = (size_t)(colon - s);
        if (len == 3 && !strncmp(s, "exp", 3)) d = TMX_COMPUTE_EXP;
        else if (len == 9 && !strncmp(s, "lognormal", 9)) d = TMX_COMPUTE_LOGNORMAL;
        else if (len == 7 && !strncmp(s, "uniform", 7)) d = TMX_COMPUTE_UNIFORM;
        else return tmx__error(TMX_EINVAL, "--compute-time: unknown distribution '%.*s' (expects %s)", (int)len, s, forms);
        args = colon + 1;
    }
    const char *comma = strchr(args, ',');
    int two = d == TMX_COMPUTE_LOGNORMAL || d == TMX_COMPUTE_UNIFORM;
    double a = 0.0, b = 0.0;
    if (two != (comma != NULL) || !number(args, two ? comma : end, &a) || (two && !number(comma + 1, end, &b)))
        return tmx__error(TMX_EINVAL, "--compute-time expects %s, got '%s'", forms, s);
    if (d == TMX_COMPUTE_UNIFORM) {
        if (!(a >= 0.0 && a <= b))
            return tmx__error(TMX_EINVAL, "--compute-time uniform:A,B needs 0 <= A <= B, got '%s'", s);
    } else if (!(a >= 0.0)) {
        return tmx__error(TMX_EINVAL, "--compute-time: the mean T must be >= 0, got '%s'", s);
    }
    if (d == TMX_COMPUTE_LOGNORMAL && !(b >= 0.0))
        return tmx__error(TMX_EINVAL, "--compute-time lognormal:T,SIGMA needs SIGMA >= 0, got '%s'", s);
    cfg->compute = d;
    cfg->compute_a = a;
    cfg->compute_b = b;
    return TMX_OK;
}

tmx_status tmx__clock_validate(const tmx_sim_config *c, int64_t n)
{
    if ((unsigned)c->compute > TMX_COMPUTE_UNIFORM) return tmx__error(TMX_EINVAL, "unknown compute-time distribution");
    double a = c->compute_a, b = c->compute_b;
    if (!isfinite(a) || !isfinite(b) || !(a >= 0.0) ||
        (c->compute == TMX_COMPUTE_UNIFORM && !(a <= b)) || (c->compute == TMX_COMPUTE_LOGNORMAL && !(b >= 0.0)))
        return tmx__error(TMX_EINVAL, "--compute-time: parameters out of range (T >= 0; SIGMA >= 0; 0 <= A <= B)");
    if (!(c->latency >= 0.0) || !isfinite(c->latency))
        return tmx__error(TMX_EINVAL, "--latency must be a finite number >= 0, got %g", c->latency);
    if (!(c->bandwidth > 0.0) || !isfinite(c->bandwidth))
        return tmx__error(TMX_EINVAL, "--bandwidth must be a finite number > 0, got %g", c->bandwidth);
    if (!isfinite(c->message_bytes)) return tmx__error(TMX_EINVAL, "--message-bytes must be finite");
    if (c->slowdown)
        for (int64_t i = 0; i < n; i++)
            if (!(c->slowdown[i] > 0.0) || !isfinite(c->slowdown[i]))
                return tmx__error(TMX_EINVAL, "--slow: node %lld's factor must be a finite number > 0, got %g", (long long)i,
                                  c->slowdown[i]);
    return TMX_OK;
}

/* ---- state ------------------------------------------------------------------------------------ */

/* deg[i] ← max(indeg_i, outdeg_i) over the off-diagonal nonzeros of W (the messages node i receives
 * and sends in one round, one at a time per direction). */
static void degrees(const tmx_csr *W, int32_t *deg)
{
    int64_t n = W->n;
    memset(deg, 0, (size_t)n * sizeof *deg);
    for (int64_t i = 0; i < n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            if (W->col[e] != i && W->val[e] != 0.0) deg[W->col[e]]++; /* out-degrees first */
    for (int64_t i = 0; i < n; i++) {
        int32_t in = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) in += W->col[e] != i && W->val[e] != 0.0;
        if (in > deg[i]) deg[i] = in;
    }
}

/* W is J = 11ᵀ/N: every entry present and equal (coop's A(τ, J, v) is an All-Reduce). */
static int is_average(const tmx_csr *W)
{
    if (W->nnz != W->n * W->n) return 0;
    for (int64_t e = 0; e < W->nnz; e++)
        if (W->val[e] != W->val[0]) return 0;
    return 1;
}

tmx_status tmx__clock_init(tmx_sim *s)
{
    tmx__clock *k = &s->clk;
    const tmx_sim_config *c = &s->cfg;
    int64_t N = s->N;
    double S = c->message_bytes < 0 ? (double)s->p * (double)s->esz : c->message_bytes;
    k->msg = c->latency + S / c->bandwidth;
    k->allreduce = N > 1 ? 2.0 * (double)(N - 1) * (c->latency + S / ((double)N * c->bandwidth)) : 0.0;
    size_t nn = (size_t)N;
    k->slow = malloc(nn * sizeof *k->slow);
    k->t = calloc(nn, sizeof *k->t);
    k->c = calloc(nn, sizeof *k->c);
    k->fin = malloc(nn * sizeof *k->fin);
    if (!k->slow || !k->t || !k->c || !k->fin) return tmx__error(TMX_ENOMEM, "sim: out of memory for the clock");
    for (int64_t i = 0; i < N; i++) k->slow[i] = i < s->n ? (c->slowdown ? c->slowdown[i] : 1.0) : 0.0;
    if (s->ncache > 0) {
        k->deg = malloc((size_t)s->ncache * nn * sizeof *k->deg);
        k->is_J = malloc((size_t)s->ncache);
        k->gsum = malloc((size_t)(2 * s->ncache) * sizeof *k->gsum);
        k->deg_uni = malloc((size_t)s->ncache * sizeof *k->deg_uni);
        if (!k->deg || !k->is_J || !k->gsum || !k->deg_uni)
            return tmx__error(TMX_ENOMEM, "sim: out of memory for the clock");
        for (int64_t q = 0; q < 2 * s->ncache; q++) k->gsum[q] = NAN;
        for (int64_t q = 0; q < s->ncache; q++) {
            const int32_t *dq = k->deg + q * N;
            degrees(&s->Wcache[q], k->deg + q * N);
            k->is_J[q] = (unsigned char)is_average(&s->Wcache[q]);
            k->deg_uni[q] = dq[0];
            for (int64_t i = 1; i < N && k->deg_uni[q] >= 0; i++)
                if (dq[i] != dq[0]) k->deg_uni[q] = -1;
        }
    } else if (!(k->deg_rand = malloc(nn * sizeof *k->deg_rand))) {
        return tmx__error(TMX_ENOMEM, "sim: out of memory for the clock");
    }
    return TMX_OK;
}

void tmx__clock_free(tmx__clock *k)
{
    free(k->slow);
    free(k->t);
    free(k->c);
    free(k->fin);
    free(k->deg);
    free(k->gsum);
    free(k->deg_uni);
    free(k->deg_rand);
    free(k->is_J);
}

/* ---- the recursion ---------------------------------------------------------------------------- */

/* From this many nodes on, the clock's per-node loops run on the simulator's threads (each entry is
 * computed alone, so the values do not depend on it; the sums stay sequential, in node order). */
#define CLOCK_PAR_N 65536

/* (A parallel region with a false if clause would allocate a team at every call: see cpu_vec_comb.) */
static inline void draw_one(tmx_sim *s, int64_t i, int64_t k, int extra)
{
    double c = draw_at(s, i, (uint64_t)k);
    if (extra) c += draw_at(s, i, CLOCK_INIT_STEP);
    s->clk.c[i] = c;
}

void tmx__clock_draws(tmx_sim *s, int64_t k, int extra)
{
    /* constant compute times are the same every step: drawn once (until an extra step is added) */
    int constant = s->cfg.compute == TMX_COMPUTE_CONST && !extra;
    if (constant && s->clk.c_const) return;
    s->clk.c_const = constant;
    s->clk.csum_ok = 0;
    if (s->N >= CLOCK_PAR_N && s->nthreads > 1) {
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < s->N; i++) draw_one(s, i, k, extra);
    } else {
        for (int64_t i = 0; i < s->N; i++) draw_one(s, i, k, extra);
    }
    s->clk.c_uni = constant;
    for (int64_t i = 1; i < s->N && s->clk.c_uni; i++) s->clk.c_uni = s->clk.c[i] == s->clk.c[0];
}

/* t_0 when every node's clock reads the same (then a step whose compute times and message counts
 * are the same everywhere keeps it so), else NaN. */
static double uniform_time(const tmx__clock *k, int64_t N)
{
    double t0 = k->t[0];
    for (int64_t i = 1; i < N; i++)
        if (k->t[i] != t0) return NAN;
    return t0;
}

/* Node i's gossip transition: t_i ← max over its in-neighbours j (W_ij ≠ 0) and itself of fin_j,
 * plus its messages. */
static inline void gossip_one(tmx__clock *k, const tmx_csr *W, const int32_t *deg, double m1, int64_t i)
{
    double m = k->fin[i];
    for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
        int64_t j = W->col[e];
        if (W->val[e] != 0.0 && k->fin[j] > m) m = k->fin[j]; /* j = i changes nothing */
    }
    k->t[i] = m + (double)deg[i] * m1;
}

void tmx__clock_gossip(tmx_sim *s, const tmx_csr *W, int64_t q, int copies, int compute)
{
    tmx__clock *k = &s->clk;
    int64_t N = s->N;
    const int32_t *deg = q >= 0 ? k->deg + q * N : k->deg_rand;
    if (q < 0 && compute) degrees(W, k->deg_rand); /* the step's new W; its control rounds reuse it */
    double csum = 0.0, gsum = 0.0, m1 = (double)copies * k->msg, t0;
    if (q >= 0 && k->deg_uni[q] >= 0 && (!compute || k->c_uni) && !isnan(t0 = uniform_time(k, N))) {
        /* every fin_j is the same number, so is every max: the recursion's value, without reading W */
        double v = (t0 + (compute ? k->c[0] : 0.0)) + (double)k->deg_uni[q] * m1;
        for (int64_t i = 0; i < N; i++) k->t[i] = v;
    } else if (N >= CLOCK_PAR_N && s->nthreads > 1) {
#pragma omp parallel
        {
#pragma omp for schedule(static)
            for (int64_t j = 0; j < N; j++) k->fin[j] = k->t[j] + (compute ? k->c[j] : 0.0);
#pragma omp for schedule(static)
            for (int64_t i = 0; i < N; i++) gossip_one(k, W, deg, m1, i);
        }
    } else {
        for (int64_t j = 0; j < N; j++) k->fin[j] = k->t[j] + (compute ? k->c[j] : 0.0);
        for (int64_t i = 0; i < N; i++) gossip_one(k, W, deg, m1, i);
    }
    /* the sums, in node order; with constant compute times and a cached W they do not change from
     * step to step, so they are kept (the same additions, done once) */
    double *gkeep = q >= 0 && (copies == 1 || copies == 2) ? &k->gsum[2 * q + copies - 1] : NULL;
    if (gkeep && !isnan(*gkeep)) {
        gsum = *gkeep;
    } else {
        for (int64_t i = 0; i < N; i++) gsum += (double)deg[i] * m1;
        if (gkeep) *gkeep = gsum;
    }
    if (!compute) {
        csum = 0.0;
    } else if (k->c_const && k->csum_ok) {
        csum = k->csum;
    } else {
        for (int64_t i = 0; i < N; i++) csum += k->c[i];
        k->csum = csum;
        k->csum_ok = 1;
    }
    k->compute += csum;
    k->comm += gsum;
}

void tmx__clock_allreduce(tmx_sim *s)
{
    tmx__clock *k = &s->clk;
    int64_t m = s->N;
    double top = 0.0, csum = 0.0;
    for (int64_t i = 0; i < m; i++) {
        double f = k->t[i] + k->c[i];
        if (f > top) top = f;
        csum += k->c[i];
    }
    for (int64_t i = 0; i < m; i++) k->t[i] = top + k->allreduce;
    k->compute += csum;
    k->comm += (double)m * k->allreduce;
}

void tmx__clock_local(tmx_sim *s)
{
    tmx__clock *k = &s->clk;
    double csum = 0.0;
    for (int64_t i = 0; i < s->N; i++) {
        k->t[i] += k->c[i];
        csum += k->c[i];
    }
    k->compute += csum;
}

double tmx__clock_now(const tmx_sim *s)
{
    double top = 0.0;
    for (int64_t i = 0; i < s->N; i++)
        if (s->clk.t[i] > top) top = s->clk.t[i];
    return top;
}
