// SPDX-License-Identifier: MIT
/*
 * capture.c - tcpdump on an interface of a running lab, in its
 * namespace: `nstopo capture r1:eth0 | wireshark -k -i -`.
 *
 * The target is read against the lab's journal (the plan it applied):
 * a node's namespace, a bridge's, the two ends of a veth pair.  The
 * output file is opened here, before tcpdump starts, so tcpdump writes
 * to its standard output and may drop its privileges as it likes.  Then
 * the process enters the namespace as `nstopo exec` does (its own /sys
 * too) and becomes tcpdump.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "exec.h"
#include "netns.h"
#include "state.h"

int capture_args(int argc, char **argv, struct capture_req *r,
		 struct strbuf *msg)
{
	int i = 1;

	*r = (struct capture_req){ 0 };
	for (; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			r->quiet = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			r->quiet = false;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			r->help = true;
			return 0;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--write") ||
			   !strcmp(a, "--lab")) {
			if (i + 1 >= argc) {
				sb_printf(msg, "%s needs an argument", a);
				return -EINVAL;
			}
			*(a[2] == 'l' ? &r->lab : &r->file) = argv[++i];
		} else if (!strncmp(a, "--lab=", 6)) {
			r->lab = a + 6;
		} else if (!strncmp(a, "--write=", 8)) {
			r->file = a + 8;
		} else if (a[0] == '-' && a[1]) {
			sb_printf(msg, "unknown option '%s'", a);
			return -EINVAL;
		} else if (!r->target) {
			r->target = a;
		} else {
			break; /* the filter */
		}
	}
	if (!r->target && i < argc)
		r->target = argv[i++];
	if (!r->target) {
		sb_add(msg, "no interface given");
		return -EINVAL;
	}
	r->filter = argv + i;
	return 0;
}

/* Targets */

/* An end as written, read against the plan. */
struct spec {
	const char *ns;	    /* NULL: the host */
	const char *name;   /* the node's or the bridge's, as written */
	const char *ifname; /* NULL: a bare bridge */
	bool bridge;	    /* name is a bridge's; ifname one of its ports */
};

/* The namespace of node @name (or of the namespace called so). */
static bool node_ns(const struct plan *p, const char *name, const char **ns)
{
	*ns = NULL;
	if (!strcmp(name, "host"))
		return true;
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_NETNS_ADD &&
		    ((op->node && !strcmp(op->node, name)) ||
		     !strcmp(op->link.ns, name))) {
			*ns = op->link.ns;
			return true;
		}
	}
	return false;
}

static bool bridge_ns(const struct plan *p, const char *name, const char **ns)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_LINK_ADD && op->type == LK_BRIDGE &&
		    !strcmp(op->link.name, name)) {
			*ns = op->link.ns;
			return true;
		}
	}
	return false;
}

/* Read "NODE:IF", "BRIDGE" or "BRIDGE:PORT"; @text is cut at its ':'. */
static int read_end(const struct plan *p, char *text, struct spec *s,
		    struct strbuf *msg)
{
	char *colon = strchr(text, ':');

	*s = (struct spec){ .name = text };
	if (colon) {
		*colon = '\0';
		s->ifname = colon + 1;
	}
	if (s->ifname && node_ns(p, text, &s->ns))
		return 0;
	if (bridge_ns(p, text, &s->ns)) {
		s->bridge = true;
		return 0;
	}
	if (node_ns(p, text, &s->ns))
		sb_printf(msg, "'%s' is a node: write %s:IFNAME", text, text);
	else
		sb_printf(msg, "lab %s has no node or bridge '%s'", p->lab,
			  text);
	return -ENOENT;
}

/* The bridge interface @e is a port of: the op that makes it or one
 * that sets it up later says. */
static const char *master_of(const struct plan *p, const struct op_if *e)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];
		const struct op_if *f[] = { &op->link, &op->peer };

		if (op->kind != OP_LINK_ADD && op->kind != OP_LINK_SET)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(f); k++)
			if (f[k]->name && f[k]->master &&
			    str_same(f[k]->ns, e->ns) &&
			    !strcmp(f[k]->name, e->name))
				return f[k]->master;
	}
	return NULL;
}

