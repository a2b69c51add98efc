/* Codec for fog Task/Result messages. The wire bytes are scanned before
 * protobuf-c sees them, so declared string, tensor and shape sizes are checked
 * against the FF_MSG_* limits before anything is allocated; protobuf-c then
 * unpacks through an allocator with a byte budget derived from the wire size. */
#include "fog_msg.h"

#include <stdlib.h>
#include <string.h>

#include "msg.pb-c.h"

#define MAX_UNKNOWN_FIELDS 32u

const char *ff_msg_status_name(int s)
{
    switch (s) {
    case FF_STATUS_OK: return "ok";
    case FF_STATUS_REJECTED_QUEUE_FULL: return "rejected: queue full";
    case FF_STATUS_EXPIRED: return "expired";
    case FF_STATUS_MALFORMED: return "malformed";
    case FF_STATUS_UNKNOWN_BUNDLE: return "unknown bundle";
    case FF_STATUS_INTERNAL: return "internal error";
    case FF_STATUS_BUNDLE_MISMATCH: return "bundle sha256 mismatch";
    default: return "unknown status";
    }
}

const char *ff_msg_tier_name(int t)
{
    switch (t) {
    case FF_TIER_LOCAL: return "local";
    case FF_TIER_EDGE: return "edge";
    case FF_TIER_CLOUD: return "cloud";
    default: return "unknown";
    }
}

int ff_msg_tensor_alloc(ff_msg_tensor *t, size_t n, char *err)
{
    memset(t, 0, sizeof *t);
    if (n > FF_MSG_MAX_ELEMS)
        return ff_fog_fail(err, FF_FOG_EINPUT, "tensor too large: %zu elements (max %u)", n, FF_MSG_MAX_ELEMS);
    t->data = calloc(n ? n : 1, sizeof(int32_t));
    if (!t->data)
        return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: tensor of %zu elements", n);
    t->n = n;
    t->ndim = 1;
    t->shape[0] = (uint32_t)n;
    return FF_FOG_OK;
}

void ff_msg_tensor_free(ff_msg_tensor *t)
{
    if (!t) return;
    free(t->data);
    t->data = NULL;
    t->n = 0;
}

void ff_msg_task_free(ff_msg_task *t) { if (t) ff_msg_tensor_free(&t->input); }
void ff_msg_result_free(ff_msg_result *r) { if (r) ff_msg_tensor_free(&r->output); }

/* ---- wire pre-scan ---- */

struct wf {
    uint32_t num;
    int wt;
    uint64_t v;          /* varint / fixed value */
    const uint8_t *p;    /* length-delimited payload */
    size_t len;
};

static int rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (p >= end) return -1;
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *pp = p;
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* 1: field read, 0: end of buffer, -1: malformed */
static int wf_next(const uint8_t **pp, const uint8_t *end, struct wf *f)
{
    uint64_t tag;
    if (*pp == end) return 0;
    if (rd_varint(pp, end, &tag)) return -1;
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    if ((tag >> 3) == 0 || (tag >> 3) > 536870911u) return -1;
    switch (f->wt) {
    case 0: return rd_varint(pp, end, &f->v) ? -1 : 1;
    case 1:
        if ((size_t)(end - *pp) < 8) return -1;
        *pp += 8;
        return 1;
    case 5:
        if ((size_t)(end - *pp) < 4) return -1;
        *pp += 4;
        return 1;
    case 2: {
        uint64_t l;
        if (rd_varint(pp, end, &l) || l > (uint64_t)(end - *pp)) return -1;
        f->p = *pp;
        f->len = (size_t)l;
        *pp += l;
        return 1;
    }
    default: return -1; /* groups and reserved types are not part of our schema */
    }
}

struct scan_acc {
    size_t shape_elems;
    size_t unknown;
};

