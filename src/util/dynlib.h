/* Libraries that only some runs of glued need (libpq for a PostgreSQL store, libcurl for the client
 * subcommands) are loaded with dlopen when first needed, so that a glued on SQLite neither maps them (about
 * 1.7 MB of its idle memory, with the Kerberos, LDAP and SSH libraries they pull in) nor needs them installed.
 * Each has a table of function pointers made by DYNLIB_TABLE from an X-macro list of its functions, which the
 * call sites use as table.function(...). */
#ifndef GLUED_DYNLIB_H
#define GLUED_DYNLIB_H

#include <stddef.h>

#define DYNLIB_DECL(f) __typeof__(f) *f;

/* Opens the first of sonames that loads (a NULL-terminated list) and fills n symbols, named by names, into
 * slots. 0, or -1 with a sentence in err naming the library or the missing symbol. */
int dynlib_open(const char *const *sonames, const char *what, const char *const *names, void **slots, size_t n,
                char *err, size_t errlen);

#endif
