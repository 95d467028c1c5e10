/* The HTTP client of glued's own subcommands (run, status, export, import): AWS JSON 1.1 calls to a running
 * glued, or to anything that speaks Glue, with libcurl. Requests are signed with SigV4 (curl's
 * CURLOPT_AWS_SIGV4) when AWS credentials are in the environment, as any AWS client signs them. The server's
 * layers never use this; it lives with the subcommands. Not thread-safe: one client per thread. */
#ifndef GLUED_CLIENT_H
#define GLUED_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

typedef struct client client_t;

/* What a failed call says: an AWS error (type set, e.g. "EntityNotFoundException") or no answer at all
 * (type empty: the endpoint could not be reached or did not speak AWS JSON). */
typedef struct client_err {
    char type[128];
    char msg[1024];
    long status; /* HTTP status, 0 without an answer */
} client_err_t;

/* The endpoint: the --endpoint value when given, else AWS_ENDPOINT_URL_GLUE, AWS_ENDPOINT_URL, and last
 * http://127.0.0.1:8080. */
const char *client_default_endpoint(const char *given);
/* A client for endpoint (copied); region and credentials are read from the environment (AWS_REGION, then
 * AWS_DEFAULT_REGION, else us-east-1; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). NULL if
 * curl cannot start. */
client_t *client_new(const char *endpoint);
/* Why client_new failed when libcurl could not be loaded, or NULL. */
const char *client_load_error(void);
void client_free(client_t *c);
const char *client_endpoint(const client_t *c);
/* Calls AWSGlue.<op> with in (borrowed; NULL sends {}). 0 with *out a new reference, or -1 with *err filled. */
int client_call(client_t *c, const char *op, json_t *in, json_t **out, client_err_t *err);
/* Whether err is the AWS error named type (e.g. "EntityNotFoundException"). */
bool client_err_is(const client_err_t *err, const char *type);

#endif
