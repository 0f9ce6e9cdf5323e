/* topomix — synthetic data with a planted model (docs/definitions.md §9).
 *
 * Reproducible bit for bit from the seed, whatever the number of threads. Every entry is a draw of
 * a counter-based generator: draw e of the stream `key` is splitmix64's e-th output from the state
 * key [Steele, Lea & Flood 2014], a function of (key, e) alone, so the rows can be generated in
 * any order and split among OpenMP threads at will. GSL has no counter-based generator (its
 * generators are sequential: a thread would have to skip ahead draw by draw), hence this small
 * kernel. Normals come from a 256-layer ziggurat [Marsaglia & Tsang 2000; Doornik 2005]: one
 * 64-bit draw per normal in 99% of cases; the rare rejections draw from a second stream keyed by
 * the first draw, so every entry still depends on its own counter alone. The keys:
 *   - the planted model x* (or X*)          (seed, MODEL, 0),  draw k = entry k;
 *   - the unit direction u_s of shard s     (seed, MEANS, s),  attempt a's key + a, draw j;
 *   - sample t of shard s                   (seed, SAMPLES, s) + t: draws 0..d−1 the features,
 *                                           d + c the label noise ε_c.
 * So the planted model does not depend on shards or per_shard, shard s's mean does not depend on
 * how many shards there are, and the first k samples of a shard do not depend on per_shard. */
#include "internal.h"

#include "data/data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <topomix/data.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum { STREAM_MODEL = 101, STREAM_MEANS = 102, STREAM_SAMPLES = 103 };
#define GAMMA 0x9e3779b97f4a7c15ull /* splitmix64's increment */

/* splitmix64's output function of the state x + γ (internal.h), called once per entry. */
#define mix tmx__mix64

static uint64_t key3(uint64_t seed, uint64_t stream, uint64_t step)
{
    return mix(mix(mix(seed) ^ stream) ^ step);
}

/* Uniform on (0, 1), never 0 (log is taken): 52 bits plus a half, exact in double. */
static double unit_open(uint64_t r) { return ((double)(r >> 12) + 0.5) * 0x1p-52; }

/* Uniform on (−1, 1), symmetric, never 0: the odd integers of (−2^52, 2^52) over 2^52, from bits
 * 12..63 (bits 0..7 pick the layer: disjoint bits, Doornik's fix of the original ziggurat). */
static double unit_signed(uint64_t r)
{
    return (double)((int64_t)(((r >> 12) << 1) | 1) - ((int64_t)1 << 52)) * 0x1p-52;
}

void tmx__zig_init(tmx__zig *Z)
{
    /* R, the start of the tail, closes 256 layers of equal area V (V = R f(R) + the tail's area,
     * f(x) = exp(−x²/2)): the recursion below then ends at V/x[255] + f(x[255]) = 1 to 1e-11. */
    const double R = 3.6541528853610088;
    double f = exp(-0.5 * R * R);
    const double V = R * f + sqrt(M_PI / 2.0) * erfc(R / M_SQRT2);
    Z->x[0] = V / f; /* the base: a rectangle of width V/f(R) standing for [0, R] and the tail */
    Z->x[1] = R;
    Z->x[TMX__ZIG_LAYERS] = 0.0;
    for (int i = 2; i < TMX__ZIG_LAYERS; i++) {
        Z->x[i] = sqrt(-2.0 * log(V / Z->x[i - 1] + f));
        f = exp(-0.5 * Z->x[i] * Z->x[i]);
    }
    for (int i = 0; i < TMX__ZIG_LAYERS; i++) Z->r[i] = Z->x[i + 1] / Z->x[i];
    for (int i = 0; i <= TMX__ZIG_LAYERS; i++) Z->f[i] = exp(-0.5 * Z->x[i] * Z->x[i]);
}

/* The ziggurat's slow path: a wedge or the tail, starting from the first draw r (whose layer's
 * rectangle test failed). Further uniforms come from splitmix64 seeded by a hash of r. */
static double zig_slow(const tmx__zig *Z, uint64_t r)
{
    uint64_t state = mix(r ^ 0x7a696767757261ull); /* "ziggura" */
    for (;;) {
        unsigned i = (unsigned)(r & 0xff);
        double u = unit_signed(r);
        if (fabs(u) < Z->r[i]) return u * Z->x[i];
        if (i == 0) { /* the tail beyond R [Marsaglia 1964] */
            double x, yy;
            do {
                x = log(unit_open(mix(state))) / Z->x[1];
                yy = log(unit_open(mix(state + GAMMA)));
                state += 2 * GAMMA;
            } while (-2.0 * yy < x * x);
            return u < 0 ? x - Z->x[1] : Z->x[1] - x;
        }
        /* the wedge: a height uniform between f(x[i]) and f(x[i+1]), accepted under the curve */
        double x = u * Z->x[i];
        double v = unit_open(mix(state));
        r = mix(state + GAMMA);
        state += 2 * GAMMA;
        if (Z->f[i] + v * (Z->f[i + 1] - Z->f[i]) < exp(-0.5 * x * x)) return x;
    }
}

