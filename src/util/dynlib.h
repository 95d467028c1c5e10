/* Libraries that only some runs of glued need (libpq for a PostgreSQL store, libcurl for the client
 * subcommands) are loaded with dlopen when first needed, so that a glued on SQLite neither maps them (about
 * 1.7 MB of its idle memory, with the Kerberos, LDAP and SSH libraries they pull in) nor needs them installed.
 * A user lists the functions in an X-macro, declares its table with DYNLIB_DECL and their names with
 * DYNLIB_NAME, describes the library in a static dynlib_t, and calls table.function(...) after dynlib_load. */
#ifndef GLUED_DYNLIB_H
#define GLUED_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#define DYNLIB_DECL(f) __typeof__(f) *f;
#define DYNLIB_NAME(f) #f,

typedef struct dynlib {
    const char *const *sonames; /* tried in order; NULL-terminated */
    const char *what;           /* for messages: the library, what needs it, its Debian package */
    const char *const *names;   /* the functions, in the table's order */
    size_t n;
    void *table;          /* n function pointers */
    pthread_mutex_t lock; /* PTHREAD_MUTEX_INITIALIZER */
    int state;            /* 0: not tried yet; 1: loaded; -1: failed, err says why */
    char err[256];
} dynlib_t;

/* Loads l the first time (thread-safe): 0, or -1 with a sentence in l->err naming the library or the missing
 * function; later calls answer the same. */
int dynlib_load(dynlib_t *l);

#endif
