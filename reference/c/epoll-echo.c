/*
 * epoll-echo.c - the C yardstick of the bench: a level-triggered epoll echo server.
 *
 * Each thread owns one listening socket (SO_REUSEPORT, so the kernel spreads new connections over
 * the threads) and one epoll set. A readable connection gets exactly one recv() into the thread's
 * buffer and one send() of what arrived. When the socket takes only part of it, the rest is copied
 * to the connection, the connection stops asking for input and asks for EPOLLOUT instead: a client
 * that does not read its replies cannot make the server buffer without bound (backpressure).
 *
 * This is the least a server can do per message (one epoll_wait share, one recv, one send), so the
 * C# models are measured against it.
 *
 * Build: gcc -O2 -Wall -o epoll-echo epoll-echo.c -lpthread   (scripts/build-references.sh does it)
 * Usage: epoll-echo [-w THREADS] PORT      listens on 127.0.0.1:PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { READ_SIZE = 64 * 1024, EVENTS = 256, BACKLOG = 4096 };

struct peer {
    int fd;
    char *rest;          /* the part of the last reply the socket did not take yet, or NULL */
    size_t rest_len;
    size_t rest_sent;
};

static uint16_t port;
static char listener_mark;      /* data.ptr of the listening socket's event: not a peer */

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int open_listener(void) {
    int on = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("epoll-echo: socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port)};
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&at, sizeof at) < 0) die("epoll-echo: bind");
    if (listen(fd, BACKLOG) < 0) die("epoll-echo: listen");
    return fd;
}

static void drop(struct peer *p) {
    close(p->fd);               /* closing the last descriptor also takes it out of the epoll set */
    free(p->rest);
    free(p);
}

static void watch(int ep, struct peer *p, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = p};
    epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &ev);
}

static int would_block(void) {
    return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* The socket has room again: send what is left; back to reading once it is all gone. */
static void send_rest(int ep, struct peer *p) {
    while (p->rest_sent < p->rest_len) {
        ssize_t n = send(p->fd, p->rest + p->rest_sent, p->rest_len - p->rest_sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && would_block()) return;
        if (n < 0) { drop(p); return; }
        p->rest_sent += (size_t)n;
    }
    free(p->rest);
    p->rest = NULL;
    p->rest_len = p->rest_sent = 0;
    watch(ep, p, EPOLLIN);
}

/* One recv per readiness event (level-triggered: anything left is reported again), one send. */
static void echo(int ep, struct peer *p, char *buffer) {
    ssize_t got = recv(p->fd, buffer, READ_SIZE, 0);
    if (got < 0 && (errno == EINTR || would_block())) return;
    if (got <= 0) { drop(p); return; }        /* 0: the peer finished sending; < 0: reset or error */
    ssize_t sent = send(p->fd, buffer, (size_t)got, MSG_NOSIGNAL);
    if (sent < 0 && !would_block() && errno != EINTR) { drop(p); return; }
    if (sent < 0) sent = 0;
    if (sent == got) return;
    p->rest_len = (size_t)(got - sent);
    p->rest = malloc(p->rest_len);
    if (p->rest == NULL) { drop(p); return; }
    memcpy(p->rest, buffer + sent, p->rest_len);
    watch(ep, p, EPOLLOUT);
}

static void accept_all(int ep, int listener) {
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (!would_block()) perror("epoll-echo: accept");   /* e.g. out of descriptors: try on the next event */
            return;
        }
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        struct peer *p = calloc(1, sizeof *p);
        if (p == NULL) { close(fd); continue; }
        p->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = p};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) drop(p);
    }
}

static void *serve(void *unused) {
    (void)unused;
    int listener = open_listener();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    char *buffer = malloc(READ_SIZE);
    if (ep < 0 || buffer == NULL) die("epoll-echo: setup");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listener_mark}, ready[EVENTS];
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    for (;;) {
        int n = epoll_wait(ep, ready, EVENTS, -1);
        if (n < 0 && errno != EINTR) die("epoll-echo: epoll_wait");
        for (int i = 0; i < n; i++) {
            if (ready[i].data.ptr == &listener_mark) { accept_all(ep, listener); continue; }
            struct peer *p = ready[i].data.ptr;
            if (p->rest != NULL) send_rest(ep, p);   /* only EPOLLOUT (or an error) is watched now */
            else echo(ep, p, buffer);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = 1, opt;
    while ((opt = getopt(argc, argv, "w:")) != -1) {
        if (opt != 'w' || (threads = atoi(optarg)) < 1) {
            fprintf(stderr, "usage: epoll-echo [-w THREADS] PORT\n");
            return 2;
        }
    }
    long given = optind == argc - 1 ? strtol(argv[optind], NULL, 10) : -1;
    if (given < 1 || given > 65535) {
        fprintf(stderr, "usage: epoll-echo [-w THREADS] PORT   (PORT 1-65535, on 127.0.0.1)\n");
        return 2;
    }
    port = (uint16_t)given;
    signal(SIGPIPE, SIG_IGN);

    /* Many connections need many descriptors: raise the soft limit to the hard one. */
    struct rlimit fds;
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }

    for (int i = 1; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, NULL) != 0) die("epoll-echo: pthread_create");
    }
    serve(NULL);
    return 0;
}
