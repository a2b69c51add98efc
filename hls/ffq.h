/* The quantized model file (.ffq): JSON holding the optimized graph, its
 * float parameters, and every integer parameter of the contract. Any
 * command that takes an .onnx model takes an .ffq too. docs/ffq-format.md. */
#ifndef FF_FFQ_H
#define FF_FFQ_H
#include "quant.h"

/* 2: long numeric arrays may be packed (base64 of little-endian values);
 * version 1 files are still read. */
#define FF_FFQ_VERSION 2
/* ff_ffq_dump / ff_ffq_write flags: JSON arrays instead of packed ones. */
#define FF_FFQ_PLAIN 1

int ff_ffq_write(const ff_qmodel *q, const char *path, int flags, ff_err *e);
/* Serializes to a NUL-terminated JSON string (caller frees). */
char *ff_ffq_dump(const ff_qmodel *q, int flags);
int ff_ffq_read(const char *path, ff_qmodel **out, ff_err *e);
int ff_ffq_parse(const char *json, const char *where, ff_qmodel **out, ff_err *e);
#endif
