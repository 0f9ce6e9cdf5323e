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

#endif
