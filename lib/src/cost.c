/* topomix — the communication cost of a topology (docs/definitions.md §14): messages per step,
 * gossip steps until the consensus error reaches ε (from ‖W^(t−1)⋯W^(0) − J‖₂, or in expectation
 * for random topologies), and their time and bytes under the α-β model. */
#include "spectral/kernels.h"
#include "topo/family.h"

#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <topomix/cost.h>
#include <topomix/mat.h>

/* A product whose ‖∏ − J‖₂ is at most this is J up to rounding: exact averaging. */
#define EXACT_TOL 1e-12

static const char *const how_names[] = {"spectral", "products", "beta bound", "expected"};

const char *tmx_cost_steps_how_name(tmx_cost_steps_how h) { return (unsigned)h < 4 ? how_names[h] : "unknown"; }

void tmx_cost_opts_init(tmx_cost_opts *o)
{
    memset(o, 0, sizeof *o);
    o->eps = TMX_COST_DEFAULT_EPS;
    o->model.alpha = TMX_COST_DEFAULT_ALPHA;
    o->model.bandwidth = TMX_COST_DEFAULT_BANDWIDTH;
    o->model.message_bytes = TMX_COST_DEFAULT_MESSAGE_BYTES;
    o->method = TMX_METHOD_AUTO;
    o->samples = 1000;
}

tmx_status tmx_cost_model_check(const tmx_cost_model *m)
{
    if (!m) return tmx__error(TMX_EINVAL, "cost model: NULL");
    if (!(m->alpha >= 0.0) || !isfinite(m->alpha))
        return tmx__error(TMX_EINVAL, "latency must be finite and >= 0 seconds, got %g", m->alpha);
    if (!(m->bandwidth > 0.0) || !isfinite(m->bandwidth))
        return tmx__error(TMX_EINVAL, "bandwidth must be finite and > 0 bytes/s, got %g", m->bandwidth);
    if (!(m->message_bytes >= 0.0) || !isfinite(m->message_bytes))
        return tmx__error(TMX_EINVAL, "message size must be finite and >= 0 bytes, got %g", m->message_bytes);
    return TMX_OK;
}

/* ---- messages per step ------------------------------------------------------------------------ */

/* max over nodes of max(in-degree, out-degree) off the diagonal: row i's entries are what i
 * receives, column j's what j sends (x_i ← Σ_j w_ij x_j). deg holds n counters. */
static int64_t messages_of(const tmx_csr *W, int64_t *deg)
{
    int64_t best = 0;
    memset(deg, 0, (size_t)W->n * sizeof *deg);
    for (int64_t i = 0; i < W->n; i++) {
        int64_t in = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++)
            if (W->col[e] != i && W->val[e] != 0.0) in++, deg[W->col[e]]++;
        if (in > best) best = in;
    }
    for (int64_t j = 0; j < W->n; j++)
        if (deg[j] > best) best = deg[j];
    return best;
}

/* Messages of each of `count` steps from `first` (per_step[s] for step first + s). */
static tmx_status messages_steps(const tmx_topo *t, int64_t first, int64_t count, double *per_step)
{
    tmx_status st = TMX_OK;
    tmx_csr W = {0};
    tmx_topo_ws *ws = NULL;
    int64_t *deg = malloc((size_t)tmx_topo_n(t) * sizeof *deg);
    if (!deg) return tmx__error(TMX_ENOMEM, "messages per step: out of memory");
    TMX_TRY(tmx_topo_ws_new(&ws));
    for (int64_t s = 0; s < count; s++) {
        TMX_TRY(tmx_topo_weights_ws(t, first + s, &W, ws));
        per_step[s] = (double)messages_of(&W, deg);
    }
cleanup:
    free(deg);
    tmx_csr_destroy(&W);
    tmx_topo_ws_free(ws);
    return st;
}

