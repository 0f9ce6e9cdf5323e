/* topomix simulator — the engine: state, algorithms, metrics, written against the backend table
 * (the CPU backend: backend_cpu.c; checkpoints: checkpoint.c; the clock: clock.c; the event-driven
 * AD-PSGD: adpsgd.c; SGP: sgp.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/src/internal.h"
#include "problem.h"
#include "sim_internal.h"
#include "sim_mpi.h"
#include <topomix/cost.h>
#include <topomix/sim.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static const char *const algo_names[TMX_ALGO_COUNT] = {"dsgd", "dpsgd", "dmsgd", "vdmsgd", "qgdmsgd",
                                                       "psgd", "local", "easgd", "coop",  "gt",
                                                       "adpsgd", "sgp"};
static const char *const problem_names[TMX_PROB_COUNT] = {"logreg-nc", "lsq-nc", "mlp"};

tmx_status tmx_algo_parse(const char *s, tmx_algo *out)
{
    for (int a = 0; a < TMX_ALGO_COUNT; a++)
        if (s && strcmp(s, algo_names[a]) == 0) return *out = (tmx_algo)a, TMX_OK;
    return tmx__error(TMX_EINVAL, "unknown algorithm '%s' (dsgd, dpsgd, dmsgd, vdmsgd, qgdmsgd, psgd, local, easgd, coop, gt, adpsgd, sgp)",
                      s ? s : "(null)");
}

const char *tmx_algo_name(tmx_algo a) { return (unsigned)a < TMX_ALGO_COUNT ? algo_names[a] : "unknown"; }

tmx_status tmx_problem_parse(const char *s, tmx_problem_kind *out)
{
    for (int p = 0; p < TMX_PROB_COUNT; p++)
        if (s && strcmp(s, problem_names[p]) == 0) return *out = (tmx_problem_kind)p, TMX_OK;
    return tmx__error(TMX_EINVAL, "unknown problem '%s' (logreg-nc, lsq-nc, mlp)", s ? s : "(null)");
}

const char *tmx_problem_name(tmx_problem_kind p) { return (unsigned)p < TMX_PROB_COUNT ? problem_names[p] : "unknown"; }

tmx_status tmx_precision_parse(const char *s, tmx_precision *out)
{
    if (s && strcmp(s, "f64") == 0) return *out = TMX_PREC_F64, TMX_OK;
    if (s && strcmp(s, "f32") == 0) return *out = TMX_PREC_F32, TMX_OK;
    return tmx__error(TMX_EINVAL, "unknown precision '%s' (f64, f32)", s ? s : "(null)");
}

tmx_status tmx_device_parse(const char *s, tmx_device *out)
{
    if (s && strcmp(s, "cpu") == 0) return *out = TMX_DEVICE_CPU, TMX_OK;
    if (s && strcmp(s, "gpu") == 0) return *out = TMX_DEVICE_GPU, TMX_OK;
    return tmx__error(TMX_EINVAL, "unknown device '%s' (cpu, gpu)", s ? s : "(null)");
}

tmx_status tmx_sim_device_name(char *buf, size_t len)
{
    char name[256];
#if TMX_HAVE_DEVICE
    tmx_status st = tmx__device_probe(name, sizeof name);
    if (st != TMX_OK) return st;
    if (buf && len) snprintf(buf, len, "%s", name);
    return TMX_OK;
#else
    (void)name;
    if (buf && len) buf[0] = '\0';
    return tmx__error(TMX_EUNSUP, "--device gpu: this build has no device backend (configure with meson setup -Ddevice=omp, "
                                  "or -Ddevice=cuda where nvcc is installed)");
#endif
}

int tmx_sim_device_available(void)
{
#if TMX_HAVE_DEVICE
    char name[256];
    return tmx__device_probe(name, sizeof name) == TMX_OK;
#else
    return 0;
#endif
}

const char *tmx_sim_backend_name(const tmx_sim *s) { return s->be->name; }

void tmx_sim_config_init(tmx_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->algo = TMX_ALGO_DSGD;
    c->problem = TMX_PROB_LOGREG_NC;
    c->iters = 100;
    c->lr = 0.1;
    c->momentum = 0.9;
    c->qg_mu = -1.0;
    c->reg = 1e-3;
    c->hidden = 16;
    c->batch = 32;
    c->seed = 1;
    c->period = 4;
    c->alpha = 0.1;
    c->decay_factor = 0.1;
    c->init_scale = -1.0; /* the problem's default: zeros, Glorot uniform for the MLP */
    c->control_factor = 0.5;
    c->control_max_rounds = 1000;
    c->compute = TMX_COMPUTE_CONST;
    c->compute_a = 0.1;  /* seconds per local step */
    c->latency = TMX_COST_DEFAULT_ALPHA;       /* seconds per message: the cost model's default */
    c->bandwidth = TMX_COST_DEFAULT_BANDWIDTH; /* bytes per second: 10 Gbit/s, likewise */
    c->message_bytes = -1.0; /* the model's bytes */
}

