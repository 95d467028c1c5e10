/* Workflow graph node ids: "wnode_" + 64 hex, the HMAC-SHA256 of (workflow, node type, name) keyed by the
 * store's secret. Stable from call to call, run to run and across restarts; ResumeWorkflowRun takes them. */
#ifndef GLUED_NODEID_H
#define GLUED_NODEID_H

#include <stdint.h>

#define NODEID_LEN 71 /* "wnode_" + 64 hex + NUL */

void nodeid_make(const uint8_t secret[32], const char *workflow, const char *type, const char *name,
                 char out[NODEID_LEN]);

#endif