tmx_status tmx_cost_messages(const tmx_topo *t, double *messages, int *exact, int64_t *samples)
{
    *messages = 0.0;
    *exact = 1;
    *samples = 0;
    tmx_topo_kind kind = tmx_topo_kind_of(t);
    int64_t n = tmx_topo_n(t);
    const char *name = tmx_topo_name(t);
    if (kind == TMX_TOPO_RANDOM && strcmp(name, "matching") == 0) {
        /* every draw pairs at least two nodes, and no node has two partners (lazy weights keep
         * the pattern) */
        *messages = n >= 2 ? 1.0 : 0.0;
        return TMX_OK;
    }
    if (kind == TMX_TOPO_RANDOM && strcmp(name, "equidyn") == 0) {
        /* Directed: node i sends to i + a and receives from i − a. Undirected: a matching, never
         * empty (the first node visited and its partner are both free): one peer. */
        *messages = n >= 2 ? 1.0 : 0.0;
        return TMX_OK;
    }
    int64_t count = kind == TMX_TOPO_PERIODIC ? tmx_topo_period(t) : kind == TMX_TOPO_RANDOM ? TMX_COST_MESSAGE_SAMPLES : 1;
    double *per = malloc((size_t)count * sizeof *per);
    if (!per) return tmx__error(TMX_ENOMEM, "messages per step: out of memory");
    tmx_status st = messages_steps(t, 0, count, per);
    double sum = 0.0;
    for (int64_t s = 0; s < count; s++) sum += per[s];
    free(per);
    if (st != TMX_OK) return st;
    *messages = sum / (double)count;
    if (kind == TMX_TOPO_RANDOM) *exact = 0, *samples = count;
    return TMX_OK;
}

/* ---- steps from a rate ------------------------------------------------------------------------ */

/* Smallest t ≥ 1 with exp(t · lr) ≤ eps, lr = log of the per-step factor (< 0); −1 when lr ≥ 0
 * (the factor is 1: never). The factor of 0 (lr = −inf) reaches eps in one step. The estimate
 * from the logarithms is corrected by evaluating the factor itself, so a t near an integer is
 * never off by one. */
static int64_t steps_from_log(double lr, double eps)
{
    if (!(lr < 0.0)) return -1;
    if (isinf(lr)) return 1;
    double le = log(eps), est = ceil(le / lr);
    if (est > 9e18) return -1; /* beyond int64: never, for any practical purpose */
    int64_t t = est < 1.0 ? 1 : (int64_t)est;
    while (t > 1 && exp((double)(t - 1) * lr) <= eps) t--;
    while (exp((double)t * lr) > eps) t++;
    return t;
}

/* log of a rate ρ given with its gap 1 − ρ (the gap kept precise for tiny gaps). */
static double log_rate(double rho, double gap)
{
    if (rho <= 0.0) return -INFINITY;
    if (gap > 0.0 && gap < 0.5) return log1p(-gap);
    return log(rho);
}

/* ---- circulants ------------------------------------------------------------------------------- */

/* 1 when row i of W is row 0 shifted by i (w_ij = c_{(j−i) mod n}) for every i, entries equal
 * within 1e-14 (the rounding of summing coinciding shifts in another order; entries are ≤ 1); c
 * then holds the first row. */
static int detect_circulant(const tmx_csr *W, double *c)
{
    int64_t n = W->n, count0 = 0;
    memset(c, 0, (size_t)n * sizeof *c);
    for (int64_t e = W->rowptr[0]; e < W->rowptr[1]; e++) c[W->col[e]] += W->val[e], count0 += W->val[e] != 0.0;
    for (int64_t i = 1; i < n; i++) {
        int64_t count = 0;
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) {
            if (W->val[e] == 0.0) continue;
            count++;
            if (fabs(W->val[e] - c[tmx__mod(W->col[e] - i, n)]) > 1e-14) return 0;
        }
        if (count != count0) return 0;
    }
    return 1;
}

/* mod[q] ← |λ| at each frequency q of the half spectrum (rows × (cols/2 + 1) values; q = 0 is the
 * eigenvalue 1 of the vector 1) of the circulant with first row c (rows × cols, row-major). */
