/* ONNX front-end: reads a ModelProto with protobuf-c and lowers it to the IR. */
#ifndef FF_ONNX_H
#define FF_ONNX_H
#include "ir.h"

/* Loads and lowers a model file. On success *out owns a new graph whose
 * shapes are inferred; on failure *out is NULL and e says what and where. */
int ff_onnx_load(const char *path, ff_graph **out, ff_err *e);
/* The same from memory; `where` names the source in messages. */
int ff_onnx_load_mem(const void *data, size_t len, const char *where, ff_graph **out, ff_err *e);
#endif
