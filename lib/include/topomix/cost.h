/* topomix — the communication cost of a topology: messages per step, gossip steps until the
 * consensus error reaches ε, and the time and bytes that takes under the α-β model
 * (docs/definitions.md §14). */
#ifndef TMX_COST_H
#define TMX_COST_H

#include <stdint.h>
#include <topomix/error.h>
#include <topomix/export.h>
#include <topomix/spectral.h>
#include <topomix/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The α-β model: one message of S bytes between two nodes costs α + S/B seconds, and a node sends
 *  and receives one message at a time per direction. */
typedef struct tmx_cost_model {
    double alpha;         /**< latency per message, seconds, ≥ 0 */
    double bandwidth;     /**< B, bytes per second, > 0 */
    double message_bytes; /**< S, bytes per message, ≥ 0 */
} tmx_cost_model;

/** Defaults: 10 µs latency, 10 Gbit/s, 1 MB (a ResNet-20 in f32). */
#define TMX_COST_DEFAULT_ALPHA 1e-5
#define TMX_COST_DEFAULT_BANDWIDTH 1.25e9
#define TMX_COST_DEFAULT_MESSAGE_BYTES 1e6
/** Default target consensus error. */
#define TMX_COST_DEFAULT_EPS 1e-4

/** Options of tmx_cost_topo. Initialise with tmx_cost_opts_init. */
typedef struct tmx_cost_opts {
    double eps;             /**< target ‖X_t − X̄‖ ≤ ε‖X_0 − X̄‖, in (0, 1) */
    tmx_cost_model model;
    tmx_method method;      /**< how the rate of a static, non-circulant W is computed (AUTO) */
    int64_t samples;        /**< Monte Carlo draws of a random topology's rate p, ≥ 20 (1000) */
    /** Rates already computed by the caller, used instead of computing them again (NULL: computed
     *  here): tmx_rate_topo of a static topology, tmx_rate_periodic of a periodic one,
     *  tmx_rate_random of a random one. */
    const tmx_rate *rate;
    const tmx_seq_rate *seq_rate;
    const tmx_random_rate *random_rate;
} tmx_cost_opts;

/** How steps_to_eps was obtained. */
typedef enum tmx_cost_steps_how {
    /** ‖W^t − J‖₂ = ρ^t exactly: W symmetric or normal (every circulant, the exponential graph
     *  included), ρ its SLEM. */
    TMX_COST_STEPS_SPECTRAL = 0,
    /** ‖W^(t−1)⋯W^(0) − J‖₂ of the actual products from phase 0 (one column of the DFT for
     *  circulant steps, dense products otherwise). */
    TMX_COST_STEPS_PRODUCTS = 1,
    /** An upper bound from β^t ≥ ‖W^t − J‖₂ (a non-normal static W too large for its products). */
    TMX_COST_STEPS_BETA_BOUND = 2,
    /** In expectation: E‖X_t − X̄‖² ≤ (1 − p)^t ‖X_0 − X̄‖², so the smallest t with
     *  (1 − p)^{t/2} ≤ ε (random topologies). */
    TMX_COST_STEPS_EXPECTED = 3
} tmx_cost_steps_how;

TMX_API const char *tmx_cost_steps_how_name(tmx_cost_steps_how h); /**< "spectral", "products", … */

/** The cost of a topology. */
typedef struct tmx_cost {
    /** Per node, the larger of the in- and out-degree of W^(k) off the diagonal (entries ≠ 0);
     *  the maximum over nodes, since the busiest node sets the step's time. Static: of W. Periodic:
     *  the mean over one period. Random: the expectation (closed form for matching and equidyn,
     *  else the mean over steps 0..messages_samples−1 of the seeded stream). */
    double messages_per_step;
    int messages_exact;        /**< 1: exact; 0: a mean over messages_samples draws */
    int64_t messages_samples;  /**< 0 when exact */
    /** The per-step rate that compares topologies: ρ (slem) of a static W, step_rate =
     *  period_rate^(1/P) of a periodic one (the worst phase, as tmx_rate_periodic), √(1 − p) of a
     *  random one. A bound per step; steps_to_eps is the count from phase 0. */
    double rate;
    /** Smallest t ≥ 0 whose consensus error is at most eps (worst case over X_0; in expectation for
     *  random topologies); −1 when it is never reached (a rate of 1: a disconnected W or sequence). */
    int64_t steps_to_eps;
    tmx_cost_steps_how steps_how;
    /** The error factor at steps_to_eps: ‖∏ − J‖₂ (spectral, products), its bound β^t, or
     *  (1 − p)^{t/2}; ≤ eps. */
    double error_at_steps;
    /** 1 when the product at steps_to_eps equals J within rounding (‖∏ − J‖₂ ≤ 1e-12): the
     *  sequence averages exactly in that many steps. */
    int exact_averaging;
    /** Messages each node sends (the busiest node's count) over the steps_to_eps steps: the
     *  per-step counts of steps 0..t−1 summed for periodic topologies (a run may stop mid-period),
     *  steps × messages_per_step otherwise. */
    double messages_to_eps;
    double bytes_per_node_to_eps; /**< messages_to_eps × S */
    double time_to_eps;           /**< messages_to_eps × (α + S/B), seconds */
    double message_time;          /**< α + S/B */
    double eps;
    tmx_cost_model model;
} tmx_cost;

/** Sets eps, the model, the method and samples to their defaults, the rates to NULL. */
TMX_API void tmx_cost_opts_init(tmx_cost_opts *o);

/** Checks a model: alpha ≥ 0, bandwidth > 0, message_bytes ≥ 0, all finite (TMX_EINVAL naming
 *  the field otherwise). */
TMX_API tmx_status tmx_cost_model_check(const tmx_cost_model *m);

/** Messages per step of a topology alone (see tmx_cost.messages_per_step). O(nnz) per step. */
TMX_API tmx_status tmx_cost_messages(const tmx_topo *t, double *messages, int *exact, int64_t *samples);

/** The cost of topology t. Assumes W^(k) are mixing matrices (tmx_topo_check_mixing), so that
 *  ‖W^(t−1)⋯W^(0) − J‖₂ never grows with t. Time: O(n log n) for circulant topologies (every
 *  static W whose rows are shifts of the first is treated as one), the rate computation of
 *  tmx_rate_topo for other symmetric static ones, O(t · nnz · n) and O(n²) memory for the dense
 *  products (periodic non-circulant topologies, non-normal static W), refused with TMX_EUNSUP
 *  above n = TMX_DENSE_MAX_N or beyond TMX_COST_MAX_WORK multiply-adds, TMX_ENOMEM when the
 *  products would not fit; random topologies cost tmx_rate_random unless given. */
TMX_API tmx_status tmx_cost_topo(const tmx_topo *t, const tmx_cost_opts *o, tmx_cost *out);

/** Most multiply-adds tmx_cost_topo spends on dense products before giving up. */
#define TMX_COST_MAX_WORK 2e10

/** Draws over which messages_per_step of a random topology without a closed form is averaged. */
#define TMX_COST_MESSAGE_SAMPLES 256

#ifdef __cplusplus
}
#endif
#endif
