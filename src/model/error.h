/* The API error: a Glue exception name, an HTTP status and a message that names the field and the rule.
 * Every fallible function below the HTTP layer fills one of these (caller-owned) and returns -1. */
#ifndef GLUED_ERROR_H
#define GLUED_ERROR_H

#define GERR_INVALID_INPUT       "InvalidInputException"
#define GERR_NOT_FOUND           "EntityNotFoundException"
#define GERR_EXISTS              "AlreadyExistsException"
#define GERR_LIMIT               "ResourceNumberLimitExceededException"
#define GERR_CONCURRENT_MOD      "ConcurrentModificationException"
#define GERR_CONCURRENT_RUNS     "ConcurrentRunsExceededException"
#define GERR_ILLEGAL_STATE       "IllegalWorkflowStateException"
#define GERR_SERIALIZATION       "SerializationException"
#define GERR_UNKNOWN_OP          "UnknownOperationException"
#define GERR_INTERNAL            "InternalServiceException"
#define GERR_TIMEOUT             "OperationTimeoutException"
#define GERR_CRAWLER_RUNNING     "CrawlerRunningException"
#define GERR_CRAWLER_NOT_RUNNING "CrawlerNotRunningException"
#define GERR_CRAWLER_STOPPING    "CrawlerStoppingException"
#define GERR_SCHEDULER_RUNNING   "SchedulerRunningException"
#define GERR_SCHEDULER_STOPPED   "SchedulerNotRunningException"
#define GERR_NO_SCHEDULE         "NoScheduleException"
/* EventBridge's (api/events.c) */
#define GERR_EV_VALIDATION  "ValidationException"
#define GERR_EV_NOT_FOUND   "ResourceNotFoundException"
#define GERR_EV_BAD_PATTERN "InvalidEventPatternException"
#define GERR_EV_LIMIT       "LimitExceededException"
#define GERR_EV_INTERNAL    "InternalException"
/* SigV4 refusals (server/auth.c), in AWS's words for JSON 1.1 services; MissingAuthenticationToken is a 403 */
#define GERR_MISSING_AUTH        "MissingAuthenticationTokenException"
#define GERR_INCOMPLETE_SIG      "IncompleteSignatureException"
#define GERR_UNRECOGNIZED_CLIENT "UnrecognizedClientException"
#define GERR_INVALID_SIG         "InvalidSignatureException"

typedef struct gerr {
    const char *type; /* static string, one of GERR_* */
    int status;       /* HTTP status: 400, 500 for InternalServiceException, 403 for MissingAuthenticationToken */
    char msg[1024];
} gerr_t;

/* Sets type and message (printf-style) and the status that goes with the type; returns -1. */
int gerr_set(gerr_t *e, const char *type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The error for a store failure status (STORE_FULL, STORE_CONFLICT, STORE_ERROR) met while `what` (e.g.
 * "creating a workflow"); returns -1. The store logged the details. */
int gerr_store(gerr_t *e, int status, const char *what);

#endif
