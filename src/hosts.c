// SPDX-License-Identifier: MIT
/*
 * hosts.c - one command for every machine of a lab spread over several.
 *
 * Theory of operation: each host's share is built on that host, by the
 * nstopo there, from the same file: `nstopo apply --host NAME -` with the
 * file on its standard input (split.c makes the same tunnels everywhere
 * from the file alone).  This runs every share at once, each a child
 * process: the share of the host whose address is this machine's runs
 * nstopo itself, the others run `CMD DEST nstopo ARGS...` (ssh, or what
 * --remote or $NSTOPO_REMOTE says), whose exit status is the remote
 * nstopo's.  One poll() loop feeds their standard inputs and reads their
 * outputs, printing each line after the host's name; no threads.  Apply
 * is all or nothing across hosts: when a share fails, every other is
 * destroyed.  A signal (SIGINT, SIGTERM, SIGHUP) is passed on to the
 * children as SIGTERM, and apply then destroys every share: a remote
 * nstopo may finish before it notices that its ssh is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hosts.h"
#include "load.h"
#include "split.h"
#include "ydoc.h"

struct topo *hosts_load(const char *path, const char *inst, struct strbuf *text,
			struct diags *d)
{
	char chunk[65536];
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;

	if (fd < 0) {
		diag_add(d, (struct pos){ .line = 0 }, "cannot open: %s",
			 strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		/* The messages of yaml_load(), which reads it otherwise. */
		if (n < 0)
			diag_add(d, (struct pos){ .line = 0 },
				 "cannot read: %s", strerror(errno));
		else if (n && text->len + (size_t)n > YAML_MAX_FILE)
			diag_add(d, (struct pos){ .line = 1, .col = 1 },
				 "file is larger than %u MiB",
				 YAML_MAX_FILE >> 20);
		if (n <= 0 || text->len + (size_t)n > YAML_MAX_FILE) {
			if (fd)
				close(fd);
			if (n)
				return NULL;
			break;
		}
		sb_addn(text, chunk, (size_t)n);
	}
	return topo_load_buf_as(path, inst, text->buf ? text->buf : "",
				text->len, d);
}

int hosts_plan(const struct topo *t, const char *host, struct plan **out,
	       struct strbuf *msg)
{
	struct plan *whole = plan_compile(t);
	int h;

	*out = whole;
	if (!host)
		return 0;
	h = topo_host_find(t, host);
	if (h < 0) {
		if (t->n_hosts)
			sb_printf(msg, "lab %s has no host '%s'", t->name,
				  host);
		else
			sb_printf(msg, "lab %s has no 'hosts:' (--host %s)",
				  t->name, host);
		plan_free(whole);
		*out = NULL;
		return -ENOENT;
	}
	*out = plan_split(t, whole, h);
	plan_free(whole);
	return 0;
}

/* Is @p an address of this machine (of the namespace we run in)? */
static bool here(const struct prefix *p)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const void *a = NULL;

		if (!i->ifa_addr || i->ifa_addr->sa_family != p->family)
			continue;
		if (p->family == AF_INET)
			a = &((struct sockaddr_in *)(void *)i->ifa_addr)
				     ->sin_addr;
		else
			a = &((struct sockaddr_in6 *)(void *)i->ifa_addr)
				     ->sin6_addr;
		found = !memcmp(a, p->bytes, p->family == AF_INET ? 4 : 16);
	}
	freeifaddrs(ifa);
	return found;
}

int hosts_fan_out(const struct topo *t, const char *host, struct strbuf *msg)
{
	size_t local = 0;

	if (!t->n_hosts || host)
		return 0;
	for (size_t i = 0; i < t->n_hosts; i++)
		local += here(&t->hosts[i].address);
	if (local == t->n_hosts)
		return 0;
	if (local <= 1)
		return 1;
	sb_printf(
		msg,
		"%zu of lab %s's %zu hosts have their address on this machine: a lab runs on one machine or on one per host",
		local, t->name, t->n_hosts);
	return -EINVAL;
}

