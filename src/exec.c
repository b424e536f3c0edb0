// SPDX-License-Identifier: MIT
/*
 * exec.c - run a command inside a node, the way `ip netns exec` does.
 *
 * The process joins the node's network namespace and a private mount
 * namespace (slave of the host's, so nothing mounted here leaks out),
 * where /sys is remounted to show the node's devices and every file of
 * /etc/netns/NS is bind-mounted over its twin in /etc.  Then, as asked,
 * it becomes another user and drops capabilities from every set
 * (bounding, inheritable, permitted, effective, ambient) with
 * no-new-privs, so neither setuid binaries nor file capabilities can
 * bring them back; and it execs the command in place.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "exec.h"
#include "netns.h"

/* More than the kernel defines (41 in 6.x): room for new ones. */
#define NSTOPO_CAP_MAX 64

static int enter_node(const char *ns, struct strbuf *msg)
{
	struct statvfs sv;
	unsigned long flags = 0;
	char dir[300], from[600], to[600];
	struct dirent *e;
	DIR *d;
	int fd, rc;

	fd = netns_open(ns);
	if (fd < 0) {
		sb_printf(msg, "namespace %s: %s", ns, strerror(-fd));
		return fd;
	}
	rc = netns_enter(fd);
	close(fd);
	if (rc) {
		sb_printf(msg, "cannot enter namespace %s: %s", ns,
			  strerror(-rc));
		return rc;
	}
	if (unshare(CLONE_NEWNS) ||
	    mount("", "/", "none", MS_SLAVE | MS_REC, NULL)) {
		rc = -errno;
		sb_printf(msg, "cannot make a private mount namespace: %s",
			  strerror(errno));
		return rc;
	}
	/* sysfs shows the devices of the namespace that mounts it. */
	if (!statvfs("/sys", &sv) && (sv.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	umount2("/sys", MNT_DETACH);
	if (mount(ns, "/sys", "sysfs", flags, NULL)) {
		rc = -errno;
		sb_printf(msg, "cannot mount /sys for %s: %s", ns,
			  strerror(errno));
		return rc;
	}
	snprintf(dir, sizeof(dir), "/etc/netns/%s", ns);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
		snprintf(to, sizeof(to), "/etc/%s", e->d_name);
		if (mount(from, to, "none", MS_BIND, NULL))
			fprintf(stderr,
				"nstopo: warning: cannot bind %s over %s: %s\n",
				from, to, strerror(errno));
	}
	if (d)
		closedir(d);
	return 0;
}

static int parse_caps(const char *list, cap_value_t *caps, size_t *n,
		      struct strbuf *msg)
{
	char buf[512], *save = NULL;

	*n = 0;
	/* An empty list, or an empty name in one, would drop nothing
	 * where the caller meant to drop something. */
	if (!*list) {
		sb_add(msg, "an empty list drops nothing: name capabilities "
			    "(net_raw,net_admin) or 'all'");
		return -EINVAL;
	}
	if (*list == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,")) {
		sb_printf(msg, "'%s' has an empty capability name", list);
		return -EINVAL;
	}
	if (strlen(list) >= 512) {
		sb_add(msg, "the list is too long");
		return -EINVAL;
	}
	if (!strcmp(list, "all")) {
		for (cap_value_t c = 0; cap_valid(c) && *n < NSTOPO_CAP_MAX;
		     c++)
			caps[(*n)++] = c;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char name[64];
		cap_value_t c;

		if (!strcasecmp(tok, "all")) {
			sb_add(msg, "'all' names every capability: it stands "
				    "alone");
			return -EINVAL;
		}
		/* "net_raw", "NET_RAW" and "cap_net_raw" all name it. */
		snprintf(name, sizeof(name), "%s%s",
			 strncasecmp(tok, "cap_", 4) ? "cap_" : "", tok);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (cap_from_name(name, &c) || *n >= NSTOPO_CAP_MAX) {
			sb_printf(msg, "unknown capability '%s'", tok);
			return -EINVAL;
		}
		caps[(*n)++] = c;
	}
	return 0;
}

int exec_caps_check(const char *list, struct strbuf *msg)
{
	cap_value_t caps[NSTOPO_CAP_MAX];
	size_t n;

	return parse_caps(list, caps, &n, msg);
}

/* A whole decimal number, as a uid or gid; false for anything else. */
static bool parse_id(const char *s, unsigned *id)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xfffffffeUL) /* (uid_t)-1 is "no change" */
		return false;
	*id = (unsigned)v;
	return true;
}

