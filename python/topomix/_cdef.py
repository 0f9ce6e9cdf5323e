"""The C declarations of libtopomix that the binding uses, copied from lib/include/topomix/*.h.

cffi's ABI mode reads no headers: these declarations are what it believes the library to be.
tests/test_abi.py compiles them against the installed headers (every prototype redeclared, so a
conflicting one fails to compile; every struct's size and field offsets and every enum constant
compared), so a header change cannot silently break the binding. Keep them in the headers' order.
"""

TYPES = r"""
/* error.h */
typedef enum tmx_status {
    TMX_OK = 0, TMX_EINVAL = 1, TMX_ENOMEM = 2, TMX_EDIM = 3, TMX_ENOTSQR = 4, TMX_ENOCONV = 5,
    TMX_ELAPACK = 6, TMX_EIO = 7, TMX_EPARSE = 8, TMX_EUNSUP = 9, TMX_EINTERNAL = 10, TMX_ESYS = 11
} tmx_status;

/* csr.h */
typedef struct tmx_csr {
    int64_t n;
    int64_t nnz;
    int64_t *rowptr;
    int64_t *col;
    double *val;
    int64_t cap;
} tmx_csr;

typedef struct tmx_validation {
    int64_t n, nnz;
    int nonnegative;
    int row_stochastic;
    int col_stochastic;
    int doubly_stochastic;
    int symmetric;
    int connected;
    int64_t min_in_degree, max_in_degree, min_out_degree, max_out_degree;
    double max_row_error, max_col_error, max_asymmetry, min_entry;
    int push_sum;
} tmx_validation;

#define TMX_MIXING_CONNECTED 1
#define TMX_MIXING_PUSH 2

/* topo.h */
typedef enum tmx_topo_kind { TMX_TOPO_STATIC = 0, TMX_TOPO_PERIODIC = 1, TMX_TOPO_RANDOM = 2 } tmx_topo_kind;

typedef enum tmx_weights {
    TMX_WEIGHTS_DEFAULT = 0, TMX_WEIGHTS_METROPOLIS = 1, TMX_WEIGHTS_UNIFORM = 2, TMX_WEIGHTS_LAZY = 3,
    TMX_WEIGHTS_MAX_DEGREE = 4, TMX_WEIGHTS_BEST_CONSTANT = 5, TMX_WEIGHTS_PUSH = 6
} tmx_weights;

typedef enum tmx_index_base { TMX_INDEX_AUTO = 0, TMX_INDEX_ZERO = 1, TMX_INDEX_ONE = 2 } tmx_index_base;

typedef struct tmx_topo_params {
    int64_t n;
    uint64_t seed;
    tmx_weights weights;
    int64_t rows;
    double p;
    int64_t k;
    int64_t m;
    double eta;
    int undirected;
    int64_t base;
    int64_t peers;
    int64_t degree;
    double eps;
    double fail_prob;
    tmx_index_base index_base;
    int directed;
} tmx_topo_params;

typedef struct tmx_topo tmx_topo;

typedef struct tmx_topo_family_info {
    const char *name;
    tmx_topo_kind kind;
    int seeded;
    int graph;
    const char *sizes;
    const char *summary;
} tmx_topo_family_info;

typedef struct tmx_topo_report {
    tmx_validation step;
    int period_connected;
} tmx_topo_report;

/* spectral.h */
typedef enum tmx_method {
    TMX_METHOD_AUTO = 0, TMX_METHOD_DENSE = 1, TMX_METHOD_DFT = 2, TMX_METHOD_ITERATIVE = 3
} tmx_method;

#define TMX_DENSE_MAX_N 4096

typedef struct tmx_rate {
    double slem, beta, gap;
    tmx_method method;
    double residual;
    int64_t iterations;
} tmx_rate;

typedef struct tmx_push_rate {
    double beta, slem, gap;
    double perron_min, perron_max;
} tmx_push_rate;

typedef struct tmx_seq_rate {
    int64_t period;
    double period_rate, step_rate;
    tmx_method method;
} tmx_seq_rate;

typedef struct tmx_random_rate {
    double p, one_minus_p, stderr_p;
    int64_t samples;
    int exact;
} tmx_random_rate;

/* cost.h */
typedef struct tmx_cost_model {
    double alpha;
    double bandwidth;
    double message_bytes;
} tmx_cost_model;

typedef struct tmx_cost_opts {
    double eps;
    tmx_cost_model model;
    tmx_method method;
    int64_t samples;
    const tmx_rate *rate;
    const tmx_seq_rate *seq_rate;
    const tmx_random_rate *random_rate;
} tmx_cost_opts;

typedef enum tmx_cost_steps_how {
    TMX_COST_STEPS_SPECTRAL = 0, TMX_COST_STEPS_PRODUCTS = 1, TMX_COST_STEPS_BETA_BOUND = 2,
    TMX_COST_STEPS_EXPECTED = 3
} tmx_cost_steps_how;

typedef struct tmx_cost {
    double messages_per_step;
    int messages_exact;
    int64_t messages_samples;
    double rate;
    int64_t steps_to_eps;
    tmx_cost_steps_how steps_how;
    double error_at_steps;
    int exact_averaging;
    double messages_to_eps;
    double bytes_per_node_to_eps;
    double time_to_eps;
    double message_time;
    double eps;
    tmx_cost_model model;
} tmx_cost;

/* exact.h */
typedef struct tmx_exact_result {
    int exact;
    int64_t steps;
    double residual;
    int64_t phase;
    int one_column;
} tmx_exact_result;

/* data.h */
typedef struct tmx_dataset {
    int64_t m, d;
    double *A;
    double *y;
    int64_t nclass;
} tmx_dataset;

typedef enum tmx_label_mode { TMX_LABELS_BINARY = 0, TMX_LABELS_CLASSES = 1, TMX_LABELS_RAW = 2 } tmx_label_mode;

typedef struct tmx_synth_params {
    int64_t shards;
    int64_t per_shard;
    int64_t d;
    uint64_t seed;
    double hetero;
    double noise;
    tmx_label_mode mode;
    int64_t nclass;
} tmx_synth_params;

typedef struct tmx_partition {
    int64_t n, m;
    int64_t *order;
    int64_t *start;
} tmx_partition;

typedef enum tmx_partition_kind { TMX_PART_CONTIGUOUS = 0, TMX_PART_SHUFFLE = 1, TMX_PART_LABEL_SKEW = 2 } tmx_partition_kind;

/* sim.h */
typedef enum tmx_algo {
    TMX_ALGO_DSGD, TMX_ALGO_DPSGD, TMX_ALGO_DMSGD, TMX_ALGO_VDMSGD, TMX_ALGO_QGDMSGD, TMX_ALGO_PSGD,
    TMX_ALGO_LOCAL, TMX_ALGO_EASGD, TMX_ALGO_COOP, TMX_ALGO_GT, TMX_ALGO_ADPSGD, TMX_ALGO_SGP,
    TMX_ALGO_COUNT
} tmx_algo;

typedef enum tmx_problem_kind { TMX_PROB_LOGREG_NC, TMX_PROB_LSQ_NC, TMX_PROB_MLP, TMX_PROB_COUNT } tmx_problem_kind;
typedef enum tmx_schedule { TMX_LR_CONST, TMX_LR_STEP, TMX_LR_COSINE } tmx_schedule;
typedef enum tmx_control { TMX_CONTROL_NONE, TMX_CONTROL_CONST, TMX_CONTROL_ADAPTIVE } tmx_control;
typedef enum tmx_precision { TMX_PREC_F64, TMX_PREC_F32 } tmx_precision;
typedef enum tmx_device { TMX_DEVICE_CPU, TMX_DEVICE_GPU } tmx_device;

#define TMX_SIM_MAX_DECAYS 8

typedef enum tmx_compute_dist {
    TMX_COMPUTE_CONST, TMX_COMPUTE_EXP, TMX_COMPUTE_LOGNORMAL, TMX_COMPUTE_UNIFORM
} tmx_compute_dist;

typedef struct tmx_sim_config {
    tmx_algo algo;
    tmx_problem_kind problem;
    int64_t iters;
    double lr;
    double momentum;
    double qg_mu;
    double reg;
    int64_t hidden;
    int64_t batch;
    uint64_t seed;
    int64_t period;
    double alpha;
    int64_t aux;
    double init_scale;
    tmx_schedule schedule;
    double decay_at[8];
    int ndecay;
    double decay_factor;
    int64_t warmup;
    tmx_control control;
    double control_factor;
    unsigned control_phases;
    int64_t control_max_rounds;
    tmx_precision precision;
    tmx_compute_dist compute;
    double compute_a, compute_b;
    const double *slowdown;
    double latency;
    double bandwidth;
    double message_bytes;
    tmx_device device;
} tmx_sim_config;

typedef struct tmx_sim_metrics {
    int64_t iter;
    double loss, grad_norm2, consensus, accuracy;
    double lr;
    int64_t gossip_rounds;
    int64_t messages;
    double bytes_sent;
    double control_target;
    int64_t control_capped;
    double time;
    double time_compute;
    double time_comm;
    double staleness;
    int64_t events;
} tmx_sim_metrics;

typedef struct tmx_sim tmx_sim;
"""

