/* Splitting a command template into words the way a POSIX shell would quote them, and nothing more: no
 * variables, globs, tildes, command substitution or operators. glued uses it once per --runner at start-up;
 * after that the words are data and no shell ever sees them.
 *
 * Rules: blanks (space, tab, newline) separate words; '...' keeps everything literally; "..." keeps everything
 * but lets a backslash escape ", \, $ and `; outside quotes a backslash keeps the next character; a backslash
 * before a newline joins lines; '' and "" make an empty word. An unterminated quote or a trailing backslash is
 * an error that says where. */
#ifndef GLUED_WORDS_H
#define GLUED_WORDS_H

#include <stddef.h>

#define WORDS_MAX     256   /* words in one template */
#define WORDS_MAX_LEN 65536 /* bytes of one template */

typedef struct words {
    char **v; /* n words, then NULL */
    size_t n;
} words_t;

/* Splits s into *out (caller-owned; free with words_cleanup). 0, or -1 with a message in err naming the
 * column (1-based) where the problem starts; *out is left empty on error. */
int words_split(const char *s, words_t *out, char *err, size_t errlen);
void words_cleanup(words_t *w);

#endif