static tmx_status circulant_moduli(int64_t rows, int64_t cols, const double *c, double *mod)
{
    tmx__dft d;
    tmx_status st = tmx__dft_init_shape(&d, rows, cols);
    if (st != TMX_OK) return st;
    memcpy(d.c, c, (size_t)d.n * sizeof *d.c); /* planning may clobber its arrays; fill after */
    fftw_execute(d.plan);
    for (int64_t q = 0; q < rows * d.half; q++) mod[q] = hypot(d.X[q][0], d.X[q][1]);
    tmx__dft_free(&d);
    return TMX_OK;
}

/* Periodic circulant steps commute and are normal: ‖W^(t−1)⋯W^(0) − J‖₂ = max over q ≠ 0 of
 * Π_s |λ_q^(s)|. The products are tracked per frequency, O(n) a step. */
static tmx_status steps_circulant_periodic(const tmx_topo *t, double eps, tmx_cost *out)
{
    int64_t rows, cols, n = tmx_topo_n(t), P = tmx_topo_period(t);
    tmx__topo_circulant_shape(t, &rows, &cols);
    int64_t half = cols / 2 + 1, total = rows * half;
    tmx_status st = tmx__check_bytes(((double)P + 1.0) * (double)total * 8.0 + 3.0 * (double)n * 8.0,
                                     "the DFT of one period");
    if (st != TMX_OK) return st;
    double *mod = malloc((size_t)(P * total) * sizeof *mod), *prod = malloc((size_t)total * sizeof *prod);
    double *c = malloc((size_t)n * sizeof *c);
    if (!mod || !prod || !c) {
        st = tmx__error(TMX_ENOMEM, "cost: out of memory");
        goto cleanup;
    }
    for (int64_t s = 0; s < P; s++) {
        TMX_TRY(tmx__topo_first_row(t, s, c));
        TMX_TRY(circulant_moduli(rows, cols, c, mod + s * total));
    }
    /* One period multiplies frequency q by A_q = Π_s |λ_q^(s)|; when max_q A_q ≥ 1 the error after
     * whole periods never drops, so a bounded loop: the steps within the first period, then whole
     * periods up to what max A_q needs, then one more period. */
    double worst = 0.0;
    for (int64_t q = 1; q < total; q++) {
        double a = 1.0;
        for (int64_t s = 0; s < P; s++) a *= mod[s * total + q];
        worst = fmax(worst, a);
    }
    int64_t periods = worst >= 1.0 ? 1 : steps_from_log(log(worst), eps);
    if (periods < 0 || (double)periods * (double)P > 1e9) {
        out->steps_to_eps = -1;
        goto cleanup;
    }
    for (int64_t q = 0; q < total; q++) prod[q] = 1.0;
    out->steps_to_eps = -1;
    for (int64_t k = 0; k < (periods + 1) * P; k++) {
        const double *m = mod + (k % P) * total;
        double e = 0.0;
        for (int64_t q = 1; q < total; q++) e = fmax(e, prod[q] *= m[q]);
        if (total == 1) e = 0.0; /* n = 1 */
        if (e <= eps) {
            out->steps_to_eps = k + 1;
            out->error_at_steps = e;
            break;
        }
    }
cleanup:
    free(mod);
    free(prod);
    free(c);
    return st;
}

/* ---- dense products --------------------------------------------------------------------------- */

/* ‖A‖₂ of the column-major n × n A, or bounds on it: lo = the largest column norm ≤ ‖A‖₂ ≤
 * hi = min(‖A‖_F, √(‖A‖₁‖A‖_∞)). The SVD is taken only when eps lies between them (spare: n × n
 * scratch). *norm ← the value the decision rests on: the SVD's, or hi when hi ≤ eps, lo when
 * lo > eps; *exact_norm ← 1 when it came from the SVD. */
