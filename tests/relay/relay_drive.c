// SPDX-License-Identifier: MIT
/*
 * relay_drive.c - drive the relay module (src/relay*.c) by hand and from
 * tests/integration/t-relay.sh, until `forwards:` reaches the YAML side;
 * and two small clients to measure it.
 *
 *   relay_drive start [OPTS] [-w] FWD...   start a detached relay, print
 *                                          "PID START"; -w: then wait
 *                                          (a parent to kill -9)
 *   relay_drive run [OPTS] FWD...          serve in the foreground
 *   relay_drive stop PID START [GRACE_MS]  0 stopped, 3 not running
 *   relay_drive alive PID START            0 alive, 1 not
 *   relay_drive find LOG                   "PID START" of the relays that
 *                                          log to LOG; 1 if none
 *   relay_drive rr ADDR PORT N [SIZE]      N round trips of SIZE bytes on
 *                                          one TCP connection: latency
 *   relay_drive connrate ADDR PORT N       N connect, 1-byte echo, close
 *   relay_drive echod ADDR PORT            an echo service for those two
 *
 * FWD is PROTO,LISTEN,TO, as in the file: tcp,[::1]:8080,web:[fd00::80]:80
 * (a node is the namespace pinned at /run/netns/NODE).  OPTS: -l LOG,
 * -c MAX_CONNS, -i UDP_IDLE_MS, -t CONNECT_MS, -p PIPE_BYTES.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "relay.h"
#include "util.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: relay_drive start|run [-l LOG] [-c MAX] [-i UDP_IDLE_MS] "
		"[-t CONNECT_MS] [-p PIPE_BYTES] [-w] PROTO,LISTEN,TO...\n"
		"       relay_drive stop PID START [GRACE_MS]\n"
		"       relay_drive alive PID START\n"
		"       relay_drive rr ADDR PORT N [SIZE]\n"
		"       relay_drive connrate ADDR PORT N\n"
		"       relay_drive echod ADDR PORT\n");
	return 2;
}

/* "PROTO,LISTEN,TO" into @fw, namespaces opened. */
static int read_forward(const char *arg, struct relay_forward *fw)
{
	char *s = xstrdup(arg), *proto = s, *listen, *to, err[256];
	int r = -EINVAL;

	listen = strchr(proto, ',');
	to = listen ? strchr(listen + 1, ',') : NULL;
	if (!to) {
		fprintf(stderr, "relay_drive: %s: expected PROTO,LISTEN,TO\n",
			arg);
		goto out;
	}
	*listen++ = '\0';
	*to++ = '\0';
	memset(fw, 0, sizeof(*fw));
	fw->listen_ns = fw->to_ns = -1;
	if (relay_parse_forward(listen, to, proto, &fw->listen, &fw->to,
				&fw->proto, err, sizeof(err))) {
		fprintf(stderr, "relay_drive: %s: %s\n", arg, err);
		goto out;
	}
	if (fw->listen.node[0]) {
		fw->listen_ns = netns_open(fw->listen.node);
		if (fw->listen_ns < 0) {
			r = fw->listen_ns;
			fprintf(stderr, "relay_drive: node %s: %s\n",
				fw->listen.node, strerror(-r));
			goto out;
		}
	}
	fw->to_ns = netns_open(fw->to.node);
	if (fw->to_ns < 0) {
		r = fw->to_ns;
		fprintf(stderr, "relay_drive: node %s: %s\n", fw->to.node,
			strerror(-r));
		goto out;
	}
	r = 0;
out:
	free(s);
	return r;
}

