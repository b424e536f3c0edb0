/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_RELAY_H
#define NSTOPO_RELAY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Forwarded ports without NAT (`forwards:`): a relay process holds a
 * listening socket made in one network namespace and, for each client,
 * a socket made in the target's namespace.  A socket stays in the
 * namespace it was created in, so one process serves both sides; no
 * veth, route or netfilter rule is involved.  TCP is relayed with
 * splice(2) through a pipe per direction, UDP as per-client flows.
 */

#define RELAY_NODE_MAX 32 /* NODE_NAME_MAX: [A-Za-z0-9][A-Za-z0-9_.-]* */
/* "NODE:[ADDR]:PORT" at its longest, with the NUL. */
#define RELAY_ENDPOINT_TEXT_MAX (RELAY_NODE_MAX + INET6_ADDRSTRLEN + 16)

enum relay_proto {
	RELAY_TCP,
	RELAY_UDP,
};

union relay_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* One side of a forward, as written: "[NODE:]ADDR:PORT". */
struct relay_endpoint {
	char node[RELAY_NODE_MAX + 1]; /* "" when the text names no node */
	union relay_sa addr;	       /* AF_INET or AF_INET6, port set */
};

/**
 * relay_parse_endpoint() - read "ADDR:PORT" or "NODE:ADDR:PORT"
 * @text:	the string; an IPv6 address goes in brackets ("[::1]:80",
 *		"web:[fd00::80]:80"), an IPv4 one not ("web:10.0.0.80:80")
 * @ep:		filled on success
 * @err:	on failure, why (without the text itself), e.g. "port 0 is
 *		out of range (1-65535)"
 * @errlen:	size of @err
 *
 * Pure: no name is resolved and no namespace looked at.  The port is
 * 1-65535; a node name is what nstopo allows for nodes; an IPv6 zone
 * ("%eth0") is refused (an interface index is per namespace).
 * Return: 0, or -EINVAL with @err set.
 */
int relay_parse_endpoint(const char *text, struct relay_endpoint *ep, char *err,
			 size_t errlen);

/**
 * relay_parse_forward() - read the three strings of a `forwards:` item
 * @listen:	"[NODE:]ADDR:PORT"; no NODE is the host
 * @to:		"NODE:ADDR:PORT"; the node is required, the address must be
 *		one a socket can connect to (not 0.0.0.0, ::, or multicast),
 *		and not the listening socket itself
 * @proto:	"tcp" or "udp"; NULL means tcp
 * @l:		@listen read
 * @t:		@to read
 * @p:		@proto read
 * @err:	on failure, which field and why ("to: ...")
 * @errlen:	size of @err
 *
 * Return: 0, or -EINVAL with @err set.
 */
int relay_parse_forward(const char *listen, const char *to, const char *proto,
			struct relay_endpoint *l, struct relay_endpoint *t,
			enum relay_proto *p, char *err, size_t errlen);

/**
 * relay_endpoint_format() - the inverse of relay_parse_endpoint()
 * @ep:		the endpoint
 * @buf:	where "[NODE:]ADDR:PORT" (IPv6 in brackets) is written,
 *		always NUL-terminated (RELAY_ENDPOINT_TEXT_MAX is enough)
 * @len:	size of @buf
 *
 * Return: @buf.
 */
char *relay_endpoint_format(const struct relay_endpoint *ep, char *buf,
			    size_t len);

/**
 * relay_proto_name() - the name of @p, as the file writes it
 *
 * Return: "tcp" or "udp".
 */
const char *relay_proto_name(enum relay_proto p);

/* A namespace's name, as nstopo makes them: NS_PREFIX_MAX + NODE_NAME_MAX. */
#define RELAY_NS_MAX 64

/*
 * One forward as an op of a plan carries it, in one word of text:
 * "PROTO LISTEN TO LISTEN_NS TO_NS" ("tcp [::1]:8080 web:[fd00::80]:80 -
 * lab-web"), the endpoints as the file writes them, the namespaces the
 * sockets are made in ("-": the host).
 */
struct relay_spec {
	enum relay_proto proto;
	struct relay_endpoint listen, to;
	char listen_ns[RELAY_NS_MAX + 1]; /* "": the host */
	char to_ns[RELAY_NS_MAX + 1];
};

