/* Graph node ids (see nodeid.h). */
#include "model/nodeid.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void nodeid_make(const uint8_t secret[32], const char *workflow, const char *type, const char *name,
                 char out[NODEID_LEN])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t a = strlen(workflow), b = strlen(type), c = strlen(name);
    char buf[1024];
    /* workflow NUL type NUL name NUL: no two triples give the same input */
    char *p = a + b + c + 3 <= sizeof buf ? buf : malloc(a + b + c + 3);
    memcpy(p, workflow, a + 1);
    memcpy(p + a + 1, type, b + 1);
    memcpy(p + a + b + 2, name, c + 1);
    HMAC(EVP_sha256(), secret, 32, (const uint8_t *)p, a + b + c + 3, md, &len);
    if (p != buf)
        free(p);
    memcpy(out, "wnode_", 6);
    util_hex(out + 6, md, 32);
}