/* ---- state ------------------------------------------------------------------------------------ */

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int needs(const tmx_sim_config *c, int b)
{
    tmx_algo a = c->algo;
    switch (b) {
    case BUF_X:
    case BUF_V:
    case BUF_G: return 1;
    case BUF_M: return a == TMX_ALGO_DMSGD || a == TMX_ALGO_VDMSGD || a == TMX_ALGO_QGDMSGD;
    case BUF_MH: return a == TMX_ALGO_QGDMSGD;
    case BUF_Y:
    case BUF_GOLD: return a == TMX_ALGO_GT;
    default: return 0;
    }
}

double tmx_sim_estimate_bytes(const tmx_sim_config *cfg, int64_t n, int64_t p, int64_t aux)
{
    int nb = 0;
    for (int b = 0; b < NBUF; b++) nb += needs(cfg, b);
    double esz = cfg->precision == TMX_PREC_F32 ? 4.0 : 8.0;
    /* the state buffers (adpsgd: X, the n snapshots in V, G); xbar, gbar, z, the f32 model copy and
     * the per-thread workspaces (which hold a few p-vectors at most); the clock's per-node times,
     * draws and degrees; adpsgd's event queue and counters */
    double async = cfg->algo == TMX_ALGO_ADPSGD ? TMX__ASYNC_BYTES_PER_NODE * (double)n : 0.0;
    if (cfg->algo == TMX_ALGO_SGP) /* the de-biased models and the push-sum weights */
        async = (double)p * (double)(n + aux) * esz + TMX__PUSH_BYTES_PER_NODE * (double)(n + aux);
    return (double)nb * (double)p * (double)(n + aux) * esz + 8.0 * (double)p * 8.0 + 40.0 * (double)(n + aux) + async;
}


static tmx_status validate_config(const tmx_sim_config *c)
{
    if ((unsigned)c->algo >= TMX_ALGO_COUNT) return tmx__error(TMX_EINVAL, "unknown algorithm");
    if (c->iters < 0) return tmx__error(TMX_EINVAL, "--iters must be >= 0");
    if (!(c->lr > 0.0) || !isfinite(c->lr)) return tmx__error(TMX_EINVAL, "--lr must be a finite number > 0");
    if (!(c->momentum >= 0.0 && c->momentum < 1.0))
        return tmx__error(TMX_EINVAL, "--momentum must be in [0, 1), got %g", c->momentum);
    if (c->qg_mu >= 1.0 || !isfinite(c->qg_mu)) /* < 0: μ = β */
        return tmx__error(TMX_EINVAL, "--qg-mu must be in [0, 1), got %g", c->qg_mu);
    if (c->batch < 0) return tmx__error(TMX_EINVAL, "--batch must be >= 1 or 'full'");
    if (c->period < 1) return tmx__error(TMX_EINVAL, "--period must be >= 1");
    if (c->algo == TMX_ALGO_EASGD && (!(c->alpha > 0.0) || !isfinite(c->alpha)))
        return tmx__error(TMX_EINVAL, "--alpha must be > 0, got %g", c->alpha);
    if (c->aux < 0) return tmx__error(TMX_EINVAL, "--aux must be >= 0");
    if (c->aux > 0 && c->algo != TMX_ALGO_COOP) return tmx__error(TMX_EINVAL, "--aux applies to --algo coop only");
    if (!isfinite(c->init_scale) || (c->init_scale < 0 && c->init_scale != -1.0))
        return tmx__error(TMX_EINVAL, "--init must be finite and >= 0 (or -1 in the API: the problem's default)");
    if (c->ndecay < 0 || c->ndecay > TMX_SIM_MAX_DECAYS) return tmx__error(TMX_EINVAL, "at most %d decays", TMX_SIM_MAX_DECAYS);
    for (int q = 0; q < c->ndecay; q++)
        if (!(c->decay_at[q] > 0.0 && c->decay_at[q] < 1.0) || (q > 0 && c->decay_at[q] <= c->decay_at[q - 1]))
            return tmx__error(TMX_EINVAL, "decay points must be increasing fractions in (0, 1)");
    if (!(c->decay_factor > 0.0 && c->decay_factor <= 1.0))
        return tmx__error(TMX_EINVAL, "--lr-decay-factor must be in (0, 1], got %g", c->decay_factor);
    if (c->warmup < 0) return tmx__error(TMX_EINVAL, "--warmup must be >= 0");
    if (c->control != TMX_CONTROL_NONE && (!(c->control_factor > 0.0) || !isfinite(c->control_factor)))
        return tmx__error(TMX_EINVAL, "--consensus-target factor must be > 0");
    if (c->control != TMX_CONTROL_NONE &&
        (c->algo == TMX_ALGO_PSGD || c->algo == TMX_ALGO_LOCAL || c->algo == TMX_ALGO_EASGD || c->algo == TMX_ALGO_COOP))
        return tmx__error(TMX_EINVAL, "consensus control applies to gossip algorithms (dsgd, dpsgd, dmsgd, vdmsgd, qgdmsgd, gt)");
    if (c->control != TMX_CONTROL_NONE && c->algo == TMX_ALGO_ADPSGD)
        return tmx__error(TMX_EINVAL, "--consensus-target does not apply to --algo adpsgd (no synchronous gossip rounds to repeat)");
    if (c->control != TMX_CONTROL_NONE && c->algo == TMX_ALGO_SGP) /* extra rounds would move x and not w */
        return tmx__error(TMX_EINVAL, "--consensus-target does not apply to --algo sgp (its rounds would have to carry the push-sum weights)");
    if (c->control_max_rounds < 1) return tmx__error(TMX_EINVAL, "control rounds cap must be >= 1");
    if (c->control_phases && c->control == TMX_CONTROL_NONE)
        return tmx__error(TMX_EINVAL, "--control-phases needs --consensus-target");
    if (c->control_phases >> (c->ndecay + 1))
        return tmx__error(TMX_EINVAL, "--control-phases: phases are 0..%d (--lr-decay gives %d decay point%s)", c->ndecay,
                          c->ndecay, c->ndecay == 1 ? "" : "s");
    if ((unsigned)c->precision > TMX_PREC_F32) return tmx__error(TMX_EINVAL, "unknown precision");
    if ((unsigned)c->device > TMX_DEVICE_GPU) return tmx__error(TMX_EINVAL, "unknown device");
    return TMX_OK;
}