static int scan_tensor(const uint8_t *p, size_t len, struct scan_acc *a, char *err)
{
    const uint8_t *end = p + len;
    struct wf f;
    int r;
    while ((r = wf_next(&p, end, &f)) == 1) {
        switch (f.num) {
        case 1:
            if (f.wt != 0) goto badtype;
            break;
        case 2:
            if (f.wt == 0) {
                a->shape_elems++;
            } else if (f.wt == 2) {
                const uint8_t *q = f.p, *qe = f.p + f.len;
                uint64_t v;
                while (q < qe) {
                    if (rd_varint(&q, qe, &v))
                        return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: bad packed shape");
                    a->shape_elems++;
                }
            } else {
                goto badtype;
            }
            if (a->shape_elems > FF_MSG_MAX_DIMS)
                return ff_fog_fail(err, FF_FOG_EINPUT, "tensor has more than %u dimensions", FF_MSG_MAX_DIMS);
            break;
        case 3:
            if (f.wt != 2) goto badtype;
            if (f.len > (size_t)FF_MSG_MAX_ELEMS * 4u)
                return ff_fog_fail(err, FF_FOG_EINPUT, "tensor data too large: %zu bytes", f.len);
            break;
        default:
            if (++a->unknown > MAX_UNKNOWN_FIELDS)
                return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: too many unknown fields");
        }
    }
    if (r < 0) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: bad tensor encoding");
    return FF_FOG_OK;
badtype:
    return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: tensor field %u has wire type %d", f.num, f.wt);
}

/* Field limits of one message kind: max length of length-delimited fields
 * (0 = not length-delimited), and which field holds the tensor. */
struct field_rule { uint32_t num; size_t maxlen; };

static int scan_msg(const uint8_t *buf, size_t len, const struct field_rule *rules, size_t nrules,
                    uint32_t tensor_field, char *err)
{
    struct scan_acc acc = {0, 0};
    const uint8_t *p = buf, *end = buf + len;
    struct wf f;
    int r;
    if (len > FF_MSG_MAX_WIRE)
        return ff_fog_fail(err, FF_FOG_EINPUT, "message too large: %zu bytes (max %u)", len, FF_MSG_MAX_WIRE);
    while ((r = wf_next(&p, end, &f)) == 1) {
        if (f.num == tensor_field) {
            if (f.wt != 2) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: tensor field has wire type %d", f.wt);
            int rc = scan_tensor(f.p, f.len, &acc, err);
            if (rc) return rc;
            continue;
        }
        size_t i;
        for (i = 0; i < nrules; i++)
            if (rules[i].num == f.num) break;
        if (i == nrules) {
            if (++acc.unknown > MAX_UNKNOWN_FIELDS)
                return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: too many unknown fields");
            continue;
        }
        if (rules[i].maxlen) {
            if (f.wt != 2) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: field %u has wire type %d", f.num, f.wt);
            if (f.len > rules[i].maxlen)
                return ff_fog_fail(err, FF_FOG_EINPUT, "field %u too long: %zu bytes (max %zu)", f.num, f.len, rules[i].maxlen);
        } else if (f.wt != 0) {
            return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: field %u has wire type %d", f.num, f.wt);
        }
    }
    if (r < 0) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: truncated or invalid encoding");
    return FF_FOG_OK;
}

static const struct field_rule task_rules[] = {
    {1, 0}, {2, 0}, {3, FF_MSG_MAX_ID}, {4, FF_MSG_MAX_ID}, {5, 32}, {6, 0}, {7, 0}, {9, 0}, {10, 0},
};
static const struct field_rule result_rules[] = {
    {1, 0}, {2, 0}, {3, FF_MSG_MAX_ID}, {4, 0}, {5, FF_MSG_MAX_DETAIL}, {7, FF_MSG_MAX_ID},
    {8, 0}, {9, 0}, {10, 0}, {11, 0}, {12, 0},
};

/* ---- budgeted allocator for protobuf-c ---- */

struct budget { size_t left; };

static void *budget_alloc(void *data, size_t n)
{
    struct budget *b = data;
    if (n > b->left) return NULL;
    b->left -= n;
    return malloc(n);
}

static void budget_free(void *data, void *p) { (void)data; free(p); }

/* ---- tensor conversion ---- */