static inline double zig_normal(const tmx__zig *Z, uint64_t key, uint64_t e)
{
    uint64_t r = mix(key + e * GAMMA);
    double u = unit_signed(r);
    unsigned i = (unsigned)(r & 0xff);
    if (fabs(u) < Z->r[i]) return u * Z->x[i]; /* inside the layer's rectangle: 98.8% of draws */
    return zig_slow(Z, r);
}

double tmx__zig_normal(const tmx__zig *Z, uint64_t key, uint64_t e) { return zig_normal(Z, key, e); }

void tmx_synth_params_init(tmx_synth_params *p)
{
    if (!p) return;
    p->shards = 1;
    p->per_shard = 100;
    p->d = 10;
    p->seed = 1;
    p->hetero = 0.0;
    p->noise = 0.1;
    p->mode = TMX_LABELS_BINARY;
    p->nclass = 0;
}

static tmx_status check_params(const tmx_synth_params *p)
{
    if (p->shards < 1)
        return tmx__error(TMX_EINVAL, "data_synth: shards must be >= 1, got %lld", (long long)p->shards);
    if (p->per_shard < 1)
        return tmx__error(TMX_EINVAL, "data_synth: per_shard must be >= 1, got %lld",
                          (long long)p->per_shard);
    if (p->d < 1) return tmx__error(TMX_EINVAL, "data_synth: d must be >= 1, got %lld", (long long)p->d);
    if (!(isfinite(p->hetero) && p->hetero >= 0.0))
        return tmx__error(TMX_EINVAL, "synthetic data: --hetero must be finite and >= 0, got %g", p->hetero);
    if (!(isfinite(p->noise) && p->noise >= 0.0))
        return tmx__error(TMX_EINVAL, "synthetic data: --noise must be finite and >= 0, got %g", p->noise);
    if (p->mode != TMX_LABELS_BINARY && p->mode != TMX_LABELS_CLASSES && p->mode != TMX_LABELS_RAW)
        return tmx__error(TMX_EINVAL, "data_synth: unknown label mode %d", (int)p->mode);
    if (p->mode == TMX_LABELS_CLASSES && p->nclass < 2)
        return tmx__error(TMX_EINVAL, "data_synth: class labels need nclass >= 2, got %lld",
                          (long long)p->nclass);
    return TMX_OK;
}