void tmx_sim_free(tmx_sim *s)
{
    if (!s) return;
    for (int b = 0; b < NBUF; b++)
        if (s->buf[b]) s->be->release(s, s->buf[b]);
    free(s->z);
    free(s->xbar);
    free(s->gbar);
    free(s->ws);
    free(s->Af);
    free(s->model);
    if (s->Wcache)
        for (int64_t q = 0; q < s->ncache; q++) tmx_csr_destroy(&s->Wcache[q]);
    free(s->Wcache);
    free(s->outdeg_msgs);
    tmx_csr_destroy(&s->Wrand);
    tmx_topo_ws_free(s->topo_ws);
    tmx__clock_free(&s->clk);
    tmx__adpsgd_free(&s->as);
    tmx__sgp_free(s, &s->ps);
    tmx__mpi_free(s);
    free(s->hcol);
    if (s->be->close) s->be->close(s);
    free(s);
}

static int64_t offdiag_nnz(const tmx_csr *W)
{
    int64_t c = 0;
    for (int64_t i = 0; i < W->n; i++)
        for (int64_t e = W->rowptr[i]; e < W->rowptr[i + 1]; e++) c += W->col[e] != i && W->val[e] != 0.0;
    return c;
}

tmx_status tmx_sim_new(const tmx_sim_config *cfg, const tmx_topo *topo, const tmx_dataset *D, const tmx_partition *P,
                       tmx_sim **out)
{
    *out = NULL;
    tmx_status st = validate_config(cfg);
    if (st != TMX_OK) return st;
    if (!topo || !D || !P) return tmx__error(TMX_EINVAL, "sim: topology, data and partition are required");
    int64_t n = P->n, aux = cfg->aux;
    if ((st = tmx__clock_validate(cfg, n)) != TMX_OK) return st;
    if (tmx_topo_n(topo) != n + aux)
        return tmx__error(TMX_EDIM, "sim: the topology has %lld nodes but %lld agents%s need %lld", (long long)tmx_topo_n(topo),
                          (long long)n, aux ? " plus auxiliary nodes" : "", (long long)(n + aux));
    tmx_sim *s = calloc(1, sizeof *s);
    if (!s) return tmx__error(TMX_ENOMEM, "sim: out of memory");
    s->cfg = *cfg;
    s->be = &tmx__cpu_backend;
    if (cfg->device == TMX_DEVICE_GPU) {
#if TMX_HAVE_DEVICE
        s->be = &tmx__device_backend;
#else
        free(s);
        return tmx_sim_device_name(NULL, 0); /* the refusal, recorded */
#endif
    }
    if (s->cfg.qg_mu < 0) s->cfg.qg_mu = s->cfg.momentum;
    s->topo = topo;
    s->D = D;
    s->P = P;
    s->n = n;
    s->aux = aux;
    s->N = n + aux;
    s->wrand_k = -1;
    TMX_TRY(tmx__mpi_attach(s)); /* under mpirun: this rank's columns (mpi.c) */
    s->order_id = 1; /* of the partition the gradients read (under MPI, the rank's own) */
    for (int64_t k = 0; k < s->P->m && s->order_id; k++) s->order_id = s->P->order[k] == k;
    /* EASGD is A(τ, W_α, 1) with W_α's eigenvalues 1, 1 − α and 1 − (n+1)α (docs/definitions.md
     * §6): the anchor exchange contracts only for 0 < α < 2/(n+1). */
    if (cfg->algo == TMX_ALGO_EASGD && !(cfg->alpha * (double)(n + 1) < 2.0)) {
        st = tmx__error(TMX_EINVAL, "--alpha %g: elastic averaging over %lld agents needs alpha < 2/(n+1) = %.4g",
                        cfg->alpha, (long long)n, 2.0 / (double)(n + 1));
        goto cleanup;
    }
    TMX_TRY(tmx__problem_init(&s->pb, cfg->problem, D, cfg->hidden, cfg->reg));
    s->p = s->pb.p;
    s->f32 = cfg->precision == TMX_PREC_F32;
    s->esz = s->f32 ? sizeof(float) : sizeof(double);
    {
        char what[96];
        snprintf(what, sizeof what, "simulation (%lld agents x %lld parameters, and its mixing matrices)", (long long)s->N,
                 (long long)s->p);
        /* beside the data, already read: the state, the data's f32 copy, and the mixing matrices (a
         * period's, or the one a random topology rebuilds in place) with the temporaries of a build */
        double data32 = s->f32 ? (double)D->m * (double)D->d * 4.0 : 0.0;
        int64_t mats = tmx_topo_kind_of(topo) == TMX_TOPO_RANDOM ? 1 : tmx_topo_period(topo);
        TMX_TRY(tmx__check_bytes(tmx_sim_estimate_bytes(&s->cfg, s->mpi ? s->ncols : n, s->p, s->mpi ? 0 : aux) + data32 +
                                     tmx__topo_weights_bytes(topo, mats),
                                 what));
    }
    if (s->be->open) TMX_TRY(s->be->open(s)); /* device context, the data and the partition uploaded */
    size_t state = (size_t)s->p * (size_t)s->ncols; /* this rank's columns: all in one process */
    for (int b = 0; b < NBUF; b++)
        if (needs(&s->cfg, b) && !(s->buf[b] = s->be->alloc(s, tmx__mul_size(state, s->esz)))) goto nomem;
    if (!s->be->host) { /* tmx_sim_model's column, read back */
        if (!(s->hcol = malloc((size_t)s->p * s->esz)) || (s->f32 && !(s->model = calloc((size_t)s->p, sizeof(double)))))
            goto nomem;
    } else if (s->f32) {
        size_t cells = (size_t)D->m * (size_t)D->d;
        if (!(s->Af = tmx__alloc_big(tmx__mul_size(cells, sizeof(float)), 0)) || !(s->model = calloc((size_t)s->p, sizeof(double))))
            goto nomem;
        for (size_t q = 0; q < cells; q++) s->Af[q] = (float)D->A[q];
        s->pb.Af = s->Af;
    }
    s->xbar = calloc((size_t)s->p, sizeof(double));
    s->gbar = calloc((size_t)s->p, sizeof(double));
    s->z = calloc((size_t)s->p, sizeof(double));
#ifdef _OPENMP
    s->nthreads = omp_get_max_threads();
#else
    s->nthreads = 1;
#endif
    s->ws_stride = tmx__problem_ws(&s->pb) + 8;
    s->ws = calloc((size_t)(s->ws_stride * s->nthreads), sizeof(double));
    if (!s->xbar || !s->gbar || !s->z || !s->ws) goto nomem;
    /* mixing matrices */
    tmx_topo_kind kind = tmx_topo_kind_of(topo);
    s->ncache = kind == TMX_TOPO_RANDOM ? 0 : tmx_topo_period(topo);
    if (s->ncache > 0) {
        s->Wcache = calloc((size_t)s->ncache, sizeof *s->Wcache);
        s->outdeg_msgs = calloc((size_t)s->ncache, sizeof *s->outdeg_msgs);
        if (!s->Wcache || !s->outdeg_msgs) goto nomem;
        for (int64_t q = 0; q < s->ncache; q++) {
            TMX_TRY(tmx_topo_weights(topo, q, &s->Wcache[q]));
            s->outdeg_msgs[q] = offdiag_nnz(&s->Wcache[q]);
        }
    } else {
        TMX_TRY(tmx_topo_ws_new(&s->topo_ws));
    }
    TMX_TRY(tmx__mpi_setup(s)); /* under mpirun: the exchange plans and halos */
    TMX_TRY(tmx__clock_init(s));
    s->cfg.slowdown = NULL; /* copied into the clock: the caller's array need not outlive the call */
    /* initial models: identical on every agent */
    if (cfg->init_scale > 0) {
        for (int64_t k = 0; k < s->p; k++) {
            /* Box–Muller on the counter-based hash: reproducible, no generator state */
            double u1 = ((double)(tmx__hash4(cfg->seed, 0x1417, (uint64_t)k, 1) >> 11) + 0.5) / 9007199254740992.0;
            double u2 = ((double)(tmx__hash4(cfg->seed, 0x1417, (uint64_t)k, 2) >> 11) + 0.5) / 9007199254740992.0;
            s->z[k] = cfg->init_scale * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
        }
        s->be->cols_set(s, s->buf[BUF_X], 0.0, 1.0, s->z, s->N);
    } else if (cfg->init_scale < 0) {
        if (tmx__problem_default_init(&s->pb, cfg->seed, s->z)) s->be->cols_set(s, s->buf[BUF_X], 0.0, 1.0, s->z, s->N);
        else s->cfg.init_scale = 0.0; /* the zero model, recorded as --init 0 (checkpoints as before) */
    }
    if (cfg->algo == TMX_ALGO_ADPSGD) TMX_TRY(tmx__adpsgd_init(s)); /* the first gradients, at x_i(0) */
    if (cfg->algo == TMX_ALGO_SGP) TMX_TRY(tmx__sgp_init(s));       /* w_i = 1, z_i = x_i(0) */
    if (s->mpi && (st = tmx__mpi_agree(s, TMX_OK)) != TMX_OK) { /* another rank failed */
        tmx_sim_free(s);
        return st;
    }
    *out = s;
    return TMX_OK;
nomem:
    st = tmx__error(TMX_ENOMEM, "sim: out of %s for %lld agents x %lld parameters", s->be->host ? "memory" : "device memory",
                    (long long)s->N, (long long)s->p);
cleanup:
    if (s->mpi) st = tmx__mpi_agree(s, st); /* every rank refuses, with the first failing rank's message */
    tmx_sim_free(s);
    return st;
}

