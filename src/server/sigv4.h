/* AWS Signature Version 4 (the Authorization-header form that botocore, the AWS CLI and the JS SDK send):
 * parsing the header, the canonical request, the string to sign, the signing key, and verification with a
 * constant-time compare. Pure functions of their arguments: the secret and the clock are given by the caller
 * (server/auth.c), so the unit suite checks them against the AWS signing test suite's vectors.
 *
 * Errors come back as a sigv4 status and a sentence in AWS's words that names the missing or malformed part;
 * no sentence ever contains the expected signature, the signing key or the secret. */
#ifndef GLUED_SIGV4_H
#define GLUED_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGV4_MAX_KEY_ID   128  /* access key ids: AWS's are 16-128 characters */
#define SIGV4_MAX_SIGNED   64   /* headers named in SignedHeaders */
#define SIGV4_MAX_SIGNED_S 1024 /* length of the SignedHeaders list */
#define SIGV4_SKEW_MS      (5 * 60 * 1000)

/* What went wrong, mapped to AWS's exception by the caller. */
enum sigv4_status {
    SIGV4_OK = 0,
    SIGV4_MISSING,    /* no Authorization header: MissingAuthenticationTokenException (403) */
    SIGV4_INCOMPLETE, /* malformed: IncompleteSignatureException (400) */
    SIGV4_MISMATCH,   /* the signature (or the body hash) does not match: InvalidSignatureException (400) */
    SIGV4_EXPIRED,    /* dated more than 5 minutes from now, either way: InvalidSignatureException (400) */
};

/* A name and a value, borrowed. */
typedef struct sigv4_pair {
    const char *name, *value;
} sigv4_pair_t;

/* A request as it arrived. Borrowed pointers, valid for the duration of the call. */
typedef struct sigv4_msg {
    const char *method;
    const char *path;          /* as on the wire, still percent-encoded, without the query */
    const sigv4_pair_t *query; /* query parameters as on the wire (value NULL when there was no '=') */
    size_t nquery;
    const sigv4_pair_t *headers; /* every header line, in arrival order (names in any case) */
    size_t nheaders;
    const void *body;
    size_t len;
} sigv4_msg_t;

/* A parsed Authorization header and the request's date. */
typedef struct sigv4_auth {
    char key_id[SIGV4_MAX_KEY_ID + 1];
    char date[9];                               /* scope date, YYYYMMDD */
    char region[64];                            /* scope region */
    char service[64];                           /* scope service */
    char amz_date[17];                          /* the request's time, YYYYMMDDTHHMMSSZ (from X-Amz-Date, or Date) */
    int64_t time_ms;                            /* the same, in ms since the epoch */
    char signed_list[SIGV4_MAX_SIGNED_S + 1];   /* SignedHeaders as sent, lower-cased */
    const char *signed_names[SIGV4_MAX_SIGNED]; /* the names, pointing into signed_names_buf */
    size_t nsigned;
    char signed_names_buf[SIGV4_MAX_SIGNED_S + 1];
    uint8_t signature[32];
} sigv4_auth_t;

/* Reads the Authorization header and the date from m's headers. service, when not NULL, is the only service
 * the credential scope may name. Returns SIGV4_OK, SIGV4_MISSING or SIGV4_INCOMPLETE with a sentence in err. */
int sigv4_parse(const sigv4_msg_t *m, const char *service, sigv4_auth_t *a, char *err, size_t errlen);

/* The request's date against the clock: SIGV4_OK, or SIGV4_EXPIRED with AWS's "Signature expired: ..." or
 * "Signature not yet current: ..." sentence. */
int sigv4_check_time(const sigv4_auth_t *a, int64_t now_ms, char *err, size_t errlen);

/* kSigning = HMAC chain of "AWS4"+secret over date, region, service, "aws4_request". */
void sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service, uint8_t out[32]);

/* The canonical request for m under a's SignedHeaders, with payload_hash (64 hex digits or a literal such as
 * UNSIGNED-PAYLOAD). normalize removes dot segments and repeated slashes from the path (every service but S3).
 * Returns a heap string (free it), or NULL when it would pass 1 MiB. */
char *sigv4_canonical_request(const sigv4_msg_t *m, const sigv4_auth_t *a, const char *payload_hash, bool normalize);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n<hex sha256 of creq>" (heap). */
char *sigv4_string_to_sign(const sigv4_auth_t *a, const char *canonical_request);

/* Checks the signature of m with the signing key derived from the secret (sigv4_signing_key with a's scope).
 * The payload hash is x-amz-content-sha256 when present (which must then be the body's SHA-256), else the
 * SHA-256 of the body. SIGV4_OK, or SIGV4_MISMATCH with AWS's sentence. Compares in constant time. */
int sigv4_verify(const sigv4_msg_t *m, const sigv4_auth_t *a, const uint8_t signing_key[32], char *err, size_t errlen);

/* Formats ms since the epoch as YYYYMMDDTHHMMSSZ (17 bytes with the NUL). */
void sigv4_format_time(int64_t ms, char out[17]);

/* Copies the region of "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ..." into out.
 * Returns 0, or -1 when the header is absent or not of that form. (For ARNs when signatures are not checked.) */
int sigv4_scope_region(const char *authorization, char *out, size_t outlen);

#endif