static int tensor_from_pb(const Fogforge__V1__Tensor *pb, ff_msg_tensor *t, char *err)
{
    memset(t, 0, sizeof *t);
    if (!pb) return FF_FOG_OK;
    size_t esz;
    switch (pb->dtype) {
    case FOGFORGE__V1__DTYPE__DTYPE_INT32: esz = 4; break;
    case FOGFORGE__V1__DTYPE__DTYPE_INT8: esz = 1; break;
    case FOGFORGE__V1__DTYPE__DTYPE_FLOAT32:
        return ff_fog_fail(err, FF_FOG_EINPUT, "tensor dtype float32 is not supported (int32/int8 only)");
    default: return ff_fog_fail(err, FF_FOG_EINPUT, "unknown tensor dtype %d", (int)pb->dtype);
    }
    if (pb->data.len % esz)
        return ff_fog_fail(err, FF_FOG_EINPUT, "tensor data length %zu is not a multiple of %zu", pb->data.len, esz);
    size_t n = pb->data.len / esz;
    if (n > FF_MSG_MAX_ELEMS) return ff_fog_fail(err, FF_FOG_EINPUT, "tensor too large: %zu elements", n);
    if (pb->n_shape > FF_MSG_MAX_DIMS) return ff_fog_fail(err, FF_FOG_EINPUT, "tensor has %zu dimensions", pb->n_shape);
    if (pb->n_shape) {
        uint64_t prod = 1;
        for (size_t i = 0; i < pb->n_shape; i++) {
            prod *= pb->shape[i];
            if (prod > FF_MSG_MAX_ELEMS) break;
        }
        if (prod != n)
            return ff_fog_fail(err, FF_FOG_EINPUT, "tensor shape holds %llu elements but data has %zu",
                               (unsigned long long)prod, n);
    }
    int rc = ff_msg_tensor_alloc(t, n, err);
    if (rc) return rc;
    if (pb->n_shape) {
        t->ndim = (uint32_t)pb->n_shape;
        for (size_t i = 0; i < pb->n_shape; i++) t->shape[i] = pb->shape[i];
    }
    const uint8_t *d = pb->data.data;
    for (size_t i = 0; i < n; i++) {
        if (esz == 4) {
            uint32_t u = (uint32_t)d[4 * i] | (uint32_t)d[4 * i + 1] << 8 | (uint32_t)d[4 * i + 2] << 16 |
                         (uint32_t)d[4 * i + 3] << 24;
            memcpy(&t->data[i], &u, 4);
        } else {
            t->data[i] = (int8_t)d[i];
        }
    }
    return FF_FOG_OK;
}

/* Fills pb (pointing into caller-provided storage) from t. */
static int tensor_to_pb(const ff_msg_tensor *t, Fogforge__V1__Tensor *pb, uint32_t *shape, uint8_t **bytes, char *err)
{
    fogforge__v1__tensor__init(pb);
    *bytes = NULL;
    if (t->n > FF_MSG_MAX_ELEMS || t->ndim > FF_MSG_MAX_DIMS)
        return ff_fog_fail(err, FF_FOG_EINPUT, "tensor too large to encode (%zu elements, %u dims)", t->n, t->ndim);
    uint64_t prod = 1;
    for (uint32_t i = 0; i < t->ndim; i++) {
        shape[i] = t->shape[i];
        prod *= t->shape[i];
    }
    if (t->ndim && prod != t->n)
        return ff_fog_fail(err, FF_FOG_EINPUT, "tensor shape holds %llu elements but data has %zu",
                           (unsigned long long)prod, t->n);
    pb->dtype = FOGFORGE__V1__DTYPE__DTYPE_INT32;
    pb->n_shape = t->ndim;
    pb->shape = shape;
    if (t->n) {
        uint8_t *b = malloc(t->n * 4);
        if (!b) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory encoding tensor");
        for (size_t i = 0; i < t->n; i++) {
            uint32_t u;
            memcpy(&u, &t->data[i], 4);
            b[4 * i] = (uint8_t)u;
            b[4 * i + 1] = (uint8_t)(u >> 8);
            b[4 * i + 2] = (uint8_t)(u >> 16);
            b[4 * i + 3] = (uint8_t)(u >> 24);
        }
        pb->data.data = b;
        pb->data.len = t->n * 4;
        *bytes = b;
    }
    return FF_FOG_OK;
}

