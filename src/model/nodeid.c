/* Graph node ids (see nodeid.h). A graph of a thousand nodes makes a thousand ids per request: util/hmac.c keeps
 * the HMAC's keyed state per thread. */
#include "model/nodeid.h"

#include <string.h>

#include "util/hmac.h"
#include "util/util.h"

void nodeid_make(const uint8_t secret[32], const char *workflow, const char *type, const char *name,
                 char out[NODEID_LEN])
{
    /* workflow NUL type NUL name NUL: no two triples give the same input */
    const hmac_part_t parts[] = {
        {workflow, strlen(workflow) + 1}, {type, strlen(type) + 1}, {name, strlen(name) + 1}};
    uint8_t md[32];
    hmac256(secret, parts, 3, md);
    memcpy(out, "wnode_", 6);
    util_hex(out + 6, md, 32);
}
