/* The floor: a bench-only HTTP server on the same stack as glued (libmicrohttpd, internal polling thread with
 * epoll, a thread pool of 2 x CPUs and at least 4, the same connection options as src/server/http.c) that answers
 * every POST with a fixed GetWorkflow-sized JSON body and the same headers. What glued's GetWorkflow costs above
 * this is the cost of glued itself (protocol, validation, store, encoding).
 *
 *   floor [PORT]     prints "floor listening on http://127.0.0.1:PORT", serves until SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char BODY[] =
    "{\"Workflow\":{\"Name\":\"bench-wf-0000\",\"CreatedOn\":1795559874.172,\"LastModifiedOn\":1795559874.172}}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload;
    static int first;
    if (*con_cls == NULL) {
        *con_cls = &first; /* the headers have arrived; the body comes next */
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* read and drop */
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-amz-json-1.1");
    MHD_add_response_header(r, "x-amzn-RequestId", "00000000-0000-4000-8000-000000000000");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    unsigned port = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = n > 2 ? (unsigned)(2 * n) : 4;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "floor: cannot start\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("floor listening on http://127.0.0.1:%u (%u threads)\n", info ? info->port : port, threads);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
