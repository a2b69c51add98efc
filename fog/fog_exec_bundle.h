/* The fog executor seam (fog_exec.h) over the host runtime: serves real
 * bundles (bitstreams/) through libfogforge on any backend. Pass
 * &ff_exec_bundle_ops as ff_fog_node_cfg.exec_ops / robot local_ops. */
#ifndef FF_FOG_EXEC_BUNDLE_H
#define FF_FOG_EXEC_BUNDLE_H
#include "fog_exec.h"

extern const ff_exec_ops ff_exec_bundle_ops;

/* Names of the bundles in dir, as the task topic fogforge/v1/task/<name>
 * addresses them: each subdirectory holding a manifest.json (its name) and
 * each NAME.tar (NAME), sorted, duplicates once. Returns how many (up to
 * max), or -1 with err when dir cannot be read. */
int ff_exec_bundle_list(const char *dir, char names[][64], int max, char *err);
#endif
