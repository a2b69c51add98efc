/* The typed graph IR: tensors with static shapes and nodes in topological
 * order. The ONNX front-end builds it; passes rewrite it; executors and
 * emitters read it. Every graph has one input and one output tensor; the
 * leading dimension of every activation tensor is the batch and is always 1.
 *
 * Layout conventions (fixed by the front-end, relied on by every consumer):
 *  - DENSE weights are [n_out][n_in] row-major; y[o] = sum_i W[o][i] x[i] + b[o],
 *    x is the input tensor flattened (all dims after the batch).
 *  - CONV/POOL work channels-last: the input is [1, H, W, C] (2-D) or
 *    [1, L, C] (1-D, stored as H=1). Conv weights are [cout][kh][kw][cin/group].
 *    The front-end wraps ONNX's NCHW ops in Transposes; passes cancel them.
 *  - SCALE (BatchNorm, Mul/Add/Sub by a constant) is y = x * scale[c] + shift[c]
 *    along `axis` (per-channel) or with one value for all (n_ch == 1).
 */
#ifndef FF_IR_H
#define FF_IR_H
#include "common.h"

#define FF_MAX_RANK 6
#define FF_MAX_IN 8

typedef enum {
    FF_OP_DENSE,
    FF_OP_CONV,
    FF_OP_MAXPOOL,
    FF_OP_AVGPOOL,
    FF_OP_GMAXPOOL,   /* global max over all spatial positions, channels-last */
    FF_OP_GAVGPOOL,
    FF_OP_SCALE,      /* per-channel affine: BatchNorm, Mul/Add/Sub by constant */
    FF_OP_ADD,        /* element-wise sum of two activation tensors */
    FF_OP_SUB,        /* element-wise difference of two activation tensors */
    FF_OP_CONCAT,
    FF_OP_ACT,        /* standalone activation */
    FF_OP_SOFTMAX,    /* along the last axis */
    FF_OP_RESHAPE,    /* Flatten, Reshape, Squeeze, Unsqueeze: no data movement */
    FF_OP_TRANSPOSE,
    FF_OP_IDENTITY,   /* Identity, Dropout: removed by a pass */
    FF_OP__COUNT
} ff_op;

typedef enum {
    FF_ACT_NONE,
    FF_ACT_RELU,
    FF_ACT_LEAKY,   /* alpha */
    FF_ACT_CLIP,    /* alpha = min, beta = max */
    FF_ACT_SIGMOID,
    FF_ACT_TANH,
    FF_ACT_SELU,    /* alpha, beta = gamma */
    FF_ACT_ELU,     /* alpha */
    FF_ACT__COUNT
} ff_act;

typedef struct ff_tensor {
    char *name;
    int rank;
    int64_t dims[FF_MAX_RANK];
    float *data;       /* constant (initializer) when not NULL */
    int producer;      /* node index, -1 for the graph input and constants */
} ff_tensor;

typedef struct ff_node {
    char *name;
    char onnx_op[32];  /* op type it came from, for messages */
    ff_op op;
    int n_in;
    int in[FF_MAX_IN]; /* tensor indices (activations only after import) */
    int out;           /* tensor index */

    ff_act act;        /* fused (or, for FF_OP_ACT, the) activation */
    float alpha, beta;

    /* DENSE / CONV / SCALE parameters (float, after folding) */
    float *w;          /* DENSE [n_out][n_in]; CONV [cout][kh][kw][cin/group]; SCALE [n_ch] */
    float *b;          /* [n_out] / [cout] / [n_ch]; may be NULL (zero) */
    int64_t n_in_f, n_out_f; /* DENSE: features in/out; SCALE: n_ch in n_out_f */

    /* CONV / POOL geometry (channels-last) */
    int spatial;       /* 1 or 2 */
    int kernel[2], stride[2], dil[2];
    int pad[4];        /* top, left, bottom, right */
    int group;
    int count_include_pad;

    int axis;          /* SCALE channel axis; CONCAT/SOFTMAX axis (normalized) */
    int perm[FF_MAX_RANK]; /* TRANSPOSE */
} ff_node;

typedef struct ff_graph {
    ff_tensor *t;
    int nt, cap_t;
    ff_node *n;
    int nn, cap_n;
    int input, output; /* tensor indices */
    char *source;      /* path of the model it was read from */
    char source_sha256[65];
    int64_t opset;
    char producer[64];
    char *folded;      /* log of what passes removed, one "what" per line */
} ff_graph;

ff_graph *ff_graph_new(void);
void ff_graph_free(ff_graph *g);

/* Adds a tensor (name copied; data owned by the graph when given). */
int ff_graph_add_tensor(ff_graph *g, const char *name, int rank, const int64_t *dims, float *data);
int ff_graph_find_tensor(const ff_graph *g, const char *name);
/* Appends a node and returns its index; fields other than those given are zero. */
int ff_graph_add_node(ff_graph *g, ff_op op, const char *name, const char *onnx_op);

int64_t ff_tensor_size(const ff_tensor *t); /* product of dims (batch included) */
/* Number of consumers of tensor ti among live nodes (the graph output counts). */
int ff_graph_uses(const ff_graph *g, int ti);
/* Appends a line to the folded-ops log. */
void ff_graph_note(ff_graph *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Removes dead nodes (op == FF_OP__COUNT marks one), unused tensors are kept
 * (indices stay stable), sorts nodes topologically; fails on a cycle or a
 * tensor with no producer. */
int ff_graph_compact(ff_graph *g, ff_err *e);
/* Infers the output shape of every node from its inputs and checks them. */
int ff_graph_infer_shapes(ff_graph *g, ff_err *e);

const char *ff_op_name(ff_op op);
const char *ff_act_name(ff_act a);
int ff_act_from_name(const char *s, ff_act *out);

/* MACs of a node (0 for data movement). */
int64_t ff_node_macs(const ff_graph *g, const ff_node *n);
/* Number of float parameters of a node. */
int64_t ff_node_params(const ff_node *n);
/* Number of weight elements (DENSE: n_out*n_in, CONV: cout*kh*kw*cin/group). */
int64_t ff_node_wcount(const ff_graph *g, const ff_node *n);

/* Upper bounds that keep every size product far from overflow. */
#define FF_MAX_ELEMS ((int64_t)1 << 28)  /* elements per tensor */

/* Channels-last geometry of a Conv or pooling node: input H, W, C and
 * output OH, OW, OC (H = OH = 1 for 1-D). */
typedef struct ff_geom {
    int64_t H, W, C, OH, OW, OC;
} ff_geom;
ff_geom ff_node_geom(const ff_graph *g, const ff_node *n);

/* Infers and checks the output shape of node ni from its inputs' shapes
 * (the front-end calls it as it adds each node). */
int ff_node_infer_shape(ff_graph *g, int ni, ff_err *e);
#endif
