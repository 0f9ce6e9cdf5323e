/* topomix — the topology registry: lookup by name, parameters, weight schemes, validation. */
#include "family.h"
#include "push.h"

#include <gsl/gsl_rng.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tmx__family *const families[] = {
    &tmx__fam_complete,     &tmx__fam_ring,          &tmx__fam_dring,
    &tmx__fam_star,         &tmx__fam_grid,          &tmx__fam_torus,
    &tmx__fam_hypercube,    &tmx__fam_er,            &tmx__fam_exp,
    &tmx__fam_onepeer_exp,  &tmx__fam_onepeer_hypercube, &tmx__fam_bipartite_exp,
    &tmx__fam_matching,     &tmx__fam_base_k,        &tmx__fam_equistatic,
    &tmx__fam_equidyn,
    &tmx__fam_sym_exp,      &tmx__fam_npeer_exp,     &tmx__fam_ring_antipodal, /* static.c, periodic.c, §18 */
    &tmx__fam_two_cliques,  &tmx__fam_binary_tree,   &tmx__fam_margulis, &tmx__fam_cycle_inverse,
    &tmx__fam_random_regular, &tmx__fam_small_world, &tmx__fam_random_ring, /* random.c, §19 */
    &tmx__fam_file,
};
#define NFAM (sizeof families / sizeof families[0])

size_t tmx_topo_family_count(void) { return NFAM; }

const tmx_topo_family_info *tmx_topo_family(size_t i) { return i < NFAM ? &families[i]->info : NULL; }

void tmx_topo_params_init(tmx_topo_params *p)
{
    memset(p, 0, sizeof *p);
    p->seed = 1;
}

static double csr_bytes(double n, double e);

static const char *const weight_names[] = {"default", "metropolis", "uniform", "lazy", "max-degree", "best-constant", "push"};
#define NWEIGHTS ((int)(sizeof weight_names / sizeof weight_names[0]))

tmx_status tmx_weights_parse(const char *name, tmx_weights *out)
{
    for (int w = 0; w < NWEIGHTS; w++)
        if (name && strcmp(name, weight_names[w]) == 0) {
            *out = (tmx_weights)w;
            return TMX_OK;
        }
    return tmx__error(TMX_EINVAL, "unknown weight scheme '%s' (default, metropolis, uniform, lazy, max-degree, best-constant, push)",
                      name ? name : "(null)");
}

const char *tmx_weights_name(tmx_weights w) { return (unsigned)w < NWEIGHTS ? weight_names[w] : "unknown"; }

static tmx_status check_params(const tmx__family *f, const tmx_topo_params *p)
{
    static const struct {
        unsigned bit;
        const char *name;
    } opt[] = {{TMX__USES_ROWS, "rows"}, {TMX__USES_P, "p"}, {TMX__USES_K, "k"},
               {TMX__USES_M, "M"},       {TMX__USES_ETA, "eta"}, {TMX__USES_UNDIRECTED, "undirected"},
               {TMX__USES_BASE, "base"}, {TMX__USES_PEERS, "peers"}, {TMX__USES_DEGREE, "degree"},
               {TMX__USES_EPS, "equi-eps"}, {TMX__USES_EPS, "fail-prob"}, {TMX__USES_FILE, "index-base"},
               {TMX__USES_FILE, "directed"}};
    int given[] = {p->rows != 0, p->p != 0.0, p->k != 0, p->m != 0, p->eta != 0.0, p->undirected != 0,
                   p->base != 0, p->peers != 0, p->degree != 0, p->eps != 0.0, p->fail_prob != 0.0,
                   p->index_base != TMX_INDEX_AUTO, p->directed != 0};
    for (size_t q = 0; q < sizeof opt / sizeof opt[0]; q++)
        if (given[q] && !(f->uses & opt[q].bit))
            return tmx__error(TMX_EINVAL, "parameter %s does not apply to topology %s", opt[q].name,
                              f->info.name);
    if (!isfinite(p->p) || !isfinite(p->eta) || !isfinite(p->eps) || !isfinite(p->fail_prob)) return tmx__error(TMX_EINVAL, "topology parameters must be finite");
    if (p->rows < 0) return tmx__error(TMX_EINVAL, "rows must be >= 1, got %lld", (long long)p->rows);
    /* the ranges the CLI checks, here too for every other caller (zero: the default) */
    if (p->p < 0.0 || p->p > 1.0) return tmx__error(TMX_EINVAL, "p must be in (0, 1], got %g", p->p);
    if (p->eta < 0.0 || p->eta > 1.0) return tmx__error(TMX_EINVAL, "eta must be in (0, 1], got %g", p->eta);
    if (p->eps < 0.0 || p->eps >= 1.0) return tmx__error(TMX_EINVAL, "equi-eps must be in (0, 1), got %g", p->eps);
    if (p->fail_prob < 0.0 || p->fail_prob >= 1.0)
        return tmx__error(TMX_EINVAL, "fail-prob must be in (0, 1), got %g", p->fail_prob);
    if (p->k < 0 || p->m < 0 || p->base < 0 || p->peers < 0 || p->degree < 0)
        return tmx__error(TMX_EINVAL, "k, M, base, peers and degree must be >= 1 when given");
    if ((unsigned)p->index_base > TMX_INDEX_ONE) return tmx__error(TMX_EINVAL, "unknown index base %d", (int)p->index_base);
    if ((unsigned)p->weights > TMX_WEIGHTS_PUSH) return tmx__error(TMX_EINVAL, "unknown weight scheme %d", (int)p->weights);
    /* the schemes built on a graph: its families, and files (file.c reads them as graphs) */
    int on_graph = p->weights == TMX_WEIGHTS_METROPOLIS || p->weights == TMX_WEIGHTS_UNIFORM ||
                   p->weights == TMX_WEIGHTS_MAX_DEGREE || p->weights == TMX_WEIGHTS_BEST_CONSTANT;
    if (on_graph && !f->info.graph && f != &tmx__fam_file)
        return tmx__error(TMX_EINVAL, "weights '%s' do not apply to %s, whose weights are fixed (use default, lazy or push)",
                          weight_names[p->weights], f->info.name);
    return TMX_OK;
}

