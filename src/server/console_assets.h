/* The console's assets (the files in src/server/console/), compiled into the binary by scripts/embed_assets.sh:
 * the Makefile generates the table itself into build/gen/console_assets.c. */
#ifndef GLUED_CONSOLE_ASSETS_H
#define GLUED_CONSOLE_ASSETS_H

#include <stddef.h>

typedef struct console_asset {
    const char *name; /* file name, e.g. "app.js" */
    const char *type; /* Content-Type */
    const char *hash; /* first 16 hex digits of the SHA-256 of data */
    const unsigned char *data;
    size_t len;
} console_asset_t;

extern const console_asset_t console_assets[];
extern const size_t console_nassets;

#endif