int64_t tmx_sim_iter(const tmx_sim *s) { return s->iter; }
int64_t tmx_sim_dim(const tmx_sim *s) { return s->p; }
/* The agents' models: x, or SGP's de-biased z = x / w. */
static const void *models(const tmx_sim *s) { return s->ps.Z ? s->ps.Z : s->buf[BUF_X]; }

const double *tmx_sim_model(const tmx_sim *s, int64_t i)
{
    const void *col = (const char *)models(s) + (size_t)(i * s->p) * s->esz;
    if (!s->be->host) { /* device memory: the column read back */
        s->be->to_host(s, s->hcol, col, (size_t)s->p * s->esz);
        col = s->hcol;
    }
    if (!s->f32) return col;
    const float *x = col;
    for (int64_t k = 0; k < s->p; k++) s->model[k] = x[k];
    return s->model;
}

double tmx_sim_bytes(const tmx_sim *s)
{
    double b = 0;
    for (int k = 0; k < NBUF; k++) b += s->buf[k] ? (double)s->p * (double)s->N * (double)s->esz : 0.0;
    if (s->Af) b += (double)s->D->m * (double)s->D->d * 4.0;
    b += 3.0 * (double)s->p * 8.0 + (double)(s->ws_stride * s->nthreads) * 8.0;
    for (int64_t q = 0; q < s->ncache; q++) b += (double)s->Wcache[q].nnz * 16.0 + (double)(s->N + 1) * 8.0;
    b += (double)s->N * (32.0 + 4.0 * (double)(s->ncache ? s->ncache : 1)) + (double)s->ncache; /* the clock */
    if (s->as.heap) b += TMX__ASYNC_BYTES_PER_NODE * (double)s->n;
    if (s->ps.Z) b += (double)s->p * (double)s->N * (double)s->esz + TMX__PUSH_BYTES_PER_NODE * (double)s->N;
    return b;
}