/* The best-constant edge weight of a static graph, found once: its Laplacian's spectrum does not
 * change with the step. Circulant families use the first row (the DFT, any n), the others the
 * graph of step 0 (dense eigenvalues). */
static tmx_status static_alpha(tmx_topo *t)
{
    tmx_status st;
    char who[96];
    snprintf(who, sizeof who, "%s%s at n=%lld", t->fam->info.name, t->path ? " file" : "", (long long)t->n);
    if (t->fam->first_row) {
        double *c = calloc((size_t)t->n, sizeof *c);
        if (!c) return tmx__error(TMX_ENOMEM, "best-constant weights on %s: out of memory", who);
        st = t->fam->first_row(t, 0, c);
        if (st == TMX_OK) st = tmx__best_constant_circulant(c, t->crows, t->ccols, &t->alpha);
        free(c);
        return st;
    }
    tmx_topo_ws ws = {0};
    if ((st = tmx__check_bytes(t->scratch + csr_bytes((double)t->n, t->built), who)) != TMX_OK) return st;
    st = t->fam->build(t, 0, &ws.G, &ws);
    if (st == TMX_OK) st = tmx__best_constant_dense(&ws.G, who, &t->alpha);
    tmx__ws_release(&ws);
    return st;
}

tmx_status tmx_topo_new(const char *name, const tmx_topo_params *p, tmx_topo **out)
{
    *out = NULL;
    if (!name || !p) return tmx__error(TMX_EINVAL, "topo_new: name and params are required");
    const tmx__family *f = NULL;
    const char *path = NULL;
    if (strncmp(name, "file:", 5) == 0) {
        f = &tmx__fam_file;
        path = name + 5;
        if (!*path) return tmx__error(TMX_EINVAL, "file: needs a path, as in file:W.mtx");
    } else {
        for (size_t i = 0; i < NFAM; i++)
            if (families[i] != &tmx__fam_file && strcmp(name, families[i]->info.name) == 0) f = families[i];
    }
    if (!f) return tmx__error(TMX_EINVAL, "unknown topology '%s' (see topomix topo --list)", name);
    if (f != &tmx__fam_file && p->n < 1)
        return tmx__error(TMX_EINVAL, "n must be >= 1, got n=%lld", (long long)p->n);
    if (f == &tmx__fam_file && p->n < 0)
        return tmx__error(TMX_EINVAL, "n must be >= 1, got n=%lld", (long long)p->n);
    tmx_status st = check_params(f, p);
    if (st != TMX_OK) return st;

    tmx_topo *t = calloc(1, sizeof *t);
    if (!t) return tmx__error(TMX_ENOMEM, "topo_new: out of memory");
    t->fam = f;
    t->par = *p;
    t->period = f->info.kind == TMX_TOPO_RANDOM ? 0 : 1;
    if (path && !(t->path = strdup(path))) {
        free(t);
        return tmx__error(TMX_ENOMEM, "topo_new: out of memory");
    }
    t->n = p->n;
    t->tau = tmx__ceil_log2(t->n > 0 ? t->n : 1);
    t->graph = f->info.graph;
    t->alpha = -1.0;
    if (f->setup && (st = f->setup(t)) != TMX_OK) {
        tmx_topo_free(t);
        return st;
    }
    t->tau = tmx__ceil_log2(t->n); /* file: n is known only now */
    if (t->crows == 0) t->crows = 1, t->ccols = t->n;
    if (t->graph && p->weights == TMX_WEIGHTS_BEST_CONSTANT && f->info.kind == TMX_TOPO_STATIC &&
        (st = static_alpha(t)) != TMX_OK) {
        tmx_topo_free(t);
        return st;
    }
    *out = t;
    return TMX_OK;
}

