/*
 * storm-client.c - a connect storm: N connections opened non-blocking as fast as the client can, each sending a
 * message the moment it is connected and echoing in a closed loop (one message in flight per connection).
 *
 * An independent check of echo-load's first-reply and fairness numbers: one thread, one epoll set, no runtime.
 * Every reply is compared byte for byte with what that connection sent (its id and sequence number are in the
 * message). Reports, per connection, the time from connect() to the first complete reply (p50/p99/max), how many
 * got no reply within the timeout ("starved"), and Jain's fairness index of the per-connection message counts over
 * the whole run and over its second half. Bounded: it stops after the duration, whatever the server does.
 *
 * Build: gcc -O2 -Wall -o storm-client storm-client.c
 * Usage: storm-client [-a ADDR] [-n CONNECTIONS] [-d SECONDS] [-t FIRST_REPLY_TIMEOUT_S] [-s SIZE] PORT
 * Output: readable lines, then one "RESULT key=value ..." line for scripts (times in microseconds).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXEV 1024
#define MAXSIZE 4096
#define NEVER INT64_MAX

enum state { CONNECTING, SENDING, RECEIVING, CLOSED };

typedef struct {
    int fd;
    enum state state;
    uint32_t id;
    uint64_t seq;
    int64_t connect_start, established, first_reply; /* us since run start; NEVER if not yet */
    uint64_t count, count_at_half;
    size_t sent, received;
    unsigned char out[MAXSIZE];
} conn_t;

static size_t g_size = 64;
static long g_mismatch, g_eof, g_reset, g_connect_failed;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The message: connection id, sequence number, then bytes derived from both, so a reply from another connection
 * or an older message cannot pass the comparison. */
static void fill(conn_t *c) {
    memcpy(c->out, &c->id, 4);
    memcpy(c->out + 4, &c->seq, 8);
    uint32_t x = c->id * 2654435761u ^ (uint32_t)c->seq * 40503u;
    for (size_t i = 12; i < g_size; i++) {
        x = x * 1103515245u + 12345u;
        c->out[i] = (unsigned char)(x >> 16);
    }
}

static void close_conn(int ep, conn_t *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = CLOSED;
}

static void want(int ep, conn_t *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what is left of the current message; on a short write waits for EPOLLOUT. */
static void pump_send(int ep, conn_t *c) {
    while (c->sent < g_size) {
        ssize_t n = send(c->fd, c->out + c->sent, g_size - c->sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->state != SENDING) want(ep, c, EPOLLOUT);
            c->state = SENDING;
            return;
        }
        if (n < 0) {
            g_reset++;
            close_conn(ep, c);
            return;
        }
        c->sent += (size_t)n;
    }
    if (c->state != RECEIVING) want(ep, c, EPOLLIN);
    c->state = RECEIVING;
    c->received = 0;
}

static void next_message(int ep, conn_t *c) {
    c->seq++;
    fill(c);
    c->sent = 0;
    pump_send(ep, c);
}

static void on_readable(int ep, conn_t *c, int64_t t) {
    unsigned char in[MAXSIZE];
    for (;;) {
        ssize_t n = recv(c->fd, in, g_size - c->received, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (n == 0) g_eof++; else g_reset++;
            close_conn(ep, c);
            return;
        }
        if (n < 0) return;
        if (memcmp(in, c->out + c->received, (size_t)n) != 0) {
            g_mismatch++;
            close_conn(ep, c);
            return;
        }
        c->received += (size_t)n;
        if (c->received == g_size) {
            if (c->first_reply == NEVER) c->first_reply = t;
            c->count++;
            next_message(ep, c);
            return;
        }
    }
}

static void on_connected(int ep, conn_t *c, int64_t t) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
        g_connect_failed++;
        close_conn(ep, c);
        return;
    }
    c->established = t;
    fill(c);
    c->sent = 0;
    c->state = CONNECTING; /* pump_send switches to RECEIVING (EPOLLIN) or SENDING (EPOLLOUT, already armed) */
    pump_send(ep, c);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void fmt_us(char *buf, size_t n, int64_t us) {
    if (us == NEVER) snprintf(buf, n, "none");
    else if (us >= 1000000) snprintf(buf, n, "%.2fs", us / 1e6);
    else if (us >= 1000) snprintf(buf, n, "%.1fms", us / 1e3);
    else snprintf(buf, n, "%ldus", (long)us);
}