static tmx_status norm_decide(const double *A, int64_t n, double eps, double *spare, double *rowsum, double *norm,
                              int *exact_norm)
{
    double lo = 0.0, fro = 0.0, n1 = 0.0;
    memset(rowsum, 0, (size_t)n * sizeof *rowsum);
    for (int64_t j = 0; j < n; j++) {
        const double *a = A + (size_t)j * (size_t)n;
        double sq = 0.0, abs = 0.0;
        for (int64_t i = 0; i < n; i++) sq += a[i] * a[i], abs += fabs(a[i]), rowsum[i] += fabs(a[i]);
        lo = fmax(lo, sq);
        fro += sq;
        n1 = fmax(n1, abs);
    }
    double ninf = 0.0;
    for (int64_t i = 0; i < n; i++) ninf = fmax(ninf, rowsum[i]);
    lo = sqrt(lo);
    double hi = fmin(sqrt(fro), sqrt(n1 * ninf));
    *exact_norm = 0;
    if (hi <= eps) return *norm = hi, TMX_OK;
    if (lo > eps) return *norm = lo, TMX_OK;
    memcpy(spare, A, (size_t)n * (size_t)n * sizeof *spare);
    tmx_mat M = {(size_t)n, (size_t)n, (size_t)n, spare, 0};
    *exact_norm = 1;
    return tmx__dense_norm2(&M, norm);
}

/* Smallest t with ‖W^(t−1)⋯W^(0) − J‖₂ ≤ eps from the dense products: A_t = ∏ − J obeys
 * A_{t+1} = W^(t) A_t (W J = J), from A_0 = I − J; O(nnz · n) a step. ‖A_t‖₂ never grows for
 * doubly stochastic steps (‖W − J‖₂ ≤ 1 and W^(t) A_t = (W^(t) − J) A_t), so the first t that
 * reaches eps is the answer. Gives up (TMX_EUNSUP) after max_steps or TMX_COST_MAX_WORK. */
static tmx_status steps_dense(const tmx_topo *t, double eps, int64_t max_steps, tmx_cost *out)
{
    int64_t n = tmx_topo_n(t);
    if (n > TMX_DENSE_MAX_N)
        return tmx__error(TMX_EUNSUP, "steps to eps of %s needs the dense products of its matrices, refused above "
                                      "n = %d (n = %lld)", tmx_topo_name(t), TMX_DENSE_MAX_N, (long long)n);
    double bytes = 2.0 * (double)n * (double)n * 8.0 + 2.0 * (double)n * 8.0 + tmx__topo_weights_bytes(t, 1);
    tmx_status st = tmx__check_bytes(bytes, "the dense products of steps to eps");
    if (st != TMX_OK) return st;
    size_t nn = (size_t)n * (size_t)n;
    double *A = malloc(nn * sizeof *A), *Y = malloc(nn * sizeof *Y), *rowsum = malloc((size_t)n * sizeof *rowsum);
    tmx_csr W = {0};
    int static_w = tmx_topo_kind_of(t) == TMX_TOPO_STATIC;
    double work = 0.0;
    if (!A || !Y || !rowsum) {
        st = tmx__error(TMX_ENOMEM, "cost: out of memory for two %lld x %lld matrices", (long long)n, (long long)n);
        goto cleanup;
    }
    for (size_t q = 0; q < nn; q++) A[q] = -1.0 / (double)n;
    for (int64_t i = 0; i < n; i++) A[(size_t)i * (size_t)n + (size_t)i] += 1.0;
    out->steps_to_eps = -1;
    for (int64_t k = 0; k < max_steps; k++) {
        if (k == 0 || !static_w) TMX_TRY(tmx_topo_weights(t, k, &W));
        work += (double)W.nnz * (double)n + 3.0 * (double)nn;
        if (work > TMX_COST_MAX_WORK) {
            st = tmx__error(TMX_EUNSUP, "steps to eps of %s: consensus error still above %g after %lld dense "
                                        "products (the limit of %.0e multiply-adds)", tmx_topo_name(t), eps,
                            (long long)k, TMX_COST_MAX_WORK);
            goto cleanup;
        }
        for (int64_t j = 0; j < n; j++) tmx_csr_matvec(&W, A + (size_t)j * (size_t)n, Y + (size_t)j * (size_t)n);
        double *tmp = A;
        A = Y;
        Y = tmp;
        double norm;
        int exact_norm;
        TMX_TRY(norm_decide(A, n, eps, Y, rowsum, &norm, &exact_norm));
        if (norm <= eps) {
            out->steps_to_eps = k + 1;
            out->error_at_steps = norm;
            break;
        }
    }
    if (out->steps_to_eps < 0)
        st = tmx__error(TMX_EUNSUP, "steps to eps of %s: consensus error still above %g after %lld steps",
                        tmx_topo_name(t), eps, (long long)max_steps);
cleanup:
    free(A);
    free(Y);
    free(rowsum);
    tmx_csr_destroy(&W);
    return st;
}