void tmx_topo_free(tmx_topo *t)
{
    if (!t) return;
    if (t->fam->release && t->priv) t->fam->release(t);
    free(t->path);
    free(t);
}

/* ---- memory estimates ----------------------------------------------------------------------
 * What the arrays of a build hold at their peak, counted as resident bytes: a CSR matrix of n rows
 * and e entries takes 8(n + 1) + 16e (the builders' spare capacity is never touched, so it costs
 * no memory). */

static double csr_bytes(double n, double e) { return 8.0 * (n + 1.0) + 16.0 * e; }

/* One tmx_topo_weights from scratch: *peak ← the bytes alive at its peak (the build's output, its
 * workspace, the weights built from a graph pattern, the lazy step's matrix), *held ← those of the
 * W it returns, *wnnz ← W's entries at most. */
static void weights_model(const tmx_topo *t, double *peak, double *held, double *wnnz)
{
    double n = (double)t->n, e = t->built;
    *peak = t->scratch + csr_bytes(n, e);
    if (t->graph || t->par.weights == TMX_WEIGHTS_PUSH) { /* graph_weights adds the diagonal */
        e += n;
        *peak += csr_bytes(n, e) + (t->par.weights == TMX_WEIGHTS_PUSH ? 8.0 * n : 0.0); /* push: out-degrees */
    }
    if (t->par.weights == TMX_WEIGHTS_BEST_CONSTANT && t->alpha < 0.0 && !t->fam->first_row) /* per step: */
        *peak += 8.0 * n * n + 32.0 * n + 16.0; /* the dense Laplacian, its eigenvalues, dsyevd's workspace */
    if (t->par.weights == TMX_WEIGHTS_LAZY) { /* (I + W)/2 beside W */
        if (t->fam == &tmx__fam_file && !t->graph) e += n; /* every other W stores its diagonal */
        *peak += csr_bytes(n, e);
    }
    *held = csr_bytes(n, e);
    *wnnz = e;
}

tmx_status tmx__topo_check_entries(tmx_topo *t, double built, double scratch)
{
    t->built = built;
    t->scratch = scratch;
    double peak, held, wnnz;
    weights_model(t, &peak, &held, &wnnz);
    char what[96];
    snprintf(what, sizeof what, "topology %s at n=%lld (%.3g stored weights)", t->fam->info.name, (long long)t->n,
             wnnz);
    return tmx__check_bytes(held, what);
}

double tmx__topo_weights_bytes(const tmx_topo *t, int64_t count)
{
    double peak, held, wnnz;
    weights_model(t, &peak, &held, &wnnz);
    return count < 1 ? 0.0 : (double)(count - 1) * held + peak;
}

/* W ← the weight scheme of t on the graph pattern G of step k (off-diagonal, symmetric):
 * Metropolis–Hastings (default, and under lazy), uniform 1/(d_max + 1), max-degree 1/d_max or
 * best-constant α on every edge, the rest of each row on the diagonal (docs/definitions.md §3, §17). */
