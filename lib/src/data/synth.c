/* topomix — synthetic data with a planted model (docs/definitions.md §9).
 *
 * Reproducible bit for bit from the seed. Each kind of randomness has its own generator, seeded by
 * (seed, stream, step) through tmx__derive_seed:
 *   - the planted model x* (or X*)          stream MODEL,   step 0;
 *   - the unit direction u_s of shard s     stream MEANS,   step s;
 *   - the samples of shard s (a, then ε)    stream SAMPLES, step s.
 * So the planted model does not depend on shards or per_shard, shard s's mean does not depend on
 * how many shards there are, and the first k samples of a shard do not depend on per_shard. */
#include "internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <topomix/data.h>

enum { STREAM_MODEL = 101, STREAM_MEANS = 102, STREAM_SAMPLES = 103 };

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

static void reseed(gsl_rng *r, uint64_t seed, uint64_t stream, uint64_t step)
{
    gsl_rng_set(r, tmx__derive_seed(seed, stream, step));
}

static double dot(const double *a, const double *b, int64_t d)
{
    double s = 0.0;
    for (int64_t j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

tmx_status tmx_data_synth(const tmx_synth_params *p, tmx_dataset *D)
{
    tmx_status st = TMX_OK;
    gsl_rng *r = NULL;
    double *A = NULL, *y = NULL, *X = NULL, *mu = NULL;

    if (!D) return tmx__error(TMX_EINVAL, "data_synth: D is NULL");
    tmx_dataset_destroy(D);
    if (!p) return tmx__error(TMX_EINVAL, "data_synth: params are NULL");
    TMX_TRY(check_params(p));
    tmx_init();

    const int64_t d = p->d, nmodel = p->mode == TMX_LABELS_CLASSES ? p->nclass : 1;
    /* A (m × d), y (m), X* (nmodel × d), μ_s (d), all doubles; decided in floating point so that
     * shards × per_shard × d cannot overflow before it is refused. */
    double m_dbl = (double)p->shards * (double)p->per_shard;
    double bytes = (m_dbl * ((double)d + 1.0) + (double)nmodel * (double)d + (double)d) *
                   (double)sizeof(double);
    TMX_TRY(tmx__check_bytes(bytes, "data_synth: the dataset"));
    const int64_t m = p->shards * p->per_shard; /* fits: m doubles fit in memory */

    r = gsl_rng_alloc(gsl_rng_mt19937);
    A = tmx__alloc_big(tmx__mul_size((size_t)m * (size_t)d, sizeof *A), 0);
    y = malloc((size_t)m * sizeof *y);
    X = malloc((size_t)nmodel * (size_t)d * sizeof *X);
    mu = malloc((size_t)d * sizeof *mu);
    if (!r || !A || !y || !X || !mu) {
        st = tmx__error(TMX_ENOMEM, "data_synth: out of memory for %lld x %lld samples", (long long)m,
                        (long long)d);
        goto cleanup;
    }

    /* Planted model: x* ~ N(0, I/d), one per class for class labels. */
    const double model_sd = 1.0 / sqrt((double)d);
    reseed(r, p->seed, STREAM_MODEL, 0);
    for (int64_t k = 0; k < nmodel * d; k++) X[k] = gsl_ran_gaussian(r, model_sd);

    for (int64_t s = 0; s < p->shards; s++) {
        /* μ_s = hetero · u_s, u_s uniform on the unit sphere (a normalised Gaussian; a zero draw,
         * probability 0, is redrawn). */
        reseed(r, p->seed, STREAM_MEANS, (uint64_t)s);
        double norm = 0.0;
        do {
            for (int64_t j = 0; j < d; j++) mu[j] = gsl_ran_gaussian(r, 1.0);
            norm = sqrt(dot(mu, mu, d));
        } while (!(norm > 0.0));
        for (int64_t j = 0; j < d; j++) mu[j] = p->hetero * (mu[j] / norm);

        reseed(r, p->seed, STREAM_SAMPLES, (uint64_t)s);
        for (int64_t i = s * p->per_shard; i < (s + 1) * p->per_shard; i++) {
            double *a = A + i * d;
            for (int64_t j = 0; j < d; j++) a[j] = mu[j] + gsl_ran_gaussian(r, 1.0);
            if (p->mode == TMX_LABELS_CLASSES) {
                int64_t best = 0;
                double zbest = 0.0;
                for (int64_t c = 0; c < nmodel; c++) {
                    double z = dot(a, X + c * d, d) + p->noise * gsl_ran_gaussian(r, 1.0);
                    if (c == 0 || z > zbest) best = c, zbest = z; /* ties: the lowest class */
                }
                y[i] = (double)best;
            } else {
                double z = dot(a, X, d) + p->noise * gsl_ran_gaussian(r, 1.0);
                y[i] = p->mode == TMX_LABELS_RAW ? z : (z >= 0.0 ? 1.0 : -1.0);
            }
        }
    }

    D->m = m;
    D->d = d;
    D->A = A;
    D->y = y;
    D->nclass = p->mode == TMX_LABELS_CLASSES ? p->nclass : p->mode == TMX_LABELS_BINARY ? 2 : 0;
    A = y = NULL;
cleanup:
    gsl_rng_free(r);
    free(A);
    free(y);
    free(X);
    free(mu);
    return st;
}