/* Jain's index (sum x)^2 / (n sum x^2): 1 when every connection did the same, 1/n when one did everything. */
static double jain(const double *x, int n) {
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) { s += x[i]; s2 += x[i] * x[i]; }
    return s2 == 0 ? 0 : s * s / (n * s2);
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1";
    int n = 1000, opt;
    double duration = 10, timeout = 5;
    while ((opt = getopt(argc, argv, "a:n:d:t:s:")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 't': timeout = atof(optarg); break;
        case 's': g_size = (size_t)atoi(optarg); break;
        default: goto usage;
        }
    }
    if (optind != argc - 1 || n < 1 || duration <= 0 || timeout <= 0 || g_size < 12 || g_size > MAXSIZE) {
    usage:
        fprintf(stderr, "usage: storm-client [-a ADDR] [-n CONNECTIONS] [-d SECONDS] [-t FIRST_REPLY_TIMEOUT_S] [-s SIZE 12..%d] PORT\n", MAXSIZE);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[optind]))};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) goto usage;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    conn_t *conns = calloc((size_t)n, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || ep < 0) { perror("storm-client"); return 1; }

    int64_t start = now_us(), end = start + (int64_t)(duration * 1e6), half = start + (int64_t)(duration * 5e5);
    struct epoll_event evs[MAXEV];
    int opened = 0, halved = 0;
    for (;;) {
        int64_t t = now_us();
        if (t >= end) break;
        if (!halved && t >= half) {
            for (int i = 0; i < n; i++) conns[i].count_at_half = conns[i].count;
            halved = 1;
        }
        /* Open connections in batches between event rounds, so the first ones talk while the rest connect. */
        for (int k = 0; k < 64 && opened < n; k++, opened++) {
            conn_t *c = &conns[opened];
            c->id = (uint32_t)opened;
            c->first_reply = c->established = NEVER;
            c->connect_start = now_us() - start;
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            int one = 1;
            if (c->fd < 0) { g_connect_failed++; c->state = CLOSED; continue; }
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
            int r = connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
            if (r < 0 && errno != EINPROGRESS) { g_connect_failed++; close(c->fd); c->state = CLOSED; continue; }
            c->state = CONNECTING;
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        }
        int wait_ms = opened < n ? 0 : (int)((end - t + 999) / 1000);
        if (wait_ms > 100) wait_ms = 100;
        int k = epoll_wait(ep, evs, MAXEV, wait_ms);
        t = now_us() - start;
        for (int i = 0; i < k; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->state == CLOSED) continue;
            if (c->state == CONNECTING) on_connected(ep, c, t);
            else if (c->state == SENDING && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) pump_send(ep, c);
            else if (c->state == RECEIVING) on_readable(ep, c, t);
        }
    }
    double elapsed = (now_us() - start) / 1e6;

    int64_t *first = malloc((size_t)n * sizeof *first);
    double *counts = malloc((size_t)n * sizeof *counts), *late = malloc((size_t)n * sizeof *late);
    int64_t limit = (int64_t)(timeout * 1e6);
    long established = 0, served = 0, starved = 0, over1s = 0;
    uint64_t messages = 0;
    for (int i = 0; i < n; i++) {
        conn_t *c = &conns[i];
        first[i] = c->first_reply == NEVER ? NEVER : c->first_reply - c->connect_start;
        if (c->established != NEVER) established++;
        if (c->first_reply != NEVER) served++;
        if (first[i] == NEVER || first[i] > limit) starved++;
        if (first[i] != NEVER && first[i] > 1000000) over1s++;
        counts[i] = (double)c->count;
        late[i] = (double)(c->count - c->count_at_half);
        messages += c->count;
    }
    qsort(first, (size_t)n, sizeof *first, cmp_i64);
    int64_t p50 = first[(n - 1) / 2], p99 = first[(int)ceil(0.99 * n) - 1], max = first[n - 1];
    char s50[32], s99[32], smax[32];
    fmt_us(s50, sizeof s50, p50);
    fmt_us(s99, sizeof s99, p99);
    fmt_us(smax, sizeof smax, max);
    double j = jain(counts, n), jl = jain(late, n);

    printf("connections  %d asked, %ld established, %ld connect failures, %ld served\n", n, established, g_connect_failed, served);
    printf("first reply  p50 %s  p99 %s  max %s  (from connect(); none = no reply in the run)\n", s50, s99, smax);
    printf("deciles     ");
    for (int d = 1; d <= 9; d++) {
        char sd[32];
        fmt_us(sd, sizeof sd, first[(int)ceil(d * 0.1 * n) - 1]);
        printf(" %s", sd);
    }
    printf("  (first reply, p10 ... p90)\n");
    printf("starved      %ld (no reply within %.1fs); %ld answered later than 1 s\n", starved, timeout, over1s);
    printf("messages     %llu in %.1fs = %.0f msgs/s\n", (unsigned long long)messages, elapsed, messages / elapsed);
    printf("fairness     jain %.3f (whole run), %.3f (second half)\n", j, jl);
    printf("errors       mismatch %ld, eof %ld, reset %ld\n", g_mismatch, g_eof, g_reset);
    printf("RESULT n=%d established=%ld served=%ld starved=%ld first_p50_us=%lld first_p99_us=%lld first_max_us=%lld "
           "msgs_per_s=%.0f jain=%.3f jain_late=%.3f mismatch=%ld eof=%ld reset=%ld connect_failed=%ld over_1s=%ld\n",
           n, established, served, starved, p50 == NEVER ? -1LL : (long long)p50, p99 == NEVER ? -1LL : (long long)p99,
           max == NEVER ? -1LL : (long long)max, messages / elapsed, j, jl, g_mismatch, g_eof, g_reset, g_connect_failed, over1s);
    return 0;
}
