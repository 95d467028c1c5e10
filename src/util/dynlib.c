/* dlopen of optional libraries (see dynlib.h). */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

static int open_once(dynlib_t *l)
{
    void *h = NULL;
    const char *why = "no library name";
    for (size_t i = 0; l->sonames[i] && !h; i++)
        if (!(h = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL)))
            why = dlerror();
    if (!h) {
        snprintf(l->err, sizeof l->err, "cannot load %s: %s", l->what, why ? why : "?");
        return -1;
    }
    void **slots = l->table;
    for (size_t i = 0; i < l->n; i++) {
        if (!(slots[i] = dlsym(h, l->names[i]))) {
            snprintf(l->err, sizeof l->err, "cannot load %s: it has no %s", l->what, l->names[i]);
            return -1; /* the handle stays open: nothing else in it is used */
        }
    }
    return 0;
}

int dynlib_load(dynlib_t *l)
{
    pthread_mutex_lock(&l->lock);
    if (l->state == 0)
        l->state = open_once(l) == 0 ? 1 : -1;
    int rc = l->state > 0 ? 0 : -1;
    pthread_mutex_unlock(&l->lock);
    return rc;
}
