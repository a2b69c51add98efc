/* Task and Result messages of the fog runtime (schema fog/msg.proto, v1):
 * plain C structs plus an encoder/decoder that enforces size limits on the
 * wire bytes before protobuf-c allocates anything. */
#ifndef FF_FOG_MSG_H
#define FF_FOG_MSG_H
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"

#define FF_MSG_VERSION 1u
#define FF_MSG_MAX_WIRE (1u << 20)          /* bytes of one encoded message */
#define FF_MSG_MAX_DIMS 8u
#define FF_MSG_MAX_ELEMS (64u * 1024u)      /* elements of one tensor */
#define FF_MSG_MAX_ID 63u                   /* robot, bundle and node ids */
#define FF_MSG_MAX_DETAIL 255u

enum ff_dtype { FF_DTYPE_INT32 = 0, FF_DTYPE_INT8 = 1, FF_DTYPE_FLOAT32 = 2 };

enum ff_status {
    FF_STATUS_OK = 0,
    FF_STATUS_REJECTED_QUEUE_FULL = 1,
    FF_STATUS_EXPIRED = 2,
    FF_STATUS_MALFORMED = 3,
    FF_STATUS_UNKNOWN_BUNDLE = 4,
    FF_STATUS_INTERNAL = 5,
    FF_STATUS_BUNDLE_MISMATCH = 6, /* the node serves a bundle of that name with another sha256 */
};

enum ff_tier { FF_TIER_LOCAL = 0, FF_TIER_EDGE = 1, FF_TIER_CLOUD = 2, FF_TIER_COUNT = 3 };

/* An int32 tensor (int8 wire tensors are widened on decode). */
typedef struct ff_msg_tensor {
    uint32_t ndim;
    uint32_t shape[FF_MSG_MAX_DIMS];
    int32_t *data;   /* owned; n elements */
    size_t n;
} ff_msg_tensor;

typedef struct ff_msg_task {
    uint64_t task_id;
    char robot_id[FF_MSG_MAX_ID + 1];
    char bundle[FF_MSG_MAX_ID + 1];
    uint8_t bundle_sha256[32];
    int has_sha256;
    uint64_t deadline_us;  /* absolute CLOCK_REALTIME */
    uint32_t priority;
    uint64_t sent_us;
    uint32_t attempt;
    ff_msg_tensor input;
} ff_msg_task;

typedef struct ff_msg_result {
    uint64_t task_id;
    char robot_id[FF_MSG_MAX_ID + 1];
    int status;            /* enum ff_status */
    char detail[FF_MSG_MAX_DETAIL + 1];
    char node_id[FF_MSG_MAX_ID + 1];
    int tier;              /* enum ff_tier */
    uint64_t queue_ns, compute_ns, network_ns;
    uint32_t queue_depth;
    ff_msg_tensor output;
} ff_msg_result;

const char *ff_msg_status_name(int status);
const char *ff_msg_tier_name(int tier);

/* Allocates t->data for n elements, shape [n]. */
int ff_msg_tensor_alloc(ff_msg_tensor *t, size_t n, char *err);
void ff_msg_tensor_free(ff_msg_tensor *t);
void ff_msg_task_free(ff_msg_task *t);
void ff_msg_result_free(ff_msg_result *r);

/* Encode into a malloc'd buffer (*out, *out_len); caller frees with free(). */
int ff_msg_task_encode(const ff_msg_task *t, uint8_t **out, size_t *out_len, char *err);
int ff_msg_result_encode(const ff_msg_result *r, uint8_t **out, size_t *out_len, char *err);

/* Decode; on success the struct owns its tensor (free with ff_*_free).
 * On failure nothing is left allocated and FF_FOG_EINPUT (malformed or over a
 * limit) or FF_FOG_ENOMEM is returned. If the task id could be read before
 * the failure, *t has task_id and robot_id filled (for an error reply). */
int ff_msg_task_decode(const uint8_t *buf, size_t len, ff_msg_task *t, char *err);
int ff_msg_result_decode(const uint8_t *buf, size_t len, ff_msg_result *r, char *err);
#endif
