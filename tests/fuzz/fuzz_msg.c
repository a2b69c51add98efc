/* libFuzzer target for the fog message decoders (Task and Result): any byte
 * string must be decoded or rejected without crashing or leaking; decoded
 * messages must re-encode and decode to the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fog_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[FF_FOG_ERRLEN];
    ff_msg_task t, t2;
    if (ff_msg_task_decode(data, size, &t, err) == FF_FOG_OK) {
        uint8_t *buf;
        size_t len;
        if (ff_msg_task_encode(&t, &buf, &len, err) == FF_FOG_OK) {
            if (ff_msg_task_decode(buf, len, &t2, err) != FF_FOG_OK) abort();
            if (t2.task_id != t.task_id || t2.input.n != t.input.n ||
                (t.input.n && memcmp(t2.input.data, t.input.data, t.input.n * 4)))
                abort();
            ff_msg_task_free(&t2);
            free(buf);
        }
        ff_msg_task_free(&t);
    }
    ff_msg_result r;
    if (ff_msg_result_decode(data, size, &r, err) == FF_FOG_OK) {
        uint8_t *buf;
        size_t len;
        if (ff_msg_result_encode(&r, &buf, &len, err) == FF_FOG_OK) free(buf);
        ff_msg_result_free(&r);
    }
    return 0;
}