static int become(const char *user, struct strbuf *msg)
{
	char name[256], *colon;
	struct passwd *pw = NULL;
	unsigned id;
	uid_t uid;
	gid_t gid;

	snprintf(name, sizeof(name), "%s", user);
	colon = strchr(name, ':');
	if (colon)
		*colon++ = '\0';
	if (parse_id(name, &id)) {
		uid = (uid_t)id;
		pw = getpwuid(uid);
		gid = pw ? pw->pw_gid : (gid_t)uid;
	} else {
		pw = *name ? getpwnam(name) : NULL;
		if (!pw) {
			sb_printf(msg, "no user '%s'", name);
			return -ENOENT;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (colon) {
		struct group *gr = NULL;

		if (parse_id(colon, &id)) {
			gid = (gid_t)id;
		} else {
			gr = *colon ? getgrnam(colon) : NULL;
			if (!gr) {
				sb_printf(msg, "no group '%s'", colon);
				return -ENOENT;
			}
			gid = gr->gr_gid;
		}
	}
	if ((pw && !colon ? initgroups(pw->pw_name, gid) :
			    setgroups(1, &gid)) ||
	    setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		int rc = -errno;

		sb_printf(msg, "cannot become %s: %s", user, strerror(errno));
		return rc;
	}
	return 0;
}

/* The bounding set first: that needs CAP_SETPCAP, which may be one of
 * those dropped later. */
static int drop_bound(const cap_value_t *caps, size_t n, struct strbuf *msg)
{
	for (size_t i = 0; i < n; i++)
		if (CAP_IS_SUPPORTED(caps[i]) && cap_drop_bound(caps[i]) &&
		    errno != EINVAL) {
			int rc = -errno;

			sb_printf(msg,
				  "cannot drop %s from the bounding set: %s",
				  cap_to_name(caps[i]), strerror(errno));
			return rc;
		}
	return 0;
}

/* Then, once the user is switched (which needs CAP_SETUID and
 * CAP_SETGID), every other set, and no-new-privs. */
static int drop_sets(const cap_value_t *caps, size_t n, struct strbuf *msg)
{
	cap_t cur;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (CAP_IS_SUPPORTED(caps[i]))
			cap_set_ambient(caps[i], CAP_CLEAR);
	cur = cap_get_proc();
	if (!cur || cap_set_flag(cur, CAP_EFFECTIVE, (int)n, caps, CAP_CLEAR) ||
	    cap_set_flag(cur, CAP_PERMITTED, (int)n, caps, CAP_CLEAR) ||
	    cap_set_flag(cur, CAP_INHERITABLE, (int)n, caps, CAP_CLEAR) ||
	    cap_set_proc(cur)) {
		rc = -errno;
		sb_printf(msg, "cannot drop capabilities: %s", strerror(errno));
	}
	cap_free(cur);
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		sb_printf(msg, "cannot set no-new-privs: %s", strerror(errno));
	}
	return rc;
}

int node_exec(const struct exec_req *r, struct strbuf *msg)
{
	cap_value_t caps[NSTOPO_CAP_MAX];
	size_t n_caps = 0;
	int err;

	if (r->drop_caps && parse_caps(r->drop_caps, caps, &n_caps, msg))
		return EXEC_FAILED;
	if (enter_node(r->ns, msg))
		return EXEC_FAILED;
	if (n_caps && drop_bound(caps, n_caps, msg))
		return EXEC_FAILED;
	if (r->user && become(r->user, msg))
		return EXEC_FAILED;
	if (n_caps && drop_sets(caps, n_caps, msg))
		return EXEC_FAILED;
	for (size_t i = 0; r->env && r->env[i]; i += 2)
		setenv(r->env[i], r->env[i + 1], 1);
	execvp(r->argv[0], r->argv);
	err = errno;
	sb_printf(msg, "cannot run %s: %s", r->argv[0], strerror(err));
	/* As a shell says it: not found, or found but not runnable. */
	return err == ENOENT ? 127 : 126;
}