/* ---- step size schedule ----------------------------------------------------------------------- */

static int phase_of(const tmx_sim *s, int64_t k)
{
    int ph = 0;
    for (int q = 0; q < s->cfg.ndecay; q++)
        if ((double)k >= s->cfg.decay_at[q] * (double)s->cfg.iters) ph = q + 1;
    return ph;
}

static double lr_at(const tmx_sim *s, int64_t k)
{
    const tmx_sim_config *c = &s->cfg;
    double g = c->lr;
    if (c->schedule == TMX_LR_STEP)
        g *= pow(c->decay_factor, phase_of(s, k));
    else if (c->schedule == TMX_LR_COSINE && c->iters > 0)
        g *= 0.5 * (1.0 + cos(M_PI * (double)k / (double)c->iters));
    if (c->warmup > 0 && k < c->warmup) g *= (double)(k + 1) / (double)c->warmup;
    return g;
}

double tmx__lr_at(const tmx_sim *s, int64_t k) { return lr_at(s, k); }

/* ---- gossip ----------------------------------------------------------------------------------- */

static void mix(const tmx_sim *s, const tmx_csr *W, const void *in, void *out, mix_stats *st)
{
    s->be->mix_axpy(s, W, in, NULL, 0.0, out, st);
}

/* The mixing matrix of step k. */
static tmx_status weights_at(tmx_sim *s, int64_t k, const tmx_csr **W, int64_t *msgs)
{
    if (s->ncache > 0) {
        int64_t q = k % s->ncache;
        *W = &s->Wcache[q];
        *msgs = s->outdeg_msgs[q];
        return TMX_OK;
    }
    tmx_status st = TMX_OK;
    if (s->wrand_k != k) { /* built once per step, however many callers ask (MPI's halo plan, the step) */
        st = tmx_topo_weights_ws(s->topo, k, &s->Wrand, s->topo_ws);
        s->wrand_k = st == TMX_OK ? k : -1;
        s->wrand_version++; /* a new matrix for the device to upload */
    }
    *W = &s->Wrand;
    *msgs = offdiag_nnz(&s->Wrand);
    return st;
}

tmx_status tmx__weights_at(tmx_sim *s, int64_t k, const tmx_csr **W, int64_t *msgs) { return weights_at(s, k, W, msgs); }