/* One share, running. */
struct child {
	const struct host *host;
	pid_t pid;
	int in, out, err; /* -1: closed */
	const char *input;
	size_t input_len, written;
	struct strbuf line[2]; /* a line of stdout, of stderr, not ended */
	bool capture;	       /* stdout kept in captured, not printed */
	struct strbuf captured;
	int status; /* as a shell gives it: 128 + N for signal N */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The words of the remote command: --remote, $NSTOPO_REMOTE, or ssh. */
static size_t remote_words(const struct hosts_opts *o, char *buf,
			   const char **words, size_t max)
{
	const char *cmd = o->remote ? o->remote : getenv("NSTOPO_REMOTE");
	size_t n = 0;
	char *save = NULL;

	snprintf(buf, 1024, "%s", cmd && *cmd ? cmd : "ssh");
	for (char *w = strtok_r(buf, " \t", &save); w && n < max;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return n;
}

/*
 * Start a share: ARGS of nstopo, here (this very binary) or through the
 * remote command.  Its output comes back through pipes.
 */
static int spawn(struct child *c, const struct hosts_opts *o,
		 const char *const *args)
{
	char self[PATH_MAX], cmd[1024];
	const char *argv[64];
	size_t n = 0;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	ssize_t len;

	if (here(&c->host->address)) {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len <= 0)
			return -errno;
		self[len] = '\0';
		argv[n++] = self;
	} else {
		n = remote_words(o, cmd, argv, 32);
		argv[n++] = c->host->ssh ? c->host->ssh : c->host->name;
		argv[n++] = "nstopo";
	}
	for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
	    pipe2(err, O_CLOEXEC)) {
		int e = -errno;

		for (int k = 0; k < 2; k++) {
			close_fd(&in[k]);
			close_fd(&out[k]);
			close_fd(&err[k]);
		}
		return e;
	}
	c->pid = fork();
	if (c->pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(err[1], 2) < 0)
			_exit(125);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	if (c->pid < 0) {
		int e = -errno;

		close_fd(&c->in);
		close_fd(&c->out);
		close_fd(&c->err);
		return e;
	}
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	if (!c->input_len)
		close_fd(&c->in);
	return 0;
}

/* Print the whole lines of @sb, each after the host's name. */
static void put_lines(const struct child *c, struct strbuf *sb, FILE *f,
		      bool all)
{
	size_t start = 0;

	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n') {
			fprintf(f, "%s: %.*s\n", c->host->name,
				(int)(i - start), sb->buf + start);
			start = i + 1;
		}
	if (all && start < sb->len) {
		fprintf(f, "%s: %.*s\n", c->host->name, (int)(sb->len - start),
			sb->buf + start);
		start = sb->len;
	}
	if (start) {
		memmove(sb->buf, sb->buf + start, sb->len - start);
		sb->len -= start;
	}
	fflush(f);
}

/* Read what a child wrote; false once there is nothing more for now. */
static bool read_from(struct child *c, int which)
{
	int *fd = which ? &c->err : &c->out;
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		close_fd(fd);
		if (!which && c->capture)
			return false;
		put_lines(c, &c->line[which], which ? stderr : stdout, true);
		return false;
	}
	if (!which && c->capture) {
		sb_addn(&c->captured, buf, (size_t)n);
		return true;
	}
	sb_addn(&c->line[which], buf, (size_t)n);
	put_lines(c, &c->line[which], which ? stderr : stdout, false);
	return true;
}

/*
 * A child has ended: what it wrote is read, and its pipes are closed even
 * if something it started still holds them (a daemon of an exec:).
 */
static void drain(struct child *c)
{
	for (int which = 0; which < 2; which++) {
		int *fd = which ? &c->err : &c->out;

		if (*fd < 0)
			continue;
		fcntl(*fd, F_SETFL, O_NONBLOCK);
		while (*fd >= 0 && read_from(c, which))
			;
		if (*fd >= 0) {
			if (!which && c->capture)
				close_fd(fd);
			else
				put_lines(c, &c->line[which],
					  which ? stderr : stdout, true);
			close_fd(fd);
		}
	}
	close_fd(&c->in);
}

static void write_to(struct child *c)
{
	ssize_t n =
		write(c->in, c->input + c->written, c->input_len - c->written);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&c->in); /* it stopped reading: its status says */
		return;
	}
	c->written += (size_t)n;
	if (c->written == c->input_len)
		close_fd(&c->in);
}

