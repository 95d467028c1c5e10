/* Shell-style word splitting without expansion (see words.h). One pass over the text with a small state
 * machine; a word never grows past its source, so one buffer of the template's size holds any word. */
#include "util/words.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void words_cleanup(words_t *w)
{
    if (!w || !w->v)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
}

static int push(words_t *w, const char *word, size_t len, char *err, size_t errlen)
{
    if (w->n >= WORDS_MAX) {
        snprintf(err, errlen, "more than %d words", WORDS_MAX);
        return -1;
    }
    char **v = realloc(w->v, (w->n + 2) * sizeof *v);
    if (!v)
        goto oom;
    w->v = v;
    char *copy = malloc(len + 1);
    if (!copy)
        goto oom;
    memcpy(copy, word, len);
    copy[len] = '\0';
    w->v[w->n++] = copy;
    w->v[w->n] = NULL;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int words_split(const char *s, words_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(s);
    if (len > WORDS_MAX_LEN) {
        snprintf(err, errlen, "longer than %d bytes", WORDS_MAX_LEN);
        return -1;
    }
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = 0;        /* bytes of the current word */
    bool inword = false; /* a word has started (it may be empty: '') */
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (inword && push(out, buf, n, err, errlen) < 0)
                goto fail;
            inword = false;
            n = 0;
            i++;
        } else if (c == '\'') {
            const char *end = strchr(s + i + 1, '\'');
            if (!end) {
                snprintf(err, errlen, "unterminated single quote at column %zu", i + 1);
                goto fail;
            }
            size_t k = (size_t)(end - (s + i + 1));
            memcpy(buf + n, s + i + 1, k);
            n += k;
            inword = true;
            i += k + 2;
        } else if (c == '"') {
            size_t start = i++;
            for (;;) {
                if (i >= len) {
                    snprintf(err, errlen, "unterminated double quote at column %zu", start + 1);
                    goto fail;
                }
                if (s[i] == '"') {
                    i++;
                    break;
                }
                if (s[i] == '\\' && i + 1 < len && strchr("\"\\$`\n", s[i + 1])) {
                    if (s[i + 1] != '\n') /* a backslash-newline joins lines inside quotes too */
                        buf[n++] = s[i + 1];
                    i += 2;
                } else {
                    buf[n++] = s[i++];
                }
            }
            inword = true;
        } else if (c == '\\') {
            if (i + 1 >= len) {
                snprintf(err, errlen, "a backslash at the end (column %zu) escapes nothing", i + 1);
                goto fail;
            }
            if (s[i + 1] != '\n') {
                buf[n++] = s[i + 1];
                inword = true;
            }
            i += 2;
        } else {
            buf[n++] = c;
            inword = true;
            i++;
        }
    }
    if (inword && push(out, buf, n, err, errlen) < 0)
        goto fail;
    free(buf);
    return 0;
fail:
    free(buf);
    words_cleanup(out);
    return -1;
}