static tmx_status graph_weights(const tmx_topo *t, int64_t k, const tmx_csr *G, tmx_csr *W)
{
    int64_t n = G->n, dmax = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t d = G->rowptr[i + 1] - G->rowptr[i];
        if (d > dmax) dmax = d;
    }
    tmx_weights scheme = t->par.weights;
    double edge = 0.0; /* the constant schemes' edge weight */
    if (scheme == TMX_WEIGHTS_UNIFORM) edge = 1.0 / (double)(dmax + 1);
    if (scheme == TMX_WEIGHTS_MAX_DEGREE) edge = dmax > 0 ? 1.0 / (double)dmax : 0.0;
    if (scheme == TMX_WEIGHTS_BEST_CONSTANT) {
        edge = t->alpha;
        if (edge < 0.0) { /* a time-varying family: this step's graph */
            char who[96];
            snprintf(who, sizeof who, "%s at n=%lld, step %lld", t->fam->info.name, (long long)n, (long long)k);
            tmx_status st = tmx__best_constant_dense(G, who, &edge);
            if (st != TMX_OK) return st;
        }
    }
    int constant = scheme == TMX_WEIGHTS_UNIFORM || scheme == TMX_WEIGHTS_MAX_DEGREE || scheme == TMX_WEIGHTS_BEST_CONSTANT;
    tmx__builder b;
    tmx_status st = tmx__builder_begin(&b, W, n, G->nnz + n);
    if (st != TMX_OK) return st;
    for (int64_t i = 0; i < n; i++) {
        int64_t di = G->rowptr[i + 1] - G->rowptr[i];
        double sum = 0.0;
        for (int64_t e = G->rowptr[i]; e < G->rowptr[i + 1]; e++) {
            int64_t j = G->col[e], dj = G->rowptr[j + 1] - G->rowptr[j];
            double w = constant ? edge : 1.0 / (double)(1 + (di > dj ? di : dj));
            tmx__builder_push(&b, j, w);
            sum += w;
        }
        tmx__builder_push(&b, i, 1.0 - sum);
        tmx__builder_end_row(&b);
    }
    return tmx__builder_finish(&b);
}

int64_t *tmx__ws_ints(tmx_topo_ws *ws, size_t count)
{
    if (count > ws->nints) {
        int64_t *p = realloc(ws->ints, count * sizeof *p);
        if (!p) return NULL;
        ws->ints = p;
        ws->nints = count;
    }
    return ws->ints;
}

void tmx__ws_release(tmx_topo_ws *ws)
{
    if (ws->rng) gsl_rng_free(ws->rng);
    free(ws->ints);
    tmx_csr_destroy(&ws->G);
    tmx_csr_destroy(&ws->spare);
    memset(ws, 0, sizeof *ws);
}

tmx_status tmx_topo_ws_new(tmx_topo_ws **out)
{
    if (!out) return tmx__error(TMX_EINVAL, "topo_ws_new: output is required");
    *out = calloc(1, sizeof **out);
    return *out ? TMX_OK : tmx__error(TMX_ENOMEM, "topo_ws_new: out of memory");
}

void tmx_topo_ws_free(tmx_topo_ws *ws)
{
    if (!ws) return;
    tmx__ws_release(ws);
    free(ws);
}

tmx_status tmx_topo_weights_ws(const tmx_topo *t, int64_t k, tmx_csr *W, tmx_topo_ws *ws)
{
    if (!t || !W) return tmx__error(TMX_EINVAL, "topo_weights: topology and output are required");
    if (k < 0) return tmx__error(TMX_EINVAL, "step must be >= 0, got %lld", (long long)k);
    if (!ws) {
        tmx_topo_ws tmp = {0};
        tmx_status st = tmx_topo_weights_ws(t, k, W, &tmp);
        tmx__ws_release(&tmp);
        return st;
    }
    int64_t step = t->period > 0 ? k % t->period : k;
    tmx_status st;
    /* the arrays already held (W, and the pattern and spare a workspace keeps) are reused or freed
     * first: only the rest is new */
    double peak, held, wnnz;
    weights_model(t, &peak, &held, &wnnz);
    const tmx_csr *have[3] = {W, &ws->G, &ws->spare};
    for (int q = 0; q < 3; q++)
        if (have[q]->rowptr) peak -= csr_bytes((double)have[q]->n, (double)have[q]->nnz);
    if (peak > 0.0) {
        char what[112];
        snprintf(what, sizeof what, "topology %s at n=%lld (W^(%lld), %.3g stored weights)", t->fam->info.name,
                 (long long)t->n, (long long)k, wnnz);
        if ((st = tmx__check_bytes(peak, what)) != TMX_OK) return st;
    }
    if (t->par.weights == TMX_WEIGHTS_PUSH) { /* push.c, from the pattern's out-neighbours */
        st = t->fam->build(t, step, &ws->G, ws);
        if (st == TMX_OK) st = tmx__push_weights(&ws->G, W, ws);
    } else if (t->graph) {
        st = t->fam->build(t, step, &ws->G, ws);
        if (st == TMX_OK) st = graph_weights(t, step, &ws->G, W);
    } else {
        st = t->fam->build(t, step, W, ws);
    }
    if (st == TMX_OK && t->par.weights == TMX_WEIGHTS_LAZY) st = tmx__csr_lazy(W, &ws->spare);
    return st;
}

