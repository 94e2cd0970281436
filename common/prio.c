/* prio: see prio.h. */
#include "common/prio.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"

int prio_background(void)
{
    /* PRIO_PROCESS with a thread id addresses that one thread on Linux. */
    id_t tid = (id_t)gettid();
    errno = 0;
    int now = getpriority(PRIO_PROCESS, tid);
    if (now == -1 && errno != 0)
        return -errno;
    if (now >= PRIO_BACKGROUND_NICE)
        return 0;
    if (setpriority(PRIO_PROCESS, tid, PRIO_BACKGROUND_NICE) != 0) {
        int err = errno;
        log_debug("cannot lower the priority of thread %d: %s", (int)tid, strerror(err));
        return -err;
    }
    return 0;
}
