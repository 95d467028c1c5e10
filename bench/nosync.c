/* LD_PRELOAD shim for measurement only: fsync and fdatasync return at once without syncing. Running glued under
 * it gives the cost of a write without its fsync, i.e. the ceiling that group commit (one fsync shared by many
 * writes) approaches as the batch grows. Never use it for anything but a throw-away benchmark. */
#include <unistd.h>

int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}