tmx_status tmx_topo_weights(const tmx_topo *t, int64_t k, tmx_csr *W) { return tmx_topo_weights_ws(t, k, W, NULL); }

/* A vertex-transitive graph's first row under the constant schemes: c holds the family's
 * Metropolis row (1/(d+1) on each of the d neighbours), every degree is d = d_max, so max-degree
 * puts 1/d and best-constant α on each neighbour, the rest at offset 0. */
static tmx_status constant_first_row(const tmx_topo *t, double *c)
{
    tmx_weights scheme = t->par.weights;
    if (scheme != TMX_WEIGHTS_MAX_DEGREE && scheme != TMX_WEIGHTS_BEST_CONSTANT) return TMX_OK;
    int64_t len = t->crows * t->ccols, d = 0;
    for (int64_t j = 1; j < len; j++) d += c[j] != 0.0;
    double edge = t->alpha;
    if (scheme == TMX_WEIGHTS_MAX_DEGREE) edge = d > 0 ? 1.0 / (double)d : 0.0;
    else if (edge < 0.0) { /* a time-varying circulant family: this step's graph */
        tmx_status st = tmx__best_constant_circulant(c, t->crows, t->ccols, &edge);
        if (st != TMX_OK) return st;
    }
    double sum = 0.0;
    for (int64_t j = 1; j < len; j++)
        if (c[j] != 0.0) c[j] = edge, sum += edge;
    c[0] = 1.0 - sum;
    return TMX_OK;
}

int tmx__topo_is_circulant(const tmx_topo *t) { return t->fam->first_row != NULL; }

void tmx__topo_circulant_shape(const tmx_topo *t, int64_t *rows, int64_t *cols)
{
    *rows = t->crows;
    *cols = t->ccols;
}

tmx_status tmx__topo_first_row(const tmx_topo *t, int64_t k, double *c)
{
    if (!t->fam->first_row)
        return tmx__error(TMX_EUNSUP, "%s is not circulant: no closed form through the DFT", t->fam->info.name);
    if (k < 0) return tmx__error(TMX_EINVAL, "step must be >= 0, got %lld", (long long)k);
    int64_t step = t->period > 0 ? k % t->period : k;
    for (int64_t j = 0; j < t->n; j++) c[j] = 0.0;
    tmx_status st = t->fam->first_row(t, step, c);
    if (st == TMX_OK && t->graph) st = constant_first_row(t, c);
    if (st == TMX_OK && t->par.weights == TMX_WEIGHTS_PUSH) tmx__push_first_row(c, t->crows * t->ccols);
    if (st == TMX_OK && t->par.weights == TMX_WEIGHTS_LAZY) {
        for (int64_t j = 0; j < t->n; j++) c[j] *= 0.5;
        c[0] += 0.5;
    }
    return st;
}

const char *tmx_topo_name(const tmx_topo *t) { return t->fam->info.name; }
const tmx_topo_family_info *tmx_topo_info(const tmx_topo *t) { return &t->fam->info; }
int64_t tmx_topo_n(const tmx_topo *t) { return t->n; }
tmx_topo_kind tmx_topo_kind_of(const tmx_topo *t) { return t->fam->info.kind; }
int64_t tmx_topo_period(const tmx_topo *t) { return t->period; }
int tmx_topo_directed(const tmx_topo *t) { return t->directed; }
const tmx_topo_params *tmx_topo_params_of(const tmx_topo *t) { return &t->par; }
const char *tmx_topo_source(const tmx_topo *t) { return t->source; }

void tmx_topo_shape(const tmx_topo *t, int64_t *rows, int64_t *cols)
{
    *rows = t->rows;
    *cols = t->cols;
}