/* Is the interface @e the end @s names? */
static bool end_is(const struct plan *p, const struct spec *s,
		   const struct op_if *e)
{
	const char *master;

	if (!str_same(s->ns, e->ns))
		return false;
	if (s->ifname && strcmp(s->ifname, e->name))
		return false;
	master = s->bridge ? master_of(p, e) : NULL;
	return !s->bridge || (master && !strcmp(master, s->name));
}

/* The end @a of a veth pair between @a and @b, or NULL. */
static const struct op_if *link_end(const struct plan *p, const struct spec *a,
				    const struct spec *b)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind != OP_LINK_ADD || op->type != LK_VETH)
			continue;
		if (end_is(p, a, &op->link) && end_is(p, b, &op->peer))
			return &op->link;
		if (end_is(p, a, &op->peer) && end_is(p, b, &op->link))
			return &op->peer;
	}
	return NULL;
}

/* Where an end is, for messages: "node r1", "the host". */
static void fill_end(struct capture_end *end, const char *ns,
		     const struct spec *s, const char *ifname, bool of_link)
{
	end->ns = ns;
	snprintf(end->ifname, sizeof(end->ifname), "%s", ifname);
	if (!ns)
		snprintf(end->where, sizeof(end->where), "the host");
	else if (s->bridge)
		snprintf(end->where, sizeof(end->where), "namespace %s", ns);
	else
		snprintf(end->where, sizeof(end->where), "node %.64s", s->name);
	end->of_link = of_link;
}

/*
 * @text split at @at (@sep_len bytes) into two ends that a veth pair
 * joins: 1 (and @end filled), 0 if the halves are no two ends, -ENOENT
 * if they are but no link joins them (@msg says so).
 */
static int try_link(const struct plan *p, const char *text, size_t at,
		    size_t sep_len, struct capture_end *end, struct strbuf *msg)
{
	char *buf = xstrdup(text), *left = buf, *right = buf + at + sep_len;
	struct strbuf ignored = { 0 };
	const struct op_if *e;
	struct spec a, b;
	int rc = 0;

	buf[at] = '\0';
	/* [A, B] and A, B: the brackets and blanks go. */
	left += strspn(left, "[ ");
	left[strcspn(left, " ")] = '\0';
	right += strspn(right, " ");
	right[strcspn(right, " ]")] = '\0';
	if (!*left || !*right || read_end(p, left, &a, &ignored) ||
	    read_end(p, right, &b, &ignored))
		goto out;
	e = link_end(p, &a, &b);
	if (e) {
		fill_end(end, e->ns, &a, e->name, true);
		rc = 1;
	} else {
		sb_printf(msg, "lab %s has no veth link '%s'", p->lab, text);
		rc = -ENOENT;
	}
out:
	sb_free(&ignored);
	free(buf);
	return rc;
}

int capture_resolve(const struct plan *p, const char *target,
		    struct capture_end *end, struct strbuf *msg)
{
	struct strbuf no_link = { 0 };
	struct spec s;
	char *copy;
	int rc = 0;

	/* A link: A--B, or [A, B]; an interface name may hold "--" or ','
	 * itself, so each place is tried. */
	for (size_t i = 0; target[i] && rc <= 0; i++) {
		size_t sep = !strncmp(target + i, "--", 2) ? 2 :
			     target[i] == ','		   ? 1 :
							     0;

		if (sep && !no_link.len)
			rc = try_link(p, target, i, sep, end, &no_link);
	}
	if (rc > 0) {
		sb_free(&no_link);
		return 0;
	}
	/* Two ends that no link joins: what was meant is clear. */
	if (no_link.len) {
		sb_add(msg, no_link.buf);
		sb_free(&no_link);
		return -ENOENT;
	}
	copy = xstrdup(target);
	rc = read_end(p, copy, &s, msg);
	if (!rc)
		fill_end(end, s.ns, &s, s.ifname ? s.ifname : s.name, false);
	free(copy);
	sb_free(&no_link);
	return rc;
}

/* Running tcpdump */

