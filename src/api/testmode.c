/* --test-mode: the reset a test suite calls between tests (POST /_glued/reset, or moto's POST /moto-api/reset).
 * It is not a Glue operation, so it is not in the operation table: the HTTP layer calls it for those two paths,
 * and only when glued was started with --test-mode. */
#include "api/api.h"

#include "engine/engine.h"

int api_reset(api_t *api, gerr_t *e)
{
    if (!api->cfg.test_mode)
        return gerr_set(e, GERR_UNKNOWN_OP, "the reset is served only with --test-mode");
    return engine_reset(api->engine, e);
}