/* ---- gradients -------------------------------------------------------------------------------- */

static void swap(void **a, void **b)
{
    void *t = *a;
    *a = *b;
    *b = t;
}


/* The backend's gradients (see tmx__backend), timed. */
static void gradients(tmx_sim *s, const void *X, void *G, int64_t counter, int adapt, double gamma,
                      double *mean_norm2)
{
    double t0 = wall();
    s->be->gradients(s, X, G, counter, adapt, gamma, mean_norm2);
    s->t_grad += wall() - t0;
}

void tmx__grad_one(tmx_sim *s, int64_t i, const void *X, void *G, int64_t counter)
{
    double t0 = wall();
    s->be->grad_one(s, i, X, G, counter);
    s->t_grad += wall() - t0;
}

/* ---- one iteration ---------------------------------------------------------------------------- */

static tmx_status step(tmx_sim *s);

tmx_status tmx_sim_step(tmx_sim *s)
{
    double t0 = wall();
    tmx_status st = step(s);
    s->t_step += wall() - t0;
    if (s->be->check) { /* a device call that failed within the step */
        tmx_status dst = s->be->check(s);
        if (dst != TMX_OK) return dst;
    }
    return st;
}

void tmx_sim_times(const tmx_sim *s, double *step, double *gradients)
{
    if (step) *step = s->t_step;
    if (gradients) *gradients = s->t_grad;
}