FUNCS = r"""
/* error.h */
const char *tmx_strerror(tmx_status s);
const char *tmx_errname(tmx_status s);
const char *tmx_last_error(void);
void tmx_clear_error(void);
void tmx_init(void);

/* csr.h */
void tmx_csr_init(tmx_csr *W);
void tmx_csr_destroy(tmx_csr *W);
tmx_status tmx_csr_from_triplets(tmx_csr *W, int64_t n, int64_t count, const int64_t *i, const int64_t *j,
                                 const double *v);
tmx_status tmx_csr_check(const tmx_csr *W);
tmx_status tmx_csr_validate(const tmx_csr *W, double tol, tmx_validation *v);
tmx_status tmx_csr_check_mixing(const tmx_csr *W, double tol, unsigned flags);

/* topo.h */
void tmx_topo_params_init(tmx_topo_params *p);
size_t tmx_topo_family_count(void);
const tmx_topo_family_info *tmx_topo_family(size_t i);
tmx_status tmx_weights_parse(const char *name, tmx_weights *out);
const char *tmx_weights_name(tmx_weights w);
tmx_status tmx_topo_new(const char *name, const tmx_topo_params *p, tmx_topo **out);
void tmx_topo_free(tmx_topo *t);
tmx_status tmx_topo_weights(const tmx_topo *t, int64_t k, tmx_csr *W);
const char *tmx_topo_name(const tmx_topo *t);
int64_t tmx_topo_n(const tmx_topo *t);
tmx_topo_kind tmx_topo_kind_of(const tmx_topo *t);
int64_t tmx_topo_period(const tmx_topo *t);
int tmx_topo_directed(const tmx_topo *t);
void tmx_topo_shape(const tmx_topo *t, int64_t *rows, int64_t *cols);
const tmx_topo_params *tmx_topo_params_of(const tmx_topo *t);
const char *tmx_topo_source(const tmx_topo *t);
tmx_status tmx_topo_from_csr(const tmx_csr *A, int graph, const tmx_topo_params *p, tmx_topo **out);
tmx_status tmx_topo_validate(const tmx_topo *t, int64_t k, double tol, tmx_topo_report *r);

/* spectral.h */
tmx_status tmx_method_parse(const char *s, tmx_method *out);
const char *tmx_method_name(tmx_method m);
tmx_status tmx_topo_check_mixing(const tmx_topo *t, int64_t step, unsigned flags);
tmx_status tmx_rate_topo(const tmx_topo *t, int64_t k, tmx_method m, tmx_rate *out);
tmx_status tmx_rate_push_topo(const tmx_topo *t, int64_t k, tmx_push_rate *out);
tmx_status tmx_rate_periodic(const tmx_topo *t, tmx_method m, tmx_seq_rate *out);
tmx_status tmx_rate_random(const tmx_topo *t, int64_t samples, tmx_random_rate *out);
const char *tmx_blas_corename(void);

/* cost.h */
const char *tmx_cost_steps_how_name(tmx_cost_steps_how h);
void tmx_cost_opts_init(tmx_cost_opts *o);
tmx_status tmx_cost_model_check(const tmx_cost_model *m);
tmx_status tmx_cost_topo(const tmx_topo *t, const tmx_cost_opts *o, tmx_cost *out);

/* exact.h */
tmx_status tmx_exact_check(const tmx_topo *t, int64_t phase, int64_t max_steps, double tol, tmx_exact_result *out);
tmx_status tmx_exact_work(const tmx_topo *t, int64_t phase, int64_t max_steps, double *work);
int64_t tmx_exact_default_max_steps(const tmx_topo *t);

/* data.h */
void tmx_dataset_destroy(tmx_dataset *D);
tmx_status tmx_libsvm_read_file(const char *path, int64_t dim, tmx_label_mode mode, tmx_dataset *D);
void tmx_synth_params_init(tmx_synth_params *p);
tmx_status tmx_data_synth(const tmx_synth_params *p, tmx_dataset *D);
tmx_status tmx_partition_parse(const char *s, tmx_partition_kind *kind, double *alpha);
tmx_status tmx_partition_make(const tmx_dataset *D, int64_t n, tmx_partition_kind kind, double alpha, uint64_t seed,
                              tmx_partition *P);
void tmx_partition_destroy(tmx_partition *P);

/* sim.h */
void tmx_sim_config_init(tmx_sim_config *c);
tmx_status tmx_algo_parse(const char *s, tmx_algo *out);
const char *tmx_algo_name(tmx_algo a);
tmx_status tmx_problem_parse(const char *s, tmx_problem_kind *out);
const char *tmx_problem_name(tmx_problem_kind p);
tmx_status tmx_sim_new(const tmx_sim_config *cfg, const tmx_topo *topo, const tmx_dataset *D, const tmx_partition *P,
                       tmx_sim **out);
void tmx_sim_free(tmx_sim *s);
tmx_status tmx_sim_step(tmx_sim *s);
int64_t tmx_sim_iter(const tmx_sim *s);
int64_t tmx_sim_dim(const tmx_sim *s);
tmx_status tmx_sim_metrics_get(tmx_sim *s, tmx_sim_metrics *m);
const double *tmx_sim_model(const tmx_sim *s, int64_t i);
tmx_status tmx_precision_parse(const char *s, tmx_precision *out);
tmx_status tmx_device_parse(const char *s, tmx_device *out);
tmx_status tmx_sim_device_name(char *buf, size_t len);
int tmx_sim_device_available(void);
const char *tmx_sim_backend_name(const tmx_sim *s);
tmx_status tmx_compute_time_parse(const char *s, tmx_sim_config *cfg);
double tmx_sim_time(const tmx_sim *s);
tmx_status tmx_sim_save(tmx_sim *s, const char *path);
tmx_status tmx_sim_load(tmx_sim *s, const char *path);
tmx_status tmx_sim_checkpoint_writable(const char *path);
"""

# Constants of the headers that cffi's cdef cannot hold (floating point), checked by test_abi.py.
FLOAT_CONSTANTS = {
    "TMX_MIXING_TOL": 1e-12,
    "TMX_COST_DEFAULT_ALPHA": 1e-5,
    "TMX_COST_DEFAULT_BANDWIDTH": 1.25e9,
    "TMX_COST_DEFAULT_MESSAGE_BYTES": 1e6,
    "TMX_COST_DEFAULT_EPS": 1e-4,
}

CDEF = TYPES + FUNCS
