/* Per-job-run credentials. A job run's access key id is its run id ("jr_" + 64 lowercase hex) and its secret
 * is the hex HMAC-SHA256 of that id under a key derived from the store's secret. The engine puts the pair in
 * the job's environment; server/auth.c recomputes the secret to verify a job's signature, and accepts it only
 * while that job run is active. The same id check keeps log paths inside <data>/logs. */
#ifndef GLUED_JOBKEY_H
#define GLUED_JOBKEY_H

#include <stdbool.h>
#include <stdint.h>

#define JOBKEY_SECRET_LEN 65 /* 64 hex + NUL */

/* Whether s is exactly a job run id: "jr_" and 64 lowercase hex digits, nothing else. */
bool jobkey_is_run_id(const char *s);
/* Whether s is exactly an action run id with a log: a job run id, or a crawl id ("cr_" and 64 hex digits). */
bool jobkey_is_action_id(const char *s);
/* The secret of job run id's credentials. */
void jobkey_secret(const uint8_t store_secret[32], const char *run_id, char out[JOBKEY_SECRET_LEN]);

#endif