static tmx_status step(tmx_sim *s)
{
    if (s->cfg.algo == TMX_ALGO_ADPSGD) return tmx__adpsgd_step(s); /* event-driven: adpsgd.c */
    if (s->mpi) { /* a random W^(k)'s exchange plan, before the step holds buffer pointers */
        tmx_status pst = tmx__mpi_prestep(s);
        if (pst != TMX_OK) return pst;
    }
    const tmx_sim_config *c = &s->cfg;
    int64_t k = s->iter, p = s->p, n = s->n;
    double gamma = lr_at(s, k), gnorm = 0.0, esz = (double)s->esz;
    void **X = &s->buf[BUF_X], **V = &s->buf[BUF_V], *G = s->buf[BUF_G];
    const tmx_csr *W = NULL;
    int64_t msgs = 0;
    mix_stats ms = {0, 0};
    int gossip = 1, want_norm = c->control == TMX_CONTROL_ADAPTIVE;
    double *gn = want_norm ? &gnorm : NULL;
    tmx_status st = TMX_OK;
    double model_bytes = (double)p * esz;
    /* the simulated clock (clock.c): this step's compute draws, then one of its three transitions */
    enum { CLOCK_GOSSIP, CLOCK_ALLREDUCE, CLOCK_LOCAL } tick = CLOCK_GOSSIP;
    int ticking = !s->clk.skip;
    int64_t wq = s->ncache > 0 ? k % s->ncache : -1; /* W^(k)'s index in the cache (−1: s->Wrand) */
    if (ticking) tmx__clock_draws(s, k, c->algo == TMX_ALGO_GT && !s->gt_ready);

    switch (c->algo) {
    case TMX_ALGO_DSGD:
    case TMX_ALGO_COOP: /* X ← (X − γG) W_k, the local step fused into the gradients */
        gradients(s, *X, G, k, 1, gamma, gn);
        if (c->algo == TMX_ALGO_COOP && (k + 1) % c->period != 0) {
            mix(s, NULL, G, *V, &ms); /* W_k = I */
            swap(X, V);
            gossip = 0;
            tick = CLOCK_LOCAL;
            break;
        }
        if ((st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        mix(s, W, G, *V, &ms);
        swap(X, V);
        if (c->algo == TMX_ALGO_COOP && wq >= 0 && s->clk.is_J[wq]) tick = CLOCK_ALLREDUCE; /* A(τ, J, v) */
        break;
    case TMX_ALGO_DPSGD: /* x ← Wx − γg */
        gradients(s, *X, G, k, 0, 0.0, gn);
        if ((st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        mix(s, W, *X, *V, &ms);
        s->be->mix_axpy(s, NULL, *V, G, gamma, *X, &ms);
        break;
    case TMX_ALGO_DMSGD:
    case TMX_ALGO_VDMSGD:
    case TMX_ALGO_QGDMSGD: {
        void *M = s->buf[BUF_M], *Mh = s->buf[BUF_MH];
        gradients(s, *X, G, k, 0, 0.0, gn);
        s->be->vec_comb(s, M, c->momentum, c->algo == TMX_ALGO_QGDMSGD ? Mh : M, 1.0, G, 0.0, NULL); /* m ← βm + g */
        if ((st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        if (c->algo == TMX_ALGO_VDMSGD) { /* x ← Wx − γm */
            mix(s, W, *X, *V, &ms);
            s->be->mix_axpy(s, NULL, *V, M, gamma, *X, &ms);
        } else { /* x⁺ = W(x − γm) */
            s->be->mix_axpy(s, W, *X, M, gamma, *V, &ms);
            if (c->algo == TMX_ALGO_QGDMSGD) { /* m̂ ← μ m̂ + (1 − μ)(x − x⁺)/γ */
                double cc = (1.0 - c->qg_mu) / gamma;
                s->be->vec_comb(s, Mh, c->qg_mu, Mh, cc, *X, -cc, *V);
            }
            swap(X, V);
        }
        break;
    }
    case TMX_ALGO_SGP: /* push-sum (sgp.c): g at z = x/w; x ← W(x − γg); w ← Ww; z ← x/w */
        gradients(s, s->ps.Z, G, k, 0, 0.0, gn);
        if ((st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        s->be->mix_axpy(s, W, *X, G, gamma, *V, &ms);
        swap(X, V);
        tmx__sgp_update(s, W);
        model_bytes += 8.0; /* the weight w_j rides with each message */
        break;
    case TMX_ALGO_PSGD: /* x ← x − γ·mean(g) on every worker */
        gradients(s, *X, G, k, 0, 0.0, gn);
        s->be->cols_mean(s, G, s->gbar);
        s->be->cols_set(s, *X, 1.0, -gamma, s->gbar, n);
        mix(s, NULL, *X, *X, &ms);
        msgs = 2 * (n - 1) * n; /* ring All-Reduce: 2(n−1) messages of p/n values per node */
        model_bytes = (double)p * esz / (double)n;
        tick = CLOCK_ALLREDUCE;
        break;
    case TMX_ALGO_LOCAL:
    case TMX_ALGO_EASGD:
        gradients(s, *X, G, k, 0, 0.0, gn);
        s->be->mix_axpy(s, NULL, *X, G, gamma, *V, &ms); /* local step */
        swap(X, V);
        gossip = (k + 1) % c->period == 0;
        tick = gossip ? CLOCK_ALLREDUCE : CLOCK_LOCAL; /* easgd's anchor exchange: an All-Reduce too */
        if (!gossip) break;
        s->be->cols_mean(s, *X, s->xbar);
        if (c->algo == TMX_ALGO_LOCAL) { /* x_i ← x̄ */
            s->be->cols_set(s, *X, 0.0, 1.0, s->xbar, n);
            msgs = 2 * (n - 1) * n;
            model_bytes = (double)p * esz / (double)n;
        } else { /* x_i ← (1−α)x_i + α z and z ← (1 − nα) z + α Σ_i x_i, simultaneously */
            double a = c->alpha;
            s->be->cols_set(s, *X, 1.0 - a, a, s->z, n);
            for (int64_t q = 0; q < p; q++) s->z[q] = (1.0 - (double)n * a) * s->z[q] + a * (double)n * s->xbar[q];
            msgs = 2 * n; /* each worker sends to and receives from the anchor */
        }
        mix(s, NULL, *X, *X, &ms);
        break;
    case TMX_ALGO_GT: { /* x⁺ = W(x − γy); y⁺ = Wy + g(x⁺) − g(x) */
        if (!s->gt_ready) { /* y_0 = g(x_0) */
            gradients(s, *X, s->buf[BUF_GOLD], 0, 0, 0.0, NULL);
            s->be->vec_comb(s, s->buf[BUF_Y], 1.0, s->buf[BUF_GOLD], 0.0, NULL, 0.0, NULL);
            s->gt_ready = 1;
        }
        if ((st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        s->be->mix_axpy(s, W, *X, s->buf[BUF_Y], gamma, *V, &ms);
        swap(X, V);
        gradients(s, *X, G, k + 1, 0, 0.0, gn);
        mix_stats unused;
        mix(s, W, s->buf[BUF_Y], *V, &unused); /* Wy */
        s->be->vec_comb(s, s->buf[BUF_Y], 1.0, *V, 1.0, G, -1.0, s->buf[BUF_GOLD]);
        swap(&s->buf[BUF_G], &s->buf[BUF_GOLD]); /* g(x⁺) becomes the next step's g(x) */
        msgs *= 2; /* x and y travel together */
        break;
    }
    default: return tmx__error(TMX_EINVAL, "unknown algorithm");
    }
    if (ticking) {
        if (tick == CLOCK_GOSSIP) tmx__clock_gossip(s, W, wq, c->algo == TMX_ALGO_GT ? 2 : 1, 1); /* gt: x and y */
        else if (tick == CLOCK_ALLREDUCE) tmx__clock_allreduce(s);
        else tmx__clock_local(s);
    }
    if (gossip) {
        s->gossip_rounds++;
        s->messages += msgs;
        s->bytes += (double)msgs * model_bytes;
    }

    /* consensus control (docs/definitions.md §7): extra gossip rounds until Ξ² ≤ target */
    int ph = phase_of(s, k);
    if (ph != s->phase) s->phase = ph, s->phase_max = 0.0;
    if (c->control != TMX_CONTROL_NONE && (c->control_phases == 0 || (c->control_phases >> ph) & 1u)) {
        s->grad_ema = s->iter == 0 ? gnorm : 0.9 * s->grad_ema + 0.1 * gnorm;
        if (ms.consensus > s->phase_max) s->phase_max = ms.consensus;
        double target = c->control_factor * (c->control == TMX_CONTROL_CONST ? s->phase_max : s->grad_ema);
        if (!W && (st = weights_at(s, k, &W, &msgs)) != TMX_OK) return st;
        if (c->algo == TMX_ALGO_GT) msgs /= 2; /* control rounds move x alone */
        for (int64_t r = 0; r < c->control_max_rounds && ms.consensus > target; r++) {
            mix(s, W, *X, *V, &ms);
            swap(X, V);
            s->gossip_rounds++;
            s->messages += msgs;
            s->bytes += (double)msgs * (double)p * esz;
            if (ticking) tmx__clock_gossip(s, W, wq, 1, 0); /* a round without compute */
        }
        s->last_target = target;
        if (ms.consensus > target) s->capped++;
    }
    s->iter++;
    if (!isfinite(ms.sumsq))
        return tmx__error(TMX_ENOCONV, "the state holds NaN or Inf after iteration %lld (lower --lr?)", (long long)s->iter);
    return TMX_OK;
}

/* ---- metrics ---------------------------------------------------------------------------------- */

tmx_status tmx_sim_metrics_get(tmx_sim *s, tmx_sim_metrics *m)
{
    int64_t p = s->p, n = s->n;
    memset(m, 0, sizeof *m);
    s->be->cols_mean(s, models(s), s->xbar); /* sgp: the mean of the de-biased z_i */
    double cons = s->be->consensus(s, models(s), s->xbar);
    if (s->be->check) {
        tmx_status st = s->be->check(s);
        if (st != TMX_OK) return st;
    }
    /* f(x̄) = (1/n) Σ_i [mean over shard i] + R(x̄), ∇ likewise; accuracy over every sample */
    memset(s->gbar, 0, (size_t)p * sizeof(double));
    double loss = 0.0;
    int64_t correct = 0;
    if (s->mpi) loss = tmx__mpi_loss(s, &correct); /* the ranks' agents, chained in this order */
    for (int64_t i = 0; i < n && !s->mpi; i++) {
        int64_t mi = s->P->start[i + 1] - s->P->start[i];
        loss += tmx__problem_accumulate(&s->pb, s->xbar, s->P->order + s->P->start[i], mi, 1.0 / (double)n, s->gbar,
                                        &correct, s->ws);
    }
    loss += tmx__problem_reg(&s->pb, s->xbar, s->gbar);
    double g2 = 0.0;
    for (int64_t k = 0; k < p; k++) g2 += s->gbar[k] * s->gbar[k];
    m->iter = s->iter;
    m->loss = loss;
    m->grad_norm2 = g2;
    m->consensus = cons / (double)n;
    m->accuracy = (s->pb.kind == TMX_PROB_MLP || s->D->nclass == 2) ? (double)correct / (double)s->P->m : NAN;
    m->lr = lr_at(s, s->iter);
    m->gossip_rounds = s->gossip_rounds;
    m->messages = s->messages;
    m->bytes_sent = s->bytes;
    m->control_target = s->last_target;
    m->control_capped = s->capped;
    m->time = tmx__clock_now(s);
    m->time_compute = s->clk.compute / (double)s->N;
    m->time_comm = s->clk.comm / (double)s->N;
    m->staleness = NAN;
    if (s->as.heap) { /* the mean over the events since the previous call, which becomes the mark */
        tmx__async *a = &s->as;
        if (a->events > a->mark_events)
            m->staleness = (double)(a->stale_sum - a->mark_sum) / (double)(a->events - a->mark_events);
        m->events = a->events;
        a->mark_events = a->events;
        a->mark_sum = a->stale_sum;
    }
    return isfinite(loss) ? TMX_OK : tmx__error(TMX_ENOCONV, "the loss is not finite at iteration %lld", (long long)s->iter);
}

/* ---- benchmark hooks -------------------------------------------------------------------------- */


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tmx_sim_time_mix(tmx_sim *s, int reps)
{
    const tmx_csr *W = NULL;
    int64_t msgs;
    if (reps < 1 || weights_at(s, 0, &W, &msgs) != TMX_OK) return NAN;
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t) return NAN;
    mix_stats ms;
    for (int r = 0; r < reps; r++) {
        double t0 = wall();
        mix(s, W, s->buf[BUF_X], s->buf[BUF_V], &ms);
        t[r] = wall() - t0;
        swap(&s->buf[BUF_X], &s->buf[BUF_V]);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2];
    free(t);
    return med;
}

double tmx_sim_traffic_bytes(const tmx_sim *s)
{
    /* per iteration of dsgd-like algorithms: G written, X read twice (gradient and update), V
     * written then read by the gossip, X written: ≥ 5 passes over p·N doubles; the sampled rows
     * (B·d doubles per agent, or the whole shard for full batches); W's entries */
    double state = (double)s->p * (double)s->N * 8.0;
    double rows = s->cfg.batch ? (double)s->cfg.batch * (double)s->n : (double)s->P->m;
    double data = rows * (double)s->D->d * 8.0;
    double w = s->ncache ? (double)s->Wcache[0].nnz * 16.0 : 0.0;
    return 5.0 * state + data + w;
}
