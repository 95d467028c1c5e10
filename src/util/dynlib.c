/* dlopen of optional libraries (see dynlib.h). */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

int dynlib_open(const char *const *sonames, const char *what, const char *const *names, void **slots, size_t n,
                char *err, size_t errlen)
{
    void *h = NULL;
    const char *why = "no library name";
    for (size_t i = 0; sonames[i] && !h; i++)
        if (!(h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)))
            why = dlerror();
    if (!h) {
        snprintf(err, errlen, "cannot load %s: %s", what, why ? why : "?");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(slots[i] = dlsym(h, names[i]))) {
            snprintf(err, errlen, "cannot load %s: it has no %s", what, names[i]);
            return -1; /* the handle stays open: nothing else in it is used */
        }
    }
    return 0;
}