/* ---- the cost --------------------------------------------------------------------------------- */

/* steps of a static topology. */
static tmx_status cost_static(const tmx_topo *t, const tmx_cost_opts *o, tmx_cost *out)
{
    tmx_status st = TMX_OK;
    tmx_rate r = {0};
    tmx_csr W = {0};
    double *c = NULL, *mod = NULL;
    int64_t n = tmx_topo_n(t);
    int have_rate = o->rate != NULL;
    if (have_rate) r = *o->rate;
    int normal = tmx__topo_is_circulant(t);
    if (!normal) {
        TMX_TRY(tmx_topo_weights(t, 0, &W));
        c = malloc((size_t)n * sizeof *c);
        if (!c) {
            st = tmx__error(TMX_ENOMEM, "cost: out of memory");
            goto cleanup;
        }
        if (detect_circulant(&W, c)) {
            /* rows shifted copies of the first (equistatic): normal, ρ from one FFT */
            normal = 1;
            if (!have_rate) {
                /* The FFT's |λ| carry an error of about log2(n)·eps; a ρ that close to 1 is 1 (a
                 * disconnected W, e.g. equistatic shifts sharing a factor with n). */
                mod = malloc((size_t)(n / 2 + 1) * sizeof *mod);
                if (!mod) {
                    st = tmx__error(TMX_ENOMEM, "cost: out of memory");
                    goto cleanup;
                }
                TMX_TRY(circulant_moduli(1, n, c, mod));
                double rho = 0.0;
                for (int64_t q = 1; q < n / 2 + 1; q++) rho = fmax(rho, mod[q]);
                if (rho > 1.0 - 64.0 * DBL_EPSILON * (double)tmx__ceil_log2(n)) rho = 1.0;
                r.slem = r.beta = rho;
                r.gap = 1.0 - rho;
                r.method = TMX_METHOD_DFT;
                have_rate = 1;
            }
        } else {
            normal = tmx__csr_exactly_symmetric(&W);
        }
    }
    if (!have_rate) TMX_TRY(tmx_rate_topo(t, 0, o->method, &r));
    /* a doubly stochastic W has ρ ≤ ‖W − J‖₂ ≤ 1; above 1 is rounding */
    out->rate = fmin(r.slem, 1.0);
    if (normal) {
        /* (W − J)^t = W^t − J, and for a normal matrix ‖(W − J)^t‖₂ = ρ^t */
        out->steps_how = TMX_COST_STEPS_SPECTRAL;
        double lr = log_rate(out->rate, r.gap);
        out->steps_to_eps = steps_from_log(lr, o->eps);
        if (out->steps_to_eps > 0) out->error_at_steps = exp((double)out->steps_to_eps * lr);
        goto cleanup;
    }
    /* non-normal: the products, within the work they may take; else the bound β^t */
    double lb = r.beta < 1.0 ? log(r.beta) : 0.0;
    int64_t bound = steps_from_log(lb, o->eps);
    double nnz = W.nnz > 0 ? (double)W.nnz : 1.0;
    if (bound > 0 && (n > TMX_DENSE_MAX_N || (double)bound * (nnz + 3.0 * (double)n) * (double)n > TMX_COST_MAX_WORK)) {
        out->steps_how = TMX_COST_STEPS_BETA_BOUND;
        out->steps_to_eps = bound;
        out->error_at_steps = exp((double)bound * lb);
        goto cleanup;
    }
    out->steps_how = TMX_COST_STEPS_PRODUCTS;
    TMX_TRY(steps_dense(t, o->eps, bound > 0 ? bound : INT64_MAX, out));
cleanup:
    tmx_csr_destroy(&W);
    free(c);
    free(mod);
    return st;
}

