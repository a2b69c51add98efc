/* The integer arithmetic every backend must reproduce bit for bit
 * (docs/integer-arithmetic.md is the prose version). All values are two's
 * complement; ">>" is an arithmetic (flooring) shift. */
#ifndef FF_QARITH_H
#define FF_QARITH_H
#include <stdint.h>

#define FF_RQ_MBITS 16 /* requant multipliers are signed 16-bit: |M| < 2^15 */

/* Wraps v to a two's complement integer of `bits` bits (accumulators wrap,
 * so the order of summation never changes the result). */
static inline int64_t ff_q_wrap(int64_t v, int bits)
{
    if (bits >= 64)
        return v;
    uint64_t m = ((uint64_t)1 << bits) - 1, u = (uint64_t)v & m;
    if (u >> (bits - 1))
        u |= ~m;
    return (int64_t)u;
}

/* Round half up: (v + 2^(s-1)) >> s for s > 0, v for s == 0. */
static inline int64_t ff_q_shift_round(int64_t v, int s)
{
    return s > 0 ? (v + ((int64_t)1 << (s - 1))) >> s : v;
}

static inline int32_t ff_q_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* Requantization: round-half-up of v * M / 2^s. */
static inline int64_t ff_q_requant(int64_t v, int32_t m, int s)
{
    return ff_q_shift_round(v * (int64_t)m, s);
}
#endif
