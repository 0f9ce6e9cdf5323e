/* topomix — internals of the datasets exposed to the unit tests: the LIBSVM reader's number parser
 * (data/libsvm.c), the synthetic data's counter-based normal generator and row generator
 * (data/synth.c). Not installed. */
#ifndef TMX_DATA_INTERNAL_H
#define TMX_DATA_INTERNAL_H

#include <stdint.h>
#include <topomix/data.h>

/* The reader's number: 1 and *out = strtod's value when [s, e) is exactly one finite number as
 * strtod reads it, else 0. Fast paths for plain decimals, strtod for the rest. */
int tmx__libsvm_parse_real(const char *s, const char *e, double *out);

/* Ziggurat of 256 layers for N(0, 1) [Marsaglia & Tsang 2000, with Doornik's 2005 fix: the layer
 * and the uniform come from separate bits]: x[i] the right edges (x[256] = 0), r[i] = x[i+1]/x[i],
 * f[i] = exp(−x[i]²/2) (f[0] is unused: layer 0 is the base and the tail). */
enum { TMX__ZIG_LAYERS = 256 };
typedef struct tmx__zig {
    double x[TMX__ZIG_LAYERS + 1];
    double r[TMX__ZIG_LAYERS];
    double f[TMX__ZIG_LAYERS + 1];
} tmx__zig;

void tmx__zig_init(tmx__zig *Z);

/* Draw e of the counter-based stream `key`: N(0, 1), a function of (key, e) alone. */
double tmx__zig_normal(const tmx__zig *Z, uint64_t key, uint64_t e);

/* Rows [begin, end) of the dataset that tmx_data_synth(p) makes, written to A + begin·d and
 * y + begin, with the planted model X (nmodel × d, from tmx__synth_model) and a scratch array mu
 * of d doubles. Each row is a function of (p, row) alone, so any split of [0, m) into calls gives
 * the same bytes: this is what makes the data independent of the thread count. */
void tmx__synth_model(const tmx_synth_params *p, const tmx__zig *Z, double *X);
void tmx__synth_rows(const tmx_synth_params *p, const tmx__zig *Z, const double *X, int64_t begin, int64_t end,
                     double *A, double *y, double *mu);


/* Datasets that hold some rows only (a rank's shards under MPI, docs/definitions.md §24): row j of
 * D is sample rows[j] of the whole dataset, which is never held. */
/* Rows rows[0..count) of the dataset tmx_data_synth(p) makes (rows NULL: all of them); features 0
 * leaves D->A NULL (the labels alone, generated row by row through one row's scratch). */
tmx_status tmx__synth_select(const tmx_synth_params *p, const int64_t *rows, int64_t count, int features,
                             tmx_dataset *D);
/* Picks the rows to keep, given the whole dataset's labels (labels->A is NULL): *rows[0..*count),
 * or *rows NULL for every row in order; *rows stays the callee's and outlives the call. */
typedef tmx_status (*tmx__pick_rows)(void *ctx, const tmx_dataset *labels, const int64_t **rows, int64_t *count);
/* tmx_data_synth, keeping the rows that pick chooses (*rows NULL: all of them, in order) given the
 * whole dataset's labels (labels 0: zeros, for a pick that reads m alone). */
tmx_status tmx__synth_pick(const tmx_synth_params *p, int labels, tmx__pick_rows pick, void *ctx, tmx_dataset *D);
/* tmx_libsvm_read_file, keeping the dense rows that pick chooses once every sample is read (and the
 * labels are mapped over all of them): the sparse nonzeros of the whole file are held meanwhile. */
tmx_status tmx__libsvm_read_rows(const char *path, int64_t dim, tmx_label_mode mode, tmx__pick_rows pick, void *ctx,
                                 tmx_dataset *D);

#endif