tmx_status tmx_cost_topo(const tmx_topo *t, const tmx_cost_opts *o, tmx_cost *out)
{
    memset(out, 0, sizeof *out);
    out->steps_to_eps = -1;
    if (!t || !o) return tmx__error(TMX_EINVAL, "cost: NULL argument");
    if (!(o->eps > 0.0 && o->eps < 1.0)) return tmx__error(TMX_EINVAL, "eps must be in (0, 1), got %g", o->eps);
    tmx_status st = tmx_cost_model_check(&o->model);
    if (st != TMX_OK) return st;
    out->eps = o->eps;
    out->model = o->model;
    out->message_time = o->model.alpha + o->model.message_bytes / o->model.bandwidth;
    TMX_TRY(tmx_cost_messages(t, &out->messages_per_step, &out->messages_exact, &out->messages_samples));
    tmx_topo_kind kind = tmx_topo_kind_of(t);
    if (tmx_topo_n(t) == 1) { /* X = X̄ from the start: nothing to do, nothing to send */
        out->steps_to_eps = 0;
        out->exact_averaging = 1;
        out->steps_how = kind == TMX_TOPO_RANDOM ? TMX_COST_STEPS_EXPECTED
                         : kind == TMX_TOPO_PERIODIC ? TMX_COST_STEPS_PRODUCTS : TMX_COST_STEPS_SPECTRAL;
        return TMX_OK;
    }
    if (kind == TMX_TOPO_STATIC) {
        TMX_TRY(cost_static(t, o, out));
    } else if (kind == TMX_TOPO_PERIODIC) {
        tmx_seq_rate seq;
        if (o->seq_rate) seq = *o->seq_rate;
        else TMX_TRY(tmx_rate_periodic(t, TMX_METHOD_AUTO, &seq));
        out->rate = fmin(seq.step_rate, 1.0);
        out->steps_how = TMX_COST_STEPS_PRODUCTS;
        if (tmx__topo_is_circulant(t)) TMX_TRY(steps_circulant_periodic(t, o->eps, out));
        else TMX_TRY(steps_dense(t, o->eps, INT64_MAX, out));
    } else {
        tmx_random_rate rr;
        if (o->random_rate) rr = *o->random_rate;
        else TMX_TRY(tmx_rate_random(t, o->samples, &rr));
        double omp = fmin(fmax(rr.one_minus_p, 0.0), 1.0);
        out->rate = sqrt(omp);
        out->steps_how = TMX_COST_STEPS_EXPECTED;
        double lr = omp <= 0.0 ? -INFINITY : 0.5 * log(omp);
        out->steps_to_eps = steps_from_log(lr, o->eps);
        if (out->steps_to_eps > 0) out->error_at_steps = exp((double)out->steps_to_eps * lr);
    }
    if (out->steps_to_eps < 0) {
        out->error_at_steps = 1.0;
        out->messages_to_eps = out->bytes_per_node_to_eps = out->time_to_eps = INFINITY;
        return TMX_OK;
    }
    out->exact_averaging = out->steps_how != TMX_COST_STEPS_EXPECTED && out->steps_how != TMX_COST_STEPS_BETA_BOUND &&
                           out->error_at_steps <= EXACT_TOL;
    if (kind == TMX_TOPO_PERIODIC) {
        /* the steps actually taken, 0..t−1: whole periods plus the first steps of the next */
        int64_t P = tmx_topo_period(t), whole = out->steps_to_eps / P, rest = out->steps_to_eps % P;
        double *per = malloc((size_t)P * sizeof *per);
        if (!per) return tmx__error(TMX_ENOMEM, "cost: out of memory");
        st = messages_steps(t, 0, P, per);
        double sum = 0.0, part = 0.0;
        for (int64_t s = 0; s < P; s++) sum += per[s], part += s < rest ? per[s] : 0.0;
        free(per);
        if (st != TMX_OK) goto cleanup;
        out->messages_to_eps = (double)whole * sum + part;
    } else {
        out->messages_to_eps = (double)out->steps_to_eps * out->messages_per_step;
    }
    out->bytes_per_node_to_eps = out->messages_to_eps * o->model.message_bytes;
    out->time_to_eps = out->messages_to_eps * out->message_time;
cleanup:
    return st;
}