/* Feed, read and reap every child until all have ended. */
static void run_all(struct child *v, size_t n, const struct hosts_opts *o)
{
	struct pollfd *pfd = xcalloc(3 * n + 1, sizeof(*pfd));
	bool signalled = false;
	size_t alive = 0;
	void (*pipe_was)(int) = signal(SIGPIPE, SIG_IGN);

	for (size_t i = 0; i < n; i++)
		alive += v[i].pid > 0;

	while (alive) {
		size_t k = 0;

		if (o->stop && *o->stop && !signalled) {
			/* Passed on: each share rolls itself back. */
			for (size_t i = 0; i < n; i++)
				if (v[i].pid > 0)
					kill(v[i].pid, SIGTERM);
			signalled = true;
		}
		for (size_t i = 0; i < n; i++) {
			if (v[i].in >= 0)
				pfd[k++] =
					(struct pollfd){ v[i].in, POLLOUT, 0 };
			if (v[i].out >= 0)
				pfd[k++] =
					(struct pollfd){ v[i].out, POLLIN, 0 };
			if (v[i].err >= 0)
				pfd[k++] =
					(struct pollfd){ v[i].err, POLLIN, 0 };
		}
		if (k && poll(pfd, k, 100) > 0) {
			for (size_t j = 0; j < k; j++) {
				if (!pfd[j].revents)
					continue;
				for (size_t i = 0; i < n; i++) {
					if (pfd[j].fd == v[i].in)
						write_to(&v[i]);
					else if (pfd[j].fd == v[i].out)
						read_from(&v[i], 0);
					else if (pfd[j].fd == v[i].err)
						read_from(&v[i], 1);
				}
			}
		} else if (!k) {
			usleep(20000);
		}
		for (size_t i = 0; i < n; i++) {
			int st;

			if (v[i].pid <= 0 ||
			    waitpid(v[i].pid, &st, WNOHANG) != v[i].pid)
				continue;
			drain(&v[i]);
			v[i].status = WIFEXITED(st)   ? WEXITSTATUS(st) :
				      WIFSIGNALED(st) ? 128 + WTERMSIG(st) :
							125;
			v[i].pid = 0;
			alive--;
		}
	}
	signal(SIGPIPE, pipe_was);
	free(pfd);
}

/* Which hosts have a share of @t: those whose share makes anything. */
static size_t shares_of(const struct topo *t, bool all, struct child *v)
{
	struct plan *whole = plan_compile(t);
	size_t n = 0;

	for (size_t i = 0; i < t->n_hosts; i++) {
		struct plan *p = all ? NULL : plan_split(t, whole, (int)i);

		if (all || p->n_ops)
			v[n++] = (struct child){ .host = &t->hosts[i],
						 .in = -1,
						 .out = -1,
						 .err = -1 };
		plan_free(p);
	}
	plan_free(whole);
	return n;
}

/* Run @args on each of @v[@n] (with --host NAME if @with_host). */
static void run_shares(struct child *v, size_t n, const struct hosts_opts *o,
		       const char *const *args, bool with_host,
		       const struct strbuf *input)
{
	for (size_t i = 0; i < n; i++) {
		const char *argv[28];
		size_t k = 0;
		int rc;

		for (size_t j = 0; args[j] && k < ARRAY_SIZE(argv) - 4; j++) {
			argv[k++] = args[j];
			if (j == 0 && with_host) {
				argv[k++] = "--host";
				argv[k++] = v[i].host->name;
			}
			/* The instance is the same on every host (list shows
			 * every lab, instances too). */
			if (j == 0 && o->inst && strcmp(args[0], "list")) {
				argv[k++] = "--prefix";
				argv[k++] = o->inst;
			}
		}
		argv[k] = NULL;
		v[i].input = input ? input->buf : NULL;
		v[i].input_len = input ? input->len : 0;
		v[i].written = 0;
		rc = spawn(&v[i], o, argv);
		if (rc) {
			fprintf(stderr, "%s: cannot start its share: %s\n",
				v[i].host->name, strerror(-rc));
			v[i].pid = 0;
			v[i].status = 125;
		}
	}
	run_all(v, n, o);
}

static void child_free(struct child *c)
{
	sb_free(&c->line[0]);
	sb_free(&c->line[1]);
	sb_free(&c->captured);
	memset(&c->line, 0, sizeof(c->line));
	memset(&c->captured, 0, sizeof(c->captured));
}