static int cmd_start(int argc, char **argv, bool detach)
{
	struct relay_opts o = { 0 };
	struct relay_forward *fw;
	struct relay_set set;
	struct relay_proc rp;
	const char *log = NULL;
	bool wait = false;
	char err[512];
	size_t n = 0;
	int c, r, log_fd = -1;

	optind = 1;
	while ((c = getopt(argc, argv, "l:c:i:t:p:w")) != -1) {
		switch (c) {
		case 'l':
			log = optarg;
			break;
		case 'c':
			o.max_conns = (unsigned)atoi(optarg);
			break;
		case 'i':
			o.udp_idle_ms = (unsigned)atoi(optarg);
			break;
		case 't':
			o.connect_ms = (unsigned)atoi(optarg);
			break;
		case 'p':
			o.pipe_bytes = (unsigned)atoi(optarg);
			break;
		case 'w':
			wait = true;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || (detach && !log))
		return usage();
	fw = xcalloc((size_t)(argc - optind), sizeof(*fw));
	for (int i = optind; i < argc; i++)
		if (read_forward(argv[i], &fw[n++]))
			return 1;
	if (detach) {
		/* What nstopo calls. */
		r = relay_spawn(fw, n, &o, log, &rp, err, sizeof(err));
	} else {
		r = relay_listen(fw, n, &set, err, sizeof(err));
	}
	for (size_t i = 0; i < n; i++) {
		if (fw[i].listen_ns >= 0)
			close(fw[i].listen_ns);
		close(fw[i].to_ns);
	}
	free(fw);
	if (r) {
		fprintf(stderr, "relay_drive: %s\n", err);
		return 1;
	}
	if (detach) {
		printf("%d %llu\n", (int)rp.pid, (unsigned long long)rp.start);
		fflush(stdout);
		while (wait)
			pause();
		return 0;
	}
	if (log) {
		log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0640);
		if (log_fd < 0) {
			perror(log);
			return 1;
		}
	} else {
		log_fd = 2;
	}
	r = relay_serve(&set, &o, log_fd, -1);
	relay_set_free(&set);
	if (r) {
		fprintf(stderr, "relay_drive: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static int read_proc(char **argv, struct relay_proc *rp)
{
	rp->pid = (pid_t)atoi(argv[0]);
	rp->start = strtoull(argv[1], NULL, 10);
	return rp->pid > 0 ? 0 : -EINVAL;
}

static int cmd_stop(int argc, char **argv)
{
	struct relay_proc rp;
	int r;

	if (argc < 3 || read_proc(argv + 1, &rp))
		return usage();
	r = relay_stop(&rp, argc > 3 ? atoi(argv[3]) : 3000);
	if (r == -ESRCH) {
		fprintf(stderr, "relay_drive: no relay %d started at %llu\n",
			(int)rp.pid, (unsigned long long)rp.start);
		return 3;
	}
	if (r) {
		fprintf(stderr, "relay_drive: stop %d: %s\n", (int)rp.pid,
			strerror(-r));
		return 1;
	}
	return 0;
}

static int cmd_find(int argc, char **argv)
{
	struct relay_proc rp[16];
	int n;

	if (argc < 2)
		return usage();
	n = relay_find(argv[1], rp, 16);
	if (n < 0) {
		fprintf(stderr, "relay_drive: find: %s\n", strerror(-n));
		return 1;
	}
	for (int i = 0; i < n && i < 16; i++)
		printf("%d %llu\n", (int)rp[i].pid,
		       (unsigned long long)rp[i].start);
	return n ? 0 : 1;
}

static int cmd_alive(int argc, char **argv)
{
	struct relay_proc rp;

	if (argc < 3 || read_proc(argv + 1, &rp))
		return usage();
	return relay_alive(&rp) ? 0 : 1;
}

/* A connected TCP socket to ADDR PORT, or -1 (message printed). */
static int dial(const char *addr, const char *port)
{
	struct relay_endpoint ep;
	char text[RELAY_ENDPOINT_TEXT_MAX], err[200];
	socklen_t len;
	int fd;

	snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:%s" : "%s:%s",
		 addr, port);
	if (relay_parse_endpoint(text, &ep, err, sizeof(err))) {
		fprintf(stderr, "relay_drive: %s: %s\n", text, err);
		return -1;
	}
	fd = socket(ep.addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = ep.addr.sa.sa_family == AF_INET6 ? sizeof(ep.addr.in6) :
						 sizeof(ep.addr.in);
	if (fd < 0 || connect(fd, &ep.addr.sa, len)) {
		perror(text);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

static int full_io(int fd, char *buf, size_t n, bool wr)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = wr ? write(fd, buf + done, n - done) :
				 read(fd, buf + done, n - done);

		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_lat(const char *what, double *v, size_t n, double total)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%s: n=%zu median=%.1f us p90=%.1f us p99=%.1f us max=%.1f "
	       "us rate=%.0f/s\n",
	       what, n, v[n / 2] * 1e6, v[n * 90 / 100] * 1e6,
	       v[n * 99 / 100] * 1e6, v[n - 1] * 1e6, n / total);
}

/* Against an echo service: SIZE bytes out, the same back, N times. */
static int cmd_rr(int argc, char **argv)
{
	size_t n, size;
	double *lat, t0;
	char *buf;
	int fd;

	if (argc < 4)
		return usage();
	n = strtoul(argv[3], NULL, 10);
	size = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	if (!n || !size)
		return usage();
	fd = dial(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	buf = xcalloc(1, size);
	lat = xcalloc(n, sizeof(*lat));
	t0 = now_monotonic();
	for (size_t i = 0; i < n; i++) {
		double t = now_monotonic();

		buf[0] = (char)i;
		if (full_io(fd, buf, size, true) ||
		    full_io(fd, buf, size, false) || buf[0] != (char)i) {
			fprintf(stderr, "relay_drive: rr: round %zu failed\n",
				i);
			return 1;
		}
		lat[i] = now_monotonic() - t;
	}
	print_lat("round trip", lat, n, now_monotonic() - t0);
	close(fd);
	free(lat);
	free(buf);
	return 0;
}

/* An echo service for rr and connrate: one client at a time, in C, so
 * that what is measured is the path, not the service. */
static int cmd_echod(int argc, char **argv)
{
	struct relay_endpoint ep;
	char text[RELAY_ENDPOINT_TEXT_MAX], err[200], buf[65536];
	int fd, one = 1;

	if (argc < 3)
		return usage();
	snprintf(text, sizeof(text), strchr(argv[1], ':') ? "[%s]:%s" : "%s:%s",
		 argv[1], argv[2]);
	if (relay_parse_endpoint(text, &ep, err, sizeof(err))) {
		fprintf(stderr, "relay_drive: %s: %s\n", text, err);
		return 1;
	}
	fd = socket(ep.addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 ||
	    bind(fd, &ep.addr.sa,
		 ep.addr.sa.sa_family == AF_INET6 ? sizeof(ep.addr.in6) :
						    sizeof(ep.addr.in)) ||
	    listen(fd, 128)) {
		perror(text);
		return 1;
	}
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		ssize_t n;

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (full_io(c, buf, (size_t)n, true))
				break;
		close(c);
	}
}

/* Against an echo service: N connections, one after the other. */
static int cmd_connrate(int argc, char **argv)
{
	double *lat, t0;
	size_t n;

	if (argc < 4)
		return usage();
	n = strtoul(argv[3], NULL, 10);
	if (!n)
		return usage();
	lat = xcalloc(n, sizeof(*lat));
	t0 = now_monotonic();
	for (size_t i = 0; i < n; i++) {
		double t = now_monotonic();
		char b = (char)i;
		int fd = dial(argv[1], argv[2]);

		if (fd < 0 || full_io(fd, &b, 1, true) ||
		    full_io(fd, &b, 1, false) || b != (char)i) {
			fprintf(stderr, "relay_drive: connection %zu failed\n",
				i);
			return 1;
		}
		close(fd);
		lat[i] = now_monotonic() - t;
	}
	print_lat("connect+echo+close", lat, n, now_monotonic() - t0);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "start"))
		return cmd_start(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "run"))
		return cmd_start(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "stop"))
		return cmd_stop(argc - 1, argv + 1);
	if (!strcmp(argv[1], "find"))
		return cmd_find(argc - 1, argv + 1);
	if (!strcmp(argv[1], "alive"))
		return cmd_alive(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rr"))
		return cmd_rr(argc - 1, argv + 1);
	if (!strcmp(argv[1], "echod"))
		return cmd_echod(argc - 1, argv + 1);
	if (!strcmp(argv[1], "connrate"))
		return cmd_connrate(argc - 1, argv + 1);
	return usage();
}
