/* The fog executor seam (fog_exec.h) over the host runtime: serves real
 * bundles (bitstreams/) through libfogforge on any backend. Pass
 * &ff_exec_bundle_ops as ff_fog_node_cfg.exec_ops / robot local_ops. */
#ifndef FF_FOG_EXEC_BUNDLE_H
#define FF_FOG_EXEC_BUNDLE_H
#include "fog_exec.h"

extern const ff_exec_ops ff_exec_bundle_ops;
#endif