/* Strong connectivity of the union of the patterns of W^(0..P-1). */
static tmx_status period_connected(const tmx_topo *t, int *out)
{
    tmx_status st = TMX_OK;
    tmx_csr W = {0}, U = {0}, S = {0};
    char what[112];
    snprintf(what, sizeof what, "validating topology %s at n=%lld (the union of a period's patterns)",
             t->fam->info.name, (long long)t->n);
    double n = (double)t->n;
    TMX_TRY(tmx_csr_identity(&U, t->n));
    for (int64_t s = 0; s < t->period; s++) {
        TMX_TRY(tmx_topo_weights(t, s, &W));
        /* U ← pattern(U + W): the product (U + I)(W + I) would over-connect, so merge rows. The
         * union's size shows only now: checked at each step, from the triplets (24 bytes an entry)
         * and from_triplets' row starts, order and merged matrix */
        int64_t cnt = U.nnz + W.nnz;
        TMX_TRY(tmx__check_bytes(48.0 * (double)cnt + 16.0 * (n + 1.0), what));
        int64_t *ti = malloc((size_t)cnt * sizeof *ti), *tj = malloc((size_t)cnt * sizeof *tj);
        double *tv = malloc((size_t)cnt * sizeof *tv);
        if (!ti || !tj || !tv) {
            free(ti), free(tj), free(tv);
            st = tmx__error(TMX_ENOMEM, "validate: out of memory");
            goto cleanup;
        }
        int64_t q = 0;
        const tmx_csr *M[2] = {&U, &W};
        for (int m = 0; m < 2; m++)
            for (int64_t i = 0; i < t->n; i++)
                for (int64_t e = M[m]->rowptr[i]; e < M[m]->rowptr[i + 1]; e++)
                    if (M[m]->val[e] != 0.0) ti[q] = i, tj[q] = M[m]->col[e], tv[q] = 1.0, q++;
        st = tmx_csr_from_triplets(&S, t->n, q, ti, tj, tv);
        free(ti), free(tj), free(tv);
        if (st != TMX_OK) goto cleanup;
        tmx_csr_destroy(&U);
        U = S;
        tmx_csr_init(&S);
    }
    tmx_csr_destroy(&W);
    /* the connectivity test: marks, queue, the transpose and its row cursor */
    TMX_TRY(tmx__check_bytes(17.0 * n + csr_bytes(n, (double)U.nnz) + 8.0 * (n + 1.0), what));
    *out = tmx_csr_is_connected(&U);
cleanup:
    tmx_csr_destroy(&W);
    tmx_csr_destroy(&U);
    tmx_csr_destroy(&S);
    return st;
}

/* The peak of tmx_topo_validate: building W, then tmx_csr_validate beside it (column sums and
 * degrees, 16n; the connectivity test's marks, queue and transpose, 17n + W), then for a periodic
 * topology the union U of the period's patterns, merged with each W^(s) (period_connected) and
 * tested for connectivity. U holds W's pattern at least; how much more the period adds shows only
 * as it is built, and is checked there step by step: bounding it here by P·nnz(W) would overstate
 * it several times over. */
static double validate_bytes(const tmx_topo *t)
{
    double n = (double)t->n, wpeak, held, wnnz;
    weights_model(t, &wpeak, &held, &wnnz);
    double peak = fmax(wpeak, 2.0 * held + 33.0 * n + 8.0);
    if (t->fam->info.kind == TMX_TOPO_PERIODIC) {
        double U = csr_bytes(n, wnnz), cnt = 2.0 * wnnz;
        double merge = U + held + 48.0 * cnt + 16.0 * (n + 1.0), build = U + wpeak;
        double connect = 2.0 * U + 25.0 * n + 8.0;
        peak = fmax(peak, fmax(merge, fmax(build, connect)));
    }
    return peak;
}

tmx_status tmx_topo_validate(const tmx_topo *t, int64_t k, double tol, tmx_topo_report *r)
{
    tmx_csr W = {0};
    memset(r, 0, sizeof *r);
    r->period_connected = -1;
    char what[112];
    snprintf(what, sizeof what, "validating topology %s at n=%lld", t->fam->info.name, (long long)t->n);
    tmx_status st = tmx__check_bytes(validate_bytes(t), what);
    if (st != TMX_OK) return st;
    st = tmx_topo_weights(t, k, &W);
    if (st == TMX_OK) st = tmx_csr_validate(&W, tol, &r->step);
    tmx_csr_destroy(&W);
    if (st == TMX_OK && t->fam->info.kind == TMX_TOPO_PERIODIC) st = period_connected(t, &r->period_connected);
    return st;
}