/* The longest word relay_spec_format() writes, with the NUL. */
#define RELAY_SPEC_TEXT_MAX (2 * RELAY_ENDPOINT_TEXT_MAX + 2 * RELAY_NS_MAX + 8)

/**
 * relay_spec_format() - a forward as one word of an op
 * @sp:		the forward
 * @buf:	where "PROTO LISTEN TO LISTEN_NS TO_NS" is written, always
 *		NUL-terminated (RELAY_SPEC_TEXT_MAX is enough)
 * @len:	size of @buf
 *
 * Return: @buf.
 */
char *relay_spec_format(const struct relay_spec *sp, char *buf, size_t len);

/**
 * relay_spec_parse() - the inverse of relay_spec_format()
 * @word:	the word
 * @sp:		filled on success
 *
 * Return: 0, or -EINVAL if @word is not one (five parts, each valid).
 */
int relay_spec_parse(const char *word, struct relay_spec *sp);

/* One forward the relay serves. */
struct relay_forward {
	enum relay_proto proto;
	struct relay_endpoint listen;
	struct relay_endpoint to;
	/*
	 * Namespaces, as open fds (netns_open()): where the listening socket
	 * and where each target socket is made; -1 is the caller's own.
	 * relay_start() dups them, the caller keeps its fds.
	 */
	int listen_ns;
	int to_ns;
};

/*
 * Limits.  What the relay buffers is bounded by max_conns * 2 *
 * pipe_bytes (64 MiB with the defaults, page references rather than
 * copies) plus one 64 KiB datagram buffer; it needs 6 fds a connection
 * and raises its soft RLIMIT_NOFILE for that, or lowers the cap (logged).
 */
struct relay_opts {
	unsigned max_conns;   /* TCP connections + UDP flows; 0: 512 */
	unsigned udp_idle_ms; /* a UDP flow with no traffic ends; 0: 60 s */
	unsigned connect_ms; /* a target connect still pending fails; 0: 10 s */
	unsigned pipe_bytes; /* per direction of a connection; 0: 64 KiB */
};

/*
 * Listening sockets, made by relay_listen() in the caller (so that a port
 * in use or a namespace that is gone is the caller's error, reported at
 * once) and served by relay_serve() or a relay_start() process.
 */
struct relay_set {
	struct relay_forward *fw;
	int *fd; /* the listening socket of fw[i] */
	size_t n;
};

/**
 * relay_listen() - make and bind every forward's listening socket in its
 * namespace
 * @fw:		the forwards (copied, namespace fds duplicated)
 * @n:		how many
 * @set:	filled on success; free with relay_set_free()
 * @err:	on failure, which forward and why
 * @errlen:	size of @err
 *
 * The calling thread enters each listen namespace and returns to its
 * own.  IPv6 sockets are IPV6_V6ONLY, so "0.0.0.0:80" and "[::]:80" can
 * both be forwarded.
 * Return: 0 or -errno (-EADDRINUSE...), with nothing left open.
 */
int relay_listen(const struct relay_forward *fw, size_t n,
		 struct relay_set *set, char *err, size_t errlen);

/**
 * relay_set_free() - close every socket and namespace fd of @set and free
 * its arrays; NULL-safe
 */
void relay_set_free(struct relay_set *set);

/**
 * relay_serve() - relay in this thread until SIGTERM, SIGINT or SIGHUP
 * @set:	from relay_listen(); its sockets are used, not closed
 * @o:		limits; NULL for the defaults
 * @log_fd:	where connections are logged, one line each, with a
 *		timestamp (accept, target connect failures, close with byte
 *		counts, the cap reached); -1 for none
 * @ready_fd:	if >= 0, an int is written there, then it is closed: 0
 *		once the relay serves, or -errno if it cannot start
 *
 * Blocks those three signals in the calling thread (for good) and takes
 * them through a signalfd; ignores SIGPIPE.  Target sockets are made by
 * entering the target's namespace around socket(): the thread must be
 * allowed to setns() there and back (CAP_SYS_ADMIN).
 * Return: 0 after a signal, -errno if the loop could not start or failed.
 */
int relay_serve(const struct relay_set *set, const struct relay_opts *o,
		int log_fd, int ready_fd);

