/* topomix — datasets for the simulator: LIBSVM/SVMlight text I/O, synthetic data with a planted
 * model, and partitions into n shards (docs/definitions.md §9). */
#ifndef TMX_DATA_H
#define TMX_DATA_H

#include <stdint.h>
#include <stdio.h>
#include <topomix/error.h>
#include <topomix/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A dense dataset: m samples of d features, row-major (sample i is A[i*d .. i*d + d − 1], one
 *  contiguous row, so minibatch kernels read sampled rows in place), and one label per sample.
 *  Binary problems use labels −1/+1; multi-class ones 0..nclass−1 (stored as doubles). Caller-owned
 *  struct: initialise with = {0}, release with tmx_dataset_destroy. */
typedef struct tmx_dataset {
    int64_t m, d;
    double *A;      /**< m × d, row-major */
    double *y;      /**< m labels */
    int64_t nclass; /**< number of distinct classes (2 for binary ±1 data) */
} tmx_dataset;

TMX_API void tmx_dataset_destroy(tmx_dataset *D);

/** How labels are read. */
typedef enum tmx_label_mode {
    TMX_LABELS_BINARY = 0, /**< y ≤ 0 → −1, y > 0 → +1 (logistic, least squares) */
    TMX_LABELS_CLASSES = 1,/**< distinct values sorted ascending → 0..C−1 (MLP) */
    TMX_LABELS_RAW = 2     /**< kept as read (regression) */
} tmx_label_mode;

/** Reads LIBSVM/SVMlight text: one sample per line, `label idx:val idx:val …`, indices 1-based and
 *  strictly increasing; blank lines and `#` comments (whole-line or trailing) are skipped; CRLF is
 *  accepted. dim > 0 fixes d (an index above it is an error); dim = 0 takes d = the largest index.
 *  Errors (TMX_EPARSE, message naming the line): non-numeric label or value, NaN/Inf, index 0 or
 *  negative, non-increasing indices, missing ':', an index above dim; TMX_ENOMEM when m × d doubles
 *  would exceed memory (checked before allocating: a single huge index cannot allocate
 *  terabytes); TMX_EPARSE for a file with no samples (or, with dim = 0, no feature at all);
 *  TMX_EUNSUP for SVMlight `qid:` tokens; TMX_EINVAL for dim < 0 or an unknown mode. D's previous
 *  content is freed; on failure D is left empty. */
TMX_API tmx_status tmx_libsvm_read(FILE *f, int64_t dim, tmx_label_mode mode, tmx_dataset *D);
TMX_API tmx_status tmx_libsvm_read_file(const char *path, int64_t dim, tmx_label_mode mode, tmx_dataset *D);

/** Writes D as LIBSVM text (zeros omitted, values %.17g, labels %.17g). TMX_EIO on failure;
 *  TMX_EINVAL (nothing written) for a malformed D or a NaN/Inf entry or label, which the reader
 *  would refuse. */
TMX_API tmx_status tmx_libsvm_write(FILE *f, const tmx_dataset *D);

/** Synthetic data with a planted model (seeded, reproducible bit for bit: every entry is a
 *  counter-based draw keyed by the seed, shard, sample and coordinate, so the data do not depend on
 *  the number of OpenMP threads that generate them in parallel).
 *  Features a ~ N(μ_s, I) for a sample of shard s, with μ_s = hetero · u_s where u_s is a unit
 *  vector drawn per shard (hetero = 0: every shard from one distribution). The planted model
 *  x* ~ N(0, I/d). Labels: binary: b = sign(aᵀx* + noise·ε) (ties → +1); regression:
 *  b = aᵀx* + noise·ε; classes (nclass ≥ 2): argmax_c (a ᵀ X*_c + noise·ε_c) with X* ~ N(0, I/d)
 *  per class. Samples are generated shard by shard: rows [s·per_shard, (s+1)·per_shard) belong
 *  to shard s, so the contiguous partition recovers the heterogeneous shards. */
typedef struct tmx_synth_params {
    int64_t shards;     /**< n ≥ 1 */
    int64_t per_shard;  /**< samples per shard ≥ 1 */
    int64_t d;          /**< features ≥ 1 */
    uint64_t seed;
    double hetero;      /**< ≥ 0 */
    double noise;       /**< ≥ 0 */
    tmx_label_mode mode;/**< BINARY, RAW (regression) or CLASSES */
    int64_t nclass;     /**< CLASSES: ≥ 2 */
} tmx_synth_params;

/** Defaults: shards 1, per_shard 100, d 10, seed 1, hetero 0, noise 0.1, BINARY, nclass 0. */
TMX_API void tmx_synth_params_init(tmx_synth_params *p);
/** TMX_EINVAL for parameters out of range, TMX_ENOMEM when the data would exceed memory. D's
 *  previous content is freed. D->nclass is 2 (BINARY), 0 (RAW) or p->nclass (CLASSES). */
TMX_API tmx_status tmx_data_synth(const tmx_synth_params *p, tmx_dataset *D);

/** Partition of m samples into n shards: shard i holds samples order[start[i] .. start[i+1] − 1].
 *  Caller-owned; release with tmx_partition_destroy. */
typedef struct tmx_partition {
    int64_t n, m;
    int64_t *order; /**< m sample indices */
    int64_t *start; /**< n + 1 offsets */
} tmx_partition;

typedef enum tmx_partition_kind {
    TMX_PART_CONTIGUOUS = 0, /**< shard i gets rows ⌊i·m/n⌋ … ⌊(i+1)·m/n⌋ − 1 in file order */
    TMX_PART_SHUFFLE = 1,    /**< a seeded uniform permutation, then contiguous */
    TMX_PART_LABEL_SKEW = 2  /**< per class, Dirichlet(α) proportions over shards (seeded) */
} tmx_partition_kind;

/** Parses "contiguous", "shuffle", "label-skew:ALPHA" (α > 0, finite; *alpha = 0 for the other
 *  two). TMX_EINVAL with a message for anything else. */
TMX_API tmx_status tmx_partition_parse(const char *s, tmx_partition_kind *kind, double *alpha);

/** Builds the partition; n ≤ m required (TMX_EINVAL otherwise), and every shard is non-empty:
 *  label skew gives a shard that its Dirichlet cuts left empty one sample of the largest shard
 *  (deterministic; nothing moves when no shard is empty). Label skew needs class labels
 *  (D->nclass ≥ 1: ±1 or 0..nclass−1; RAW data is TMX_EINVAL). TMX_EUNSUP when shuffling more
 *  than 2^32 samples (GSL's 32-bit generator). P's previous content is freed. */
TMX_API tmx_status tmx_partition_make(const tmx_dataset *D, int64_t n, tmx_partition_kind kind, double alpha,
                                      uint64_t seed, tmx_partition *P);
TMX_API void tmx_partition_destroy(tmx_partition *P);

#ifdef __cplusplus
}
#endif
#endif