/* "a, b and c" of the hosts whose status @pick says. */
static void names_of(const struct child *v, size_t n, bool (*pick)(int),
		     struct strbuf *sb)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += pick(v[i].status);
	for (size_t i = 0; i < n; i++) {
		if (!pick(v[i].status))
			continue;
		if (k)
			sb_add(sb, k + 1 == total ? " and " : ", ");
		sb_add(sb, v[i].host->name);
		k++;
	}
}

static bool ok_status(int st)
{
	return st == 0;
}

static bool bad_status(int st)
{
	return st != 0;
}

static const char *verbosity(const struct hosts_opts *o)
{
	return o->verbose < 0 ? "-q" : o->verbose > 0 ? "-v" : NULL;
}

int hosts_apply(const struct topo *t, const struct strbuf *text,
		const struct hosts_opts *o)
{
	struct child *v = xcalloc(t->n_hosts + 1, sizeof(*v));
	size_t n = shares_of(t, false, v), k = 0;
	double t0 = now_monotonic();
	const char *args[8];
	char wait[32];
	int rc = 0;

	args[k++] = "apply";
	if (o->wait > 0) {
		snprintf(wait, sizeof(wait), "--wait=%g", o->wait);
		args[k++] = wait;
	}
	if (o->no_wait)
		args[k++] = "--no-wait";
	if (o->keep)
		args[k++] = "--keep";
	if (verbosity(o))
		args[k++] = verbosity(o);
	args[k++] = "-";
	args[k] = NULL;
	run_shares(v, n, o, args, true, text);
	for (size_t i = 0; i < n; i++)
		if (v[i].status)
			rc = v[i].status == 2 && rc != 1 ? 2 : 1;
	if (!rc) {
		struct strbuf names = { 0 };

		names_of(v, n, ok_status, &names);
		if (o->verbose >= 0)
			printf("lab %s is up on %zu host%s (%s) in %.3f s\n",
			       t->name, n, n == 1 ? "" : "s", names.buf,
			       now_monotonic() - t0);
		sb_free(&names);
	} else {
		struct strbuf names = { 0 };
		const char *dargs[] = { "destroy", "--lab", t->name,
					"--kill",  "-q",    NULL };

		names_of(v, n, bad_status, &names);
		fprintf(stderr, "nstopo: apply %s: failed on %s\n", t->name,
			names.buf);
		sb_free(&names);
		if (o->keep) {
			fprintf(stderr,
				"nstopo: --keep: every share is left as it is; remove the lab with 'nstopo destroy FILE'\n");
		} else {
			/* All or nothing: every share goes, also the ones
			 * that are up (a failed one has rolled back itself,
			 * and destroying it again finds nothing).  A second
			 * signal does not stop that. */
			struct hosts_opts undo = *o;

			undo.stop = NULL;
			for (size_t i = 0; i < n; i++)
				child_free(&v[i]);
			run_shares(v, n, &undo, dargs, false, NULL);
			names.len = 0;
			names_of(v, n, bad_status, &names);
			if (names.len)
				fprintf(stderr,
					"nstopo: the rollback failed on %s: run 'nstopo destroy FILE' again\n",
					names.buf);
			else
				fprintf(stderr,
					"nstopo: rolled back on every host: each machine is as it was\n");
			sb_free(&names);
		}
	}
	for (size_t i = 0; i < n; i++)
		child_free(&v[i]);
	free(v);
	return rc;
}