static double dot(const double *a, const double *b, int64_t d)
{
    double s = 0.0;
    for (int64_t j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

static int64_t model_count(const tmx_synth_params *p) { return p->mode == TMX_LABELS_CLASSES ? p->nclass : 1; }

void tmx__synth_model(const tmx_synth_params *p, const tmx__zig *Z, double *X)
{
    /* x* ~ N(0, I/d), one per class for class labels */
    const double sd = 1.0 / sqrt((double)p->d);
    const uint64_t key = key3(p->seed, STREAM_MODEL, 0);
    for (int64_t k = 0; k < model_count(p) * p->d; k++) X[k] = sd * zig_normal(Z, key, (uint64_t)k);
}

/* μ_s = hetero · u_s, u_s uniform on the unit sphere (a normalised Gaussian; a zero vector, which
 * the ziggurat cannot draw, would be redrawn). */
static void shard_mean(const tmx_synth_params *p, const tmx__zig *Z, int64_t s, double *mu)
{
    const int64_t d = p->d;
    const uint64_t key = key3(p->seed, STREAM_MEANS, (uint64_t)s);
    double norm = 0.0;
    for (uint64_t attempt = 0; !(norm > 0.0); attempt++) {
        for (int64_t j = 0; j < d; j++) mu[j] = zig_normal(Z, key + attempt, (uint64_t)j);
        norm = sqrt(dot(mu, mu, d));
    }
    for (int64_t j = 0; j < d; j++) mu[j] = p->hetero * (mu[j] / norm);
}

/* Row i of the dataset into a (d entries) and *y; *cur and *shard_key cache the shard of the
 * previous call (cur = −1 at first), whose mean mu holds. */
static void synth_row(const tmx_synth_params *p, const tmx__zig *Z, const double *X, int64_t i, double *a, double *y,
                      double *mu, int64_t *cur, uint64_t *shard_key)
{
    const int64_t d = p->d, nmodel = model_count(p);
    const int64_t s = i / p->per_shard, t = i - s * p->per_shard;
    if (s != *cur) {
        *cur = s;
        *shard_key = key3(p->seed, STREAM_SAMPLES, (uint64_t)s);
        if (p->hetero > 0.0) shard_mean(p, Z, s, mu);
    }
    const uint64_t key = mix(*shard_key + (uint64_t)t * GAMMA);
    /* hetero = 0 leaves μ_s = 0, and 0 + g = g: the same entries as adding a zero mean */
    if (p->hetero > 0.0)
        for (int64_t j = 0; j < d; j++) a[j] = mu[j] + zig_normal(Z, key, (uint64_t)j);
    else
        for (int64_t j = 0; j < d; j++) a[j] = zig_normal(Z, key, (uint64_t)j);
    if (p->mode == TMX_LABELS_CLASSES) {
        int64_t best = 0;
        double zbest = 0.0;
        for (int64_t c = 0; c < nmodel; c++) {
            double z = dot(a, X + c * d, d) + p->noise * zig_normal(Z, key, (uint64_t)(d + c));
            if (c == 0 || z > zbest) best = c, zbest = z; /* ties: the lowest class */
        }
        *y = (double)best;
    } else {
        double z = dot(a, X, d) + p->noise * zig_normal(Z, key, (uint64_t)d);
        *y = p->mode == TMX_LABELS_RAW ? z : (z >= 0.0 ? 1.0 : -1.0);
    }
}

void tmx__synth_rows(const tmx_synth_params *p, const tmx__zig *Z, const double *X, int64_t begin, int64_t end,
                     double *A, double *y, double *mu)
{
    int64_t cur = -1;
    uint64_t shard_key = 0;
    for (int64_t i = begin; i < end; i++) synth_row(p, Z, X, i, A + i * p->d, y + i, mu, &cur, &shard_key);
}

/* The argument checks both entry points start with: D emptied, p valid, the library initialised. */
static tmx_status synth_start(const tmx_synth_params *p, tmx_dataset *D)
{
    if (!D) return tmx__error(TMX_EINVAL, "data_synth: D is NULL");
    tmx_dataset_destroy(D);
    if (!p) return tmx__error(TMX_EINVAL, "data_synth: params are NULL");
    tmx_status st = check_params(p);
    if (st == TMX_OK) tmx_init();
    return st;
}

tmx_status tmx__synth_select(const tmx_synth_params *p, const int64_t *rows, int64_t count, int features,
                             tmx_dataset *D)
{
    tmx_status st = TMX_OK;
    double *A = NULL, *y = NULL, *X = NULL, *mu = NULL;
    TMX_TRY(synth_start(p, D));
    const int64_t d = p->d, nmodel = model_count(p);
    double m_dbl = (double)p->shards * (double)p->per_shard;
    if (!rows) count = (int64_t)m_dbl; /* all rows: refused below when they would not fit */
    double bytes = ((double)count * ((double)(features ? d : 0) + 1.0) + (double)(nmodel + 2) * (double)d) * 8.0;
    TMX_TRY(tmx__check_bytes(bytes, "data_synth: the dataset"));
    for (int64_t j = 0; rows && j < count; j++)
        if (rows[j] < 0 || (double)rows[j] >= m_dbl)
            return tmx__error(TMX_EINVAL, "data_synth: row %lld outside the %.0f samples", (long long)rows[j], m_dbl);
    A = features ? tmx__alloc_big(tmx__mul_size((size_t)(count ? count : 1) * (size_t)d, sizeof *A), 0)
                 : malloc((size_t)d * sizeof *A); /* one row's scratch */
    y = malloc((size_t)(count ? count : 1) * sizeof *y);
    X = malloc((size_t)nmodel * (size_t)d * sizeof *X);
    mu = malloc((size_t)d * sizeof *mu);
    if (!A || !y || !X || !mu) {
        st = tmx__error(TMX_ENOMEM, "data_synth: out of memory for %lld x %lld samples", (long long)count, (long long)d);
        goto cleanup;
    }
    tmx__zig Z;
    tmx__zig_init(&Z);
    tmx__synth_model(p, &Z, X);
    int64_t cur = -1;
    uint64_t shard_key = 0;
    for (int64_t j = 0; j < count; j++)
        synth_row(p, &Z, X, rows ? rows[j] : j, features ? A + j * d : A, y + j, mu, &cur, &shard_key);
    D->m = count;
    D->d = d;
    D->A = features ? A : NULL;
    D->y = y;
    D->nclass = p->mode == TMX_LABELS_CLASSES ? p->nclass : p->mode == TMX_LABELS_BINARY ? 2 : 0;
    if (features) A = NULL;
    y = NULL;
cleanup:
    free(A);
    free(y);
    free(X);
    free(mu);
    return st;
}

tmx_status tmx__synth_pick(const tmx_synth_params *p, int labels, tmx__pick_rows pick, void *ctx, tmx_dataset *D)
{
    tmx_dataset L = {0};
    const int64_t *rows = NULL;
    int64_t count = 0;
    if (!D || !p || !pick) return tmx__error(TMX_EINVAL, "data_synth: NULL argument");
    tmx_dataset_destroy(D);
    tmx_status st = check_params(p);
    if (st != TMX_OK) return st;
    if (labels) {
        st = tmx__synth_select(p, NULL, 0, 0, &L);
    } else { /* zero labels: the partition reads m alone */
        double m = (double)p->shards * (double)p->per_shard;
        st = tmx__check_bytes(m * 8.0, "data_synth: the labels");
        if (st == TMX_OK && !(L.y = calloc((size_t)m, sizeof *L.y)))
            st = tmx__error(TMX_ENOMEM, "data_synth: out of memory for %.0f labels", m);
        L.m = (int64_t)m;
        L.d = p->d;
        L.nclass = p->mode == TMX_LABELS_CLASSES ? p->nclass : p->mode == TMX_LABELS_BINARY ? 2 : 0;
    }
    if (st == TMX_OK) st = pick(ctx, &L, &rows, &count);
    if (st == TMX_OK) st = tmx__synth_select(p, rows, count, 1, D);
    tmx_dataset_destroy(&L);
    return st;
}

tmx_status tmx_data_synth(const tmx_synth_params *p, tmx_dataset *D)
{
    tmx_status st = TMX_OK;
    double *A = NULL, *y = NULL, *X = NULL, *mu = NULL;
    TMX_TRY(synth_start(p, D));

#ifdef _OPENMP
    const int nthr = omp_get_max_threads();
#else
    const int nthr = 1;
#endif
    const int64_t d = p->d, nmodel = model_count(p);
    /* A (m × d), y (m), X* (nmodel × d), μ_s (d per thread), all doubles; decided in floating
     * point so that shards × per_shard × d cannot overflow before it is refused. */
    double m_dbl = (double)p->shards * (double)p->per_shard;
    double bytes = (m_dbl * ((double)d + 1.0) + (double)(nmodel + nthr) * (double)d) * (double)sizeof(double);
    TMX_TRY(tmx__check_bytes(bytes, "data_synth: the dataset"));
    const int64_t m = p->shards * p->per_shard; /* fits: m doubles fit in memory */

    A = tmx__alloc_big(tmx__mul_size((size_t)m * (size_t)d, sizeof *A), 0);
    y = malloc((size_t)m * sizeof *y);
    X = malloc((size_t)nmodel * (size_t)d * sizeof *X);
    mu = malloc((size_t)nthr * (size_t)d * sizeof *mu);
    if (!A || !y || !X || !mu) {
        st = tmx__error(TMX_ENOMEM, "data_synth: out of memory for %lld x %lld samples", (long long)m,
                        (long long)d);
        goto cleanup;
    }

    tmx__zig Z;
    tmx__zig_init(&Z);
    tmx__synth_model(p, &Z, X);
    /* Each thread generates one contiguous block of rows (and first touches its pages); small
     * sets stay on one thread, where starting a team would cost more than the work. */
#ifdef _OPENMP
#pragma omp parallel if (m * (d + 1) >= 65536)
#endif
    {
#ifdef _OPENMP
        const int64_t tid = omp_get_thread_num(), nt = omp_get_num_threads();
#else
        const int64_t tid = 0, nt = 1;
#endif
        tmx__synth_rows(p, &Z, X, m / nt * tid + (tid < m % nt ? tid : m % nt),
                        m / nt * (tid + 1) + (tid + 1 < m % nt ? tid + 1 : m % nt), A, y, mu + tid * d);
    }

    D->m = m;
    D->d = d;
    D->A = A;
    D->y = y;
    D->nclass = p->mode == TMX_LABELS_CLASSES ? p->nclass : p->mode == TMX_LABELS_BINARY ? 2 : 0;
    A = y = NULL;
cleanup:
    free(A);
    free(y);
    free(X);
    free(mu);
    return st;
}
