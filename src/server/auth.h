/* Who may call glued: the access keys of an AWS shared-credentials file (every profile's pair), re-read on
 * SIGHUP, plus one key per active job run (model/jobkey.h). A request is checked in two steps so that a
 * refused caller never gets its body read: auth_begin with the headers (parse, key, clock), auth_finish with
 * the body (the signature itself). Errors are AWS's exceptions for JSON 1.1 services (model/error.h).
 *
 * Threads: any thread may call auth_begin/auth_finish; auth_reload swaps the key table under a write lock that
 * the lookups take for reading only while they derive a signing key. */
#ifndef GLUED_AUTH_H
#define GLUED_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "server/sigv4.h"
#include "store/store.h"

#define AUTH_MAX_FILE   (1u << 20) /* a credentials file past 1 MiB is refused */
#define AUTH_MAX_KEYS   10000
#define AUTH_MAX_SECRET 1024

typedef struct auth auth_t;

/* One access key and its secret (heap strings). */
typedef struct auth_cred {
    char *key_id, *secret;
} auth_cred_t;

/* Parses the text of a shared-credentials file into key pairs sorted by key id. Every profile with both
 * aws_access_key_id and aws_secret_access_key gives one pair; a profile with only one of them, a key id that
 * is reserved for job runs (jr_...) or given twice with different secrets, and a file with no pair at all are
 * errors naming the line or profile. Returns 0, or -1 with a sentence in err. */
int auth_parse_credentials(const char *text, size_t len, auth_cred_t **out, size_t *n, char *err, size_t errlen);
void auth_creds_free(auth_cred_t *v, size_t n);

/* Loads path; store answers whether a job run is active and holds the secret job keys derive from. */
int auth_open(const char *path, store_t *store, auth_t **out, char *err, size_t errlen);
/* Re-reads the file. On error the keys in use stay, and err says why. *count gets the number of keys. */
int auth_reload(auth_t *a, size_t *count, char *err, size_t errlen);
void auth_free(auth_t *a);

/* The web console's sign-in check (console_auth_fn, ctx an auth_t): whether secret is the secret of the
 * credentials file's key akid, compared in constant time; with secret NULL, whether akid is (still) in the file.
 * Job runs' keys do not sign in to the console. */
bool auth_console_check(void *ctx, const char *akid, const char *secret);

/* What auth_begin learnt, for auth_finish. Caller-owned; auth_finish wipes the key. */
typedef struct auth_pending {
    sigv4_auth_t sig;
    uint8_t key[32]; /* the signing key for the request's scope */
} auth_pending_t;

/* The header step: the Authorization header is present and well formed (service, when not NULL, is the only
 * scope service allowed), the key is known (a job run's key only while the run is active), and the date is
 * within 5 minutes of now_ms. 0, or -1 with e set. */
int auth_begin(auth_t *a, const sigv4_msg_t *m, const char *service, int64_t now_ms, auth_pending_t *p, gerr_t *e);
/* The body step: the signature over the whole request. 0, or -1 with e set. */
int auth_finish(const sigv4_msg_t *m, auth_pending_t *p, gerr_t *e);

#endif