static void copy_id(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, src, n);
    dst[n] = 0;
}

static int check_id(const char *s, const char *what, size_t max, char *err)
{
    if (strlen(s) > max) return ff_fog_fail(err, FF_FOG_EINPUT, "%s too long (max %zu bytes)", what, max);
    return FF_FOG_OK;
}

static int pack_out(const ProtobufCMessage *m, uint8_t **out, size_t *out_len, char *err)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    if (n > FF_MSG_MAX_WIRE) return ff_fog_fail(err, FF_FOG_EINPUT, "message too large to send: %zu bytes", n);
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory encoding message");
    protobuf_c_message_pack(m, b);
    *out = b;
    *out_len = n;
    return FF_FOG_OK;
}

int ff_msg_task_encode(const ff_msg_task *t, uint8_t **out, size_t *out_len, char *err)
{
    int rc;
    if ((rc = check_id(t->robot_id, "robot id", FF_MSG_MAX_ID, err)) ||
        (rc = check_id(t->bundle, "bundle name", FF_MSG_MAX_ID, err)))
        return rc;
    Fogforge__V1__Task m;
    Fogforge__V1__Tensor tp;
    uint32_t shape[FF_MSG_MAX_DIMS];
    uint8_t *bytes;
    fogforge__v1__task__init(&m);
    if ((rc = tensor_to_pb(&t->input, &tp, shape, &bytes, err))) return rc;
    m.version = FF_MSG_VERSION;
    m.task_id = t->task_id;
    m.robot_id = (char *)t->robot_id;
    m.bundle = (char *)t->bundle;
    if (t->has_sha256) {
        m.bundle_sha256.data = (uint8_t *)t->bundle_sha256;
        m.bundle_sha256.len = 32;
    }
    m.deadline_us = t->deadline_us;
    m.priority = t->priority;
    m.sent_us = t->sent_us;
    m.attempt = t->attempt;
    m.input = &tp;
    rc = pack_out(&m.base, out, out_len, err);
    free(bytes);
    return rc;
}

int ff_msg_result_encode(const ff_msg_result *r, uint8_t **out, size_t *out_len, char *err)
{
    int rc;
    if ((rc = check_id(r->robot_id, "robot id", FF_MSG_MAX_ID, err)) ||
        (rc = check_id(r->node_id, "node id", FF_MSG_MAX_ID, err)) ||
        (rc = check_id(r->detail, "detail", FF_MSG_MAX_DETAIL, err)))
        return rc;
    Fogforge__V1__Result m;
    Fogforge__V1__Tensor tp;
    uint32_t shape[FF_MSG_MAX_DIMS];
    uint8_t *bytes;
    fogforge__v1__result__init(&m);
    if ((rc = tensor_to_pb(&r->output, &tp, shape, &bytes, err))) return rc;
    m.version = FF_MSG_VERSION;
    m.task_id = r->task_id;
    m.robot_id = (char *)r->robot_id;
    m.status = (Fogforge__V1__Status)r->status;
    m.detail = (char *)r->detail;
    m.node_id = (char *)r->node_id;
    m.tier = (Fogforge__V1__Tier)r->tier;
    m.queue_ns = r->queue_ns;
    m.compute_ns = r->compute_ns;
    m.network_ns = r->network_ns;
    m.queue_depth = r->queue_depth;
    if (r->output.n || r->output.ndim) m.output = &tp;
    rc = pack_out(&m.base, out, out_len, err);
    free(bytes);
    return rc;
}

/* Reads task id (field 2) and robot id (field 3) from possibly-bad wire bytes,
 * so an error result can still be addressed. Never allocates. */
static void salvage_ids(const uint8_t *buf, size_t len, uint64_t *id, char *robot, size_t cap)
{
    const uint8_t *p = buf, *end = buf + (len > FF_MSG_MAX_WIRE ? FF_MSG_MAX_WIRE : len);
    struct wf f;
    while (wf_next(&p, end, &f) == 1) {
        if (f.num == 2 && f.wt == 0) *id = f.v;
        if (f.num == 3 && f.wt == 2) {
            size_t n = f.len < cap - 1 ? f.len : cap - 1;
            memcpy(robot, f.p, n);
            robot[n] = 0;
        }
    }
}