int hosts_destroy(const struct topo *t, const struct strbuf *text,
		  const struct hosts_opts *o)
{
	struct child *v = xcalloc(t->n_hosts + 1, sizeof(*v));
	size_t n = shares_of(t, false, v), k = 0, bad = 0;
	const char *args[8];

	(void)text;
	args[k++] = "destroy";
	args[k++] = "--lab";
	args[k++] = t->name;
	if (o->keep_procs)
		args[k++] = "--keep-processes";
	if (verbosity(o))
		args[k++] = verbosity(o);
	args[k] = NULL;
	run_shares(v, n, o, args, false, NULL);
	for (size_t i = 0; i < n; i++)
		bad += v[i].status != 0;
	if (bad) {
		struct strbuf names = { 0 };

		names_of(v, n, bad_status, &names);
		fprintf(stderr, "nstopo: destroy %s: failed on %s\n", t->name,
			names.buf);
		sb_free(&names);
	} else if (o->verbose >= 0) {
		printf("lab %s is down on %zu host%s\n", t->name, n,
		       n == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++)
		child_free(&v[i]);
	free(v);
	return bad ? 1 : 0;
}

/* A child's JSON answer, or null if it gave none. */
static void add_json(struct strbuf *sb, const struct child *c)
{
	size_t len = c->captured.len;

	while (len && (c->captured.buf[len - 1] == '\n' ||
		       c->captured.buf[len - 1] == ' '))
		len--;
	if (len)
		sb_addn(sb, c->captured.buf, len);
	else
		sb_add(sb, "null");
}

int hosts_status(const struct topo *t, const struct strbuf *text,
		 const struct hosts_opts *o)
{
	struct child *v = xcalloc(t->n_hosts + 1, sizeof(*v));
	size_t n = shares_of(t, false, v), k = 0, up = 0, fail = 0, drift = 0;
	const char *args[8];
	int rc;

	args[k++] = "status";
	if (o->json)
		args[k++] = "--json";
	if (verbosity(o))
		args[k++] = verbosity(o);
	args[k++] = "-";
	args[k] = NULL;
	for (size_t i = 0; i < n; i++)
		v[i].capture = o->json;
	run_shares(v, n, o, args, true, text);
	for (size_t i = 0; i < n; i++) {
		up += v[i].status != 4;
		drift += v[i].status == 3;
		fail += v[i].status && v[i].status != 3 && v[i].status != 4;
	}
	rc = fail ? 1 : !up ? 4 : drift || up < n ? 3 : 0;
	if (o->json) {
		struct strbuf sb = { 0 };

		sb_add(&sb, "{\"lab\":");
		sb_json_str(&sb, t->name);
		sb_printf(&sb, ",\"drift\":%s,\"exit\":%d,\"hosts\":[",
			  rc ? "true" : "false", rc);
		for (size_t i = 0; i < n; i++) {
			sb_add(&sb, i ? ",\n {\"host\":" : "\n {\"host\":");
			sb_json_str(&sb, v[i].host->name);
			sb_printf(&sb, ",\"exit\":%d,\"status\":", v[i].status);
			add_json(&sb, &v[i]);
			sb_addc(&sb, '}');
		}
		sb_add(&sb, "\n]}\n");
		fwrite(sb.buf, 1, sb.len, stdout);
		sb_free(&sb);
	} else if (o->verbose >= 0) {
		if (rc == 0)
			printf("lab %s: as planned on %zu host%s\n", t->name, n,
			       n == 1 ? "" : "s");
		else if (rc == 4)
			printf("lab %s is not up on any of its %zu hosts\n",
			       t->name, n);
		else
			printf("lab %s: DRIFT: %zu of %zu hosts as planned, %zu drifted, %zu not up, %zu could not tell\n",
			       t->name, n - drift - (n - up) - fail, n, drift,
			       n - up, fail);
	}
	for (size_t i = 0; i < n; i++)
		child_free(&v[i]);
	free(v);
	return rc;
}

int hosts_list(const struct topo *t, const struct strbuf *text,
	       const struct hosts_opts *o)
{
	struct child *v = xcalloc(t->n_hosts + 1, sizeof(*v));
	size_t n = shares_of(t, true, v), k = 0, bad = 0;
	const char *args[6];

	(void)text;
	args[k++] = "list";
	if (o->json)
		args[k++] = "--json";
	if (verbosity(o))
		args[k++] = verbosity(o);
	args[k] = NULL;
	for (size_t i = 0; i < n; i++)
		v[i].capture = o->json;
	run_shares(v, n, o, args, false, NULL);
	for (size_t i = 0; i < n; i++)
		bad += v[i].status != 0;
	if (o->json) {
		struct strbuf sb = { 0 };

		sb_add(&sb, "[");
		for (size_t i = 0; i < n; i++) {
			sb_add(&sb, i ? ",\n {\"host\":" : "\n {\"host\":");
			sb_json_str(&sb, v[i].host->name);
			sb_printf(&sb, ",\"exit\":%d,\"labs\":", v[i].status);
			add_json(&sb, &v[i]);
			sb_addc(&sb, '}');
		}
		sb_add(&sb, "\n]\n");
		fwrite(sb.buf, 1, sb.len, stdout);
		sb_free(&sb);
	}
	for (size_t i = 0; i < n; i++)
		child_free(&v[i]);
	free(v);
	return bad ? 1 : 0;
}