/* A relay process, as it is journaled: its pid and when it started. */
struct relay_proc {
	pid_t pid;
	uint64_t start; /* /proc/PID/stat field 22: clock ticks after boot */
};

/**
 * relay_start() - run relay_serve() in a detached process
 * @set:	the listening sockets (still the caller's to free after)
 * @o:		limits; NULL for the defaults
 * @log_path:	the log file, opened for append (created 0640)
 * @rp:		on success, the process
 *
 * The relay is forked twice, so it is no child of the caller and
 * outlives it (kill -9 included); it runs in a session of its own, with
 * stdin /dev/null, stdout and stderr on the log, and no fd of the caller
 * but the ones it serves (a lab lock, for one, is not inherited).  It
 * returns once the relay runs.
 * Return: 0 or -errno.
 */
int relay_start(const struct relay_set *set, const struct relay_opts *o,
		const char *log_path, struct relay_proc *rp);

/**
 * relay_spawn() - relay_listen(), relay_start(), relay_set_free() in one
 * @fw:		the forwards; the caller keeps its namespace fds
 * @n:		how many
 * @o:		limits; NULL for the defaults
 * @log_path:	the relay's log (e.g. /run/nstopo/LAB/relay.log)
 * @rp:		on success, what to journal to stop it later
 * @err:	on failure, which forward and why ("tcp [::1]:8080:
 *		Address already in use"), or why the process did not start
 * @errlen:	size of @err
 *
 * Return: 0 or -errno; nothing is left open or running on failure.
 */
int relay_spawn(const struct relay_forward *fw, size_t n,
		const struct relay_opts *o, const char *log_path,
		struct relay_proc *rp, char *err, size_t errlen);

/**
 * relay_find() - the relays that log to @log_path, found in /proc
 * @log_path:	as given to relay_start() (its stdout is that file)
 * @rp:		filled with up to @max of them
 * @max:	room in @rp
 *
 * For a destroy that has no journal line of the relay (a crash between
 * the start and the line): a relay is a process named nstopo-relay whose
 * fd 1 is @log_path: that very file while it exists (not one of the
 * same name in another mount namespace), or a file of that name
 * deleted since.
 * Return: how many were found (may exceed @max), or -errno.
 */
int relay_find(const char *log_path, struct relay_proc *rp, size_t max);

/**
 * relay_proc_start_time() - when process @pid started
 * @pid:	the process
 * @start:	field 22 of /proc/@pid/stat, in clock ticks after boot
 *
 * Return: 0 or -errno (-ESRCH if there is no such process).
 */
int relay_proc_start_time(pid_t pid, uint64_t *start);

/**
 * relay_alive() - is @rp still running?
 * @rp:		the relay, as relay_start() returned it
 *
 * Return: true if a process with @rp's pid and start time exists and is
 * not a zombie (an init that does not reap orphans keeps those).
 */
bool relay_alive(const struct relay_proc *rp);

/**
 * relay_listening() - does relay @rp hold a socket bound to @addr in
 * namespace @ns_fd (a listening one, for TCP)?
 * @rp:		the relay
 * @ns_fd:	the namespace of the forward's listening side; -1: the
 *		calling thread's
 * @proto:	the forward's protocol
 * @addr:	its listening address and port
 *
 * The kernel's sockets there (sock_diag) are matched by inode with the
 * ones the relay's /proc/PID/fd holds.  The calling thread enters
 * @ns_fd and comes back.
 * Return: 1 if it does, 0 if not, -ESRCH if the relay is not running,
 * other -errno.
 */
int relay_listening(const struct relay_proc *rp, int ns_fd,
		    enum relay_proto proto, const union relay_sa *addr);

/**
 * relay_stop() - stop a relay: SIGTERM, a grace time, then SIGKILL
 * @rp:		the relay, as relay_start() returned it
 * @grace_ms:	how long it has to exit after SIGTERM
 *
 * Only the process whose pid and start time both match is signalled
 * (through a pidfd, so a pid reused meanwhile is never hit; where the
 * kernel, or valgrind, has no pidfd_open(), by its pid, the start time
 * checked right before each signal).
 * Return: 0 once it is gone, -ESRCH if it was not running (already
 * gone, or the pid now belongs to another process), other -errno.
 */
int relay_stop(const struct relay_proc *rp, int grace_ms);

#endif