/* tcpdump's path in $PATH (or the usual places), into @buf. */
static bool find_tcpdump(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL;
	bool found = false;

	dirs = xstrdup(
		path ? path :
		       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/tcpdump", *d ? d : ".");
		found = !access(buf, X_OK);
	}
	free(dirs);
	return found;
}

/* Into @e's namespace, where its interface must be. */
static int enter_end(const struct capture_end *e, struct strbuf *msg)
{
	struct if_nameindex *all, *i;
	int fd, rc;

	if (e->ns) {
		fd = netns_open(e->ns);
		if (fd < 0) {
			sb_printf(msg, "namespace %s: %s", e->ns,
				  strerror(-fd));
			return fd;
		}
		rc = netns_enter(fd);
		close(fd);
		if (rc) {
			sb_printf(msg, "cannot enter namespace %s: %s", e->ns,
				  strerror(-rc));
			return rc;
		}
	}
	if (if_nametoindex(e->ifname))
		return 0;
	sb_printf(msg, "%s has no interface '%s'", e->where, e->ifname);
	all = if_nameindex();
	for (i = all; i && i->if_name; i++)
		sb_printf(msg, "%s%s", i == all ? " (it has: " : " ",
			  i->if_name);
	if (all && all->if_name)
		sb_addc(msg, ')');
	if_freenameindex(all);
	return -ENODEV;
}

int capture_exec(const char *lab, const struct capture_req *r,
		 struct strbuf *msg)
{
	char tcpdump[PATH_MAX], **argv;
	const char *const head[] = {
		tcpdump, "-i", NULL, "-U", "--immediate-mode", "-w", "-"
	};
	const char *const text[] = { tcpdump, "-i", NULL,
				     "-n",    "-l", "--immediate-mode" };
	bool to_file = r->file && strcmp(r->file, "-");
	bool as_text = !to_file && isatty(STDOUT_FILENO);
	const char *const *args = as_text ? text : head;
	size_t n_args = as_text ? ARRAY_SIZE(text) : ARRAY_SIZE(head), n = 0;
	size_t n_filter = 0;
	struct capture_end end;
	struct journal j;
	int rc;

	if (!find_tcpdump(tcpdump, sizeof(tcpdump))) {
		sb_add(msg,
		       "tcpdump is not installed (Debian: apt-get install tcpdump), or not in PATH");
		return 127;
	}
	rc = state_read(lab, &j);
	if (rc == -ENOENT) {
		sb_printf(msg, "lab %s is not up", lab);
		return EXEC_FAILED;
	}
	if (rc) {
		sb_printf(msg, "lab %s: %s", lab, state_strerror(rc));
		return EXEC_FAILED;
	}
	rc = capture_resolve(j.plan, r->target, &end, msg);
	if (!rc && end.of_link && !r->quiet)
		fprintf(stderr, "nstopo capture: %s: %s of %s\n", r->target,
			end.ifname, end.where);
	if (!rc && to_file) {
		int fd = open(r->file, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY,
			      0666);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			rc = -errno;
			sb_printf(msg, "cannot write %s: %s", r->file,
				  strerror(-rc));
		}
		if (fd >= 0)
			close(fd);
	}
	if (!rc)
		rc = enter_end(&end, msg);
	if (rc) {
		journal_free(&j);
		return EXEC_FAILED;
	}
	while (r->filter[n_filter])
		n_filter++;
	argv = xcalloc(n_args + 2 + n_filter, sizeof(*argv));
	for (size_t i = 0; i < n_args; i++)
		argv[n++] = (char *)(args[i] ? args[i] : end.ifname);
	argv[n++] = "--";
	for (size_t i = 0; r->filter[i]; i++)
		argv[n++] = r->filter[i];
	if (!end.ns) {
		execv(tcpdump, argv);
		rc = errno;
		sb_printf(msg, "cannot run %s: %s", tcpdump, strerror(rc));
		rc = rc == ENOENT ? 127 : 126;
	} else {
		struct exec_req x = {
			.ns = end.ns,
			.env = (const char *const[]){ "NSTOPO_LAB", lab, NULL },
			.argv = argv,
		};

		rc = node_exec(&x, msg);
	}
	free(argv);
	journal_free(&j);
	return rc;
}