int ff_msg_task_decode(const uint8_t *buf, size_t len, ff_msg_task *t, char *err)
{
    memset(t, 0, sizeof *t);
    if (!buf && len) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: no buffer");
    int rc = scan_msg(buf, len, task_rules, sizeof task_rules / sizeof task_rules[0], 8, err);
    if (rc) {
        salvage_ids(buf, len, &t->task_id, t->robot_id, sizeof t->robot_id);
        return rc;
    }
    struct budget b = {2 * len + 16384};
    ProtobufCAllocator al = {budget_alloc, budget_free, &b};
    Fogforge__V1__Task *m = fogforge__v1__task__unpack(&al, len, buf);
    if (!m) {
        salvage_ids(buf, len, &t->task_id, t->robot_id, sizeof t->robot_id);
        return ff_fog_fail(err, b.left == 0 ? FF_FOG_ENOMEM : FF_FOG_EINPUT, "malformed message: not a valid Task");
    }
    t->task_id = m->task_id;
    copy_id(t->robot_id, sizeof t->robot_id, m->robot_id);
    if (m->version != FF_MSG_VERSION) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "unsupported message version %u (want %u)", m->version, FF_MSG_VERSION);
        goto out;
    }
    if (m->bundle_sha256.len != 0 && m->bundle_sha256.len != 32) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "bundle sha256 must be 32 bytes, got %zu", m->bundle_sha256.len);
        goto out;
    }
    if (!m->robot_id || !m->robot_id[0]) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "task has no robot id");
        goto out;
    }
    copy_id(t->bundle, sizeof t->bundle, m->bundle);
    if (m->bundle_sha256.len == 32) {
        memcpy(t->bundle_sha256, m->bundle_sha256.data, 32);
        t->has_sha256 = 1;
    }
    t->deadline_us = m->deadline_us;
    t->priority = m->priority;
    t->sent_us = m->sent_us;
    t->attempt = m->attempt;
    rc = tensor_from_pb(m->input, &t->input, err);
out:
    fogforge__v1__task__free_unpacked(m, &al);
    return rc;
}

int ff_msg_result_decode(const uint8_t *buf, size_t len, ff_msg_result *r, char *err)
{
    memset(r, 0, sizeof *r);
    if (!buf && len) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: no buffer");
    int rc = scan_msg(buf, len, result_rules, sizeof result_rules / sizeof result_rules[0], 6, err);
    if (rc) return rc;
    struct budget b = {2 * len + 16384};
    ProtobufCAllocator al = {budget_alloc, budget_free, &b};
    Fogforge__V1__Result *m = fogforge__v1__result__unpack(&al, len, buf);
    if (!m) return ff_fog_fail(err, FF_FOG_EINPUT, "malformed message: not a valid Result");
    if (m->version != FF_MSG_VERSION) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "unsupported message version %u (want %u)", m->version, FF_MSG_VERSION);
        goto out;
    }
    if ((unsigned)m->status > FF_STATUS_BUNDLE_MISMATCH || (unsigned)m->tier >= FF_TIER_COUNT) {
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "result has unknown status %d or tier %d", (int)m->status, (int)m->tier);
        goto out;
    }
    r->task_id = m->task_id;
    copy_id(r->robot_id, sizeof r->robot_id, m->robot_id);
    r->status = (int)m->status;
    copy_id(r->detail, sizeof r->detail, m->detail);
    copy_id(r->node_id, sizeof r->node_id, m->node_id);
    r->tier = (int)m->tier;
    r->queue_ns = m->queue_ns;
    r->compute_ns = m->compute_ns;
    r->network_ns = m->network_ns;
    r->queue_depth = m->queue_depth;
    rc = tensor_from_pb(m->output, &r->output, err);
out:
    fogforge__v1__result__free_unpacked(m, &al);
    return rc;
}
