// SPDX-License-Identifier: MIT
/*
 * cgroup.c - a lab's control group, where the processes it starts are
 * kept (see cgroup.h).
 *
 * Theory of operation.  A process joins a group by writing "0" to its
 * cgroup.procs; its children are born in its group, and only a write to
 * another cgroup.procs moves them: no fork, setsid or namespace change
 * does.  So the group of a lab is the set of everything its start-up
 * commands and run's command ever started that still runs.
 *
 * The group is at the root of the hierarchy, not below the caller's own
 * group: a lab outlives the apply that made it, and its processes must not
 * be stopped with the login session or the unit that happened to run
 * apply (Docker's cgroupfs driver and LXC put their groups there too).
 * systemd does not touch a group it did not make; it sees the lab's
 * processes as outside its units (systemd-cgls shows them under
 * /nstopo), and destroy, not systemd, stops them.
 *
 * No controller is enabled, so "no internal processes" never applies, and
 * a group can be made under any group, also one with processes (in a
 * container whose root group holds its processes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "netns.h"
#include "util.h"

#define CG_V1_NAME "nstopo"
#define CG_V2_TOP "nstopo" /* below a cgroup2 root */
#define CG_WAIT 2.0	   /* seconds for a group to empty, at most */
#define CG_DEPTH 16	   /* sub-groups deeper than this are not walked */
/* A group's path below a root: the lab's, a node's sub-group and a
 * command's below it (cg_exec_name()). */
#define CG_REL_MAX (CG_PATH_MAX + 192)

/* A hierarchy's root: an open directory, and where it is mounted. */
struct root {
	int fd;
	char dir[256];
};

static void pause_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_nsec = ms * 1000000 }, NULL);
}

static bool is_fs(int fd, unsigned long magic)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && (unsigned long)sf.f_type == magic;
}

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* A line of /proc/self/mountinfo: its root, mount point and type. */
static bool mount_fields(char *line, char **root, char **point, char **type)
{
	char *save = NULL, *tok;
	bool dash = false;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), i++) {
		if (i == 3)
			*root = tok;
		else if (i == 4)
			*point = tok;
		else if (dash) {
			*type = tok;
			return true;
		} else if (i > 5 && !strcmp(tok, "-"))
			dash = true;
	}
	return false;
}

/*
 * The first cgroup2 mount of the whole hierarchy (root "/": not a bind of
 * a part of it) that is reachable (not covered by another mount) and
 * that we may write.
 */
static int v2_root(struct root *r)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *root = NULL, *point = NULL, *type = NULL;
	size_t cap = 0;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc < 0 && getline(&line, &cap, f) > 0) {
		struct statvfs sv;
		int fd;

		if (!mount_fields(line, &root, &point, &type) || !root ||
		    !point || strcmp(type, "cgroup2") || strcmp(root, "/"))
			continue;
		unescape_octal(point);
		fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!is_fs(fd, CGROUP2_SUPER_MAGIC) || fstatvfs(fd, &sv) ||
		    (sv.f_flag & ST_RDONLY) ||
		    faccessat(fd, ".", W_OK, AT_EACCESS) ||
		    strlen(point) >= sizeof(r->dir)) {
			close(fd);
			continue;
		}
		r->fd = fd;
		snprintf(r->dir, sizeof(r->dir), "%s", point);
		rc = 0;
	}
	free(line);
	fclose(f);
	return rc;
}

/* nstopo's v1 hierarchy at CG_V1_DIR; mounted there if @mount_it. */
static int v1_root(struct root *r, bool mount_it)
{
	int fd = open(CG_V1_DIR,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && is_fs(fd, CGROUP_SUPER_MAGIC))
		goto found;
	if (fd >= 0)
		close(fd);
	if (!mount_it)
		return -ENOENT;
	if (mkdir("/run/nstopo", 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(CG_V1_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (mount(CG_V1_NAME, CG_V1_DIR, "cgroup",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, "none,name=" CG_V1_NAME)) {
		int err = -errno;

		rmdir(CG_V1_DIR);
		return err;
	}
	fd = open(CG_V1_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
found:
	r->fd = fd;
	snprintf(r->dir, sizeof(r->dir), "%s", CG_V1_DIR);
	return 0;
}

static int root_of(const struct lab_cg *cg, struct root *r)
{
	if (cg->version == 2)
		return v2_root(r);
	if (cg->version == 1)
		return v1_root(r, true);
	return -ENOENT;
}

int cg_choose(const char *lab, struct lab_cg *cg)
{
	const char *want = getenv("NSTOPO_CGROUP");
	unsigned char id[4] = { 0 };
	struct root r = { .fd = -1 };
	int rc = -ENOTSUP;

	memset(cg, 0, sizeof(*cg));
	if (want && !strcmp(want, "none"))
		return -ENOTSUP;
	if (getrandom(id, sizeof(id), GRND_NONBLOCK) != sizeof(id)) {
		unsigned v = (unsigned)time(NULL) ^ (unsigned)getpid() << 8;

		memcpy(id, &v, sizeof(id));
	}
	if ((!want || strcmp(want, "v1")) && !v2_root(&r)) {
		cg->version = 2;
		snprintf(cg->path, sizeof(cg->path),
			 CG_V2_TOP "/%s.%02x%02x%02x%02x", lab, id[0], id[1],
			 id[2], id[3]);
	} else if ((!want || strcmp(want, "v2")) && !(rc = v1_root(&r, true))) {
		cg->version = 1;
		snprintf(cg->path, sizeof(cg->path), "%s.%02x%02x%02x%02x", lab,
			 id[0], id[1], id[2], id[3]);
	} else {
		return rc == -EPERM || rc == -EACCES || rc == -ENODEV ||
				       rc == -EBUSY || rc == -ENOENT ?
			       -ENOTSUP :
			       rc;
	}
	close(r.fd);
	return 0;
}

/* mkdir @path below @dir, and each directory on the way. */
static int mkdir_all(int dir, const char *path)
{
	char buf[CG_REL_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdirat(dir, buf, 0755) && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

int cg_make(const struct lab_cg *cg)
{
	struct root r = { .fd = -1 };
	int rc = root_of(cg, &r);

	if (rc)
		return rc;
	rc = mkdir_all(r.fd, cg->path);
	close(r.fd);
	return rc;
}

void cg_node_name(const char *ns, char *buf, size_t len)
{
	if (ns)
		snprintf(buf, len, "ns-%s", ns);
	else
		snprintf(buf, len, "host");
}

void cg_exec_name(const char *ns, char *const *argv, char *buf, size_t len)
{
	struct strbuf sb = { 0 };
	char node[CG_SUB_MAX];

	/* Each argument with its NUL: ["a b"] and ["a", "b"] differ. */
	for (size_t i = 0; argv && argv[i]; i++)
		sb_addn(&sb, argv[i], strlen(argv[i]) + 1);
	cg_node_name(ns, node, sizeof(node));
	snprintf(buf, len, "%s/exec-%016llx", node,
		 (unsigned long long)hash_bytes(sb.buf ? sb.buf : "", sb.len));
	sb_free(&sb);
}

int cg_procs_open(const struct lab_cg *cg, const char *sub)
{
	char rel[CG_REL_MAX];
	struct root r = { .fd = -1 };
	int rc = root_of(cg, &r);

	if (rc)
		return rc;
	snprintf(rel, sizeof(rel), "%s/%s", cg->path, sub);
	/* A concurrent destroy of another lab may take nstopo/ away:
	 * everything on the way is made again. */
	rc = mkdir_all(r.fd, rel);
	if (!rc) {
		snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel),
			 "/cgroup.procs");
		rc = openat(r.fd, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (rc < 0)
			rc = -errno;
	}
	close(r.fd);
	return rc;
}

int cg_enter(int procs_fd)
{
	return write(procs_fd, "0", 1) == 1 ? 0 : -errno;
}

/* The group @sub of @cg (NULL: @cg itself), opened below root @r. */
static int group_open(const struct root *r, const struct lab_cg *cg,
		      const char *sub)
{
	char rel[CG_REL_MAX];
	int fd;

	snprintf(rel, sizeof(rel), "%s%s%s", cg->path, sub ? "/" : "",
		 sub ? sub : "");
	fd = openat(r->fd, rel,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct pids {
	pid_t *v;
	size_t n, cap;
};

static void pids_add(struct pids *p, pid_t pid)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = pid;
}

/*
 * Group @top below @dir, and every group below it (to CG_DEPTH): their
 * paths relative to @dir, parents before children.
 */
static size_t list_groups(int dir, const char *top, struct arena *a,
			  char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL;

	*(char **)vec_push(a, v, n, cap) = arena_strdup(a, top);
	for (size_t i = 0; i < n; i++) {
		struct dirent *e;
		int fd;
		DIR *d;

		size_t depth = 0;

		for (const char *c = v[i]; *c; c++)
			depth += *c == '/';
		if (depth >= CG_DEPTH ||
		    (fd = openat(dir, v[i],
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC)) < 0)
			continue;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		while ((e = readdir(d))) {
			char *sub;

			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			sub = arena_printf(a, "%s/%s", v[i], e->d_name);
			*(char **)vec_push(a, v, n, cap) = sub;
		}
		closedir(d);
	}
	*out = v;
	return n;
}

/* The running pids of group @rel below @dir. */
static void group_procs(int dir, const char *rel, struct pids *p)
{
	char path[600], buf[4096], *s, *end;
	struct strbuf sb = { 0 };
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", rel);
	fd = openat(dir, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_addn(&sb, buf, (size_t)n);
	close(fd);
	for (s = sb.buf; s && *s; s = end) {
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		if (v > 0 && proc_running((pid_t)v))
			pids_add(p, (pid_t)v);
	}
	sb_free(&sb);
}

/* The running processes of group @g and below, but @spare; false if
 * none. */
static bool group_pids(int g, pid_t spare, struct pids *p)
{
	struct arena a = { 0 };
	size_t k = 0, n;
	char **groups;

	p->n = 0;
	n = list_groups(g, ".", &a, &groups);
	for (size_t i = 0; i < n; i++)
		group_procs(g, groups[i], p);
	arena_free(&a);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] != spare)
			p->v[k++] = p->v[i];
	p->n = k;
	return k > 0;
}

size_t cg_pids(const struct lab_cg *cg, const char *sub, pid_t **out)
{
	struct pids p = { 0 };
	struct root r = { .fd = -1 };
	int g;

	*out = NULL;
	if (root_of(cg, &r))
		return 0;
	g = group_open(&r, cg, sub);
	close(r.fd);
	if (g < 0)
		return 0;
	group_pids(g, 0, &p);
	close(g);
	*out = p.v;
	return p.n;
}

bool cg_has_own(const struct lab_cg *cg, const char *sub)
{
	struct pids p = { 0 };
	struct root r = { .fd = -1 };
	int g;

	if (!cg->version || root_of(cg, &r))
		return false;
	g = group_open(&r, cg, sub);
	close(r.fd);
	if (g < 0)
		return false;
	group_procs(g, ".", &p);
	close(g);
	free(p.v);
	return p.n > 0;
}

int cg_kill(const struct lab_cg *cg, const char *sub, pid_t spare)
{
	double deadline = now_monotonic() + CG_WAIT;
	struct pids p = { 0 };
	struct root r = { .fd = -1 };
	int g, fd, rc = 0;

	rc = root_of(cg, &r);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	g = group_open(&r, cg, sub);
	close(r.fd);
	if (g < 0)
		return g == -ENOENT ? 0 : g;
	/* cgroup.kill: the kernel kills the whole tree, forks included. */
	if (!spare &&
	    (fd = openat(g, "cgroup.kill", O_WRONLY | O_CLOEXEC)) >= 0) {
		if (write(fd, "1", 1) != 1)
			rc = -errno;
		close(fd);
	}
	/* Each process (also after cgroup.kill, to wait until they are
	 * gone): one forked meanwhile is in the next round. */
	while (group_pids(g, spare, &p)) {
		if (now_monotonic() > deadline) {
			rc = -EBUSY;
			break;
		}
		for (size_t i = 0; i < p.n; i++)
			kill(p.v[i], SIGKILL);
		pause_ms(10);
	}
	free(p.v);
	close(g);
	return rc == -EBUSY ? rc : 0;
}

/* The group of process @pid in @cg's hierarchy, as /proc/PID/cgroup says. */
static bool group_of(int version, pid_t pid, char *buf, size_t len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		const char *p = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (version == 2 && !strncmp(line, "0::", 3))
			p = line + 3;
		else if (version == 1 && strstr(line, ":name=" CG_V1_NAME ":"))
			p = strstr(line, ":name=" CG_V1_NAME ":") +
			    strlen(":name=" CG_V1_NAME ":");
		if (p) {
			snprintf(buf, len, "%s", p);
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

bool cg_holds(const struct lab_cg *cg, pid_t pid)
{
	char g[512];
	size_t n = strlen(cg->path);

	if (!cg->version || !group_of(cg->version, pid, g, sizeof(g)))
		return false;
	return g[0] == '/' && !strncmp(g + 1, cg->path, n) &&
	       (g[n + 1] == '\0' || g[n + 1] == '/');
}

/* Write @pid to cgroup.procs of the group at @rel below @r ("": root). */
static int move_to(const struct root *r, const char *rel, pid_t pid)
{
	char path[600], num[24];
	int fd, len, rc = 0;

	snprintf(path, sizeof(path), "%s%scgroup.procs", rel, *rel ? "/" : "");
	fd = openat(r->fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(num, sizeof(num), "%d", (int)pid);
	if (write(fd, num, (size_t)len) != len)
		rc = -errno;
	close(fd);
	return rc;
}

int cg_release(const struct lab_cg *cg)
{
	char own[512] = "/";
	struct root r = { .fd = -1 };
	pid_t *pids;
	size_t n;
	int rc;

	n = cg_pids(cg, NULL, &pids);
	if (!n)
		return 0;
	rc = root_of(cg, &r);
	if (rc) {
		free(pids);
		return rc;
	}
	/* Ours, unless we are in the lab's group ourselves. */
	if (cg->version != 2 || !group_of(2, getpid(), own, sizeof(own)) ||
	    cg_holds(cg, getpid()))
		snprintf(own, sizeof(own), "/");
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		int err = move_to(&r, own + 1, pids[i]);

		if (err && own[1])
			err = move_to(&r, "", pids[i]);
		if (err && err != -ESRCH && !rc)
			rc = err;
	}
	close(r.fd);
	free(pids);
	return rc;
}

/* rmdir @name below @dir, its sub-groups first; EBUSY retried a while. */
static int remove_tree(int dir, const char *name, double deadline)
{
	struct arena a = { 0 };
	char **groups;
	size_t n = list_groups(dir, name, &a, &groups);
	int rc = 0;

	/* Children first: the list has every parent before its children. */
	for (size_t i = n; i-- > 0 && !rc;) {
		/* A process that has just been killed leaves its group a
		 * little after it is reaped. */
		while (unlinkat(dir, groups[i], AT_REMOVEDIR)) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || now_monotonic() > deadline) {
				rc = -errno;
				break;
			}
			pause_ms(10);
		}
	}
	arena_free(&a);
	return rc;
}

static bool has_groups(int dir)
{
	int fd = dup(dir);
	struct dirent *e;
	bool any = false;
	DIR *d;

	if (fd < 0)
		return true;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return true;
	}
	while (!any && (e = readdir(d)))
		any = e->d_type == DT_DIR && e->d_name[0] != '.';
	closedir(d);
	return any;
}

/* Does this process see nstopo's v1 hierarchy (in /proc/self/cgroup)? */
static bool v1_exists(void)
{
	char g[512];

	return group_of(1, getpid(), g, sizeof(g));
}

/*
 * Unmount nstopo's v1 hierarchy here (other labs mount it again when they
 * need it).  The kernel destroys a hierarchy that has no group below its
 * root when its last mount goes.  But a group removed just before is not
 * gone until its last process is reaped (a killed daemon's zombie, which
 * a slow init may reap seconds later); were the hierarchy unmounted then,
 * it would stay, unmounted, for good.  So while this process still sees
 * it (/proc/self/cgroup) and no group is in it, it is mounted and
 * unmounted again, for up to CG_V1_LINGER seconds.
 */
#define CG_V1_LINGER 3.0

static void v1_unmount(void)
{
	double deadline = now_monotonic() + CG_V1_LINGER;

	for (;;) {
		struct root r = { .fd = -1 };
		bool groups;

		if (umount2(CG_V1_DIR, MNT_DETACH))
			break;
		pause_ms(20);
		if (!v1_exists() || now_monotonic() > deadline)
			break;
		pause_ms(30);
		if (v1_root(&r, true))
			break;
		groups = has_groups(r.fd);
		close(r.fd);
		if (groups) {
			umount2(CG_V1_DIR, MNT_DETACH); /* a lab's: it stays */
			break;
		}
	}
	rmdir(CG_V1_DIR);
}

int cg_remove(const struct lab_cg *cg, const char *sub)
{
	char rel[CG_REL_MAX];
	struct root r = { .fd = -1 };
	int rc;

	if (!cg->version)
		return 0;
	rc = root_of(cg, &r);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	snprintf(rel, sizeof(rel), "%s%s%s", cg->path, sub ? "/" : "",
		 sub ? sub : "");
	rc = remove_tree(r.fd, rel, now_monotonic() + CG_WAIT);
	if (!rc && !sub && cg->version == 2)
		unlinkat(r.fd, CG_V2_TOP, AT_REMOVEDIR); /* if empty */
	close(r.fd);
	if (!sub && cg->version == 1)
		v1_unmount();
	return rc;
}

void cg_describe(const struct lab_cg *cg, char *buf, size_t len)
{
	struct root r = { .fd = -1 };

	buf[0] = '\0';
	if (cg->version == 2 ? v2_root(&r) : v1_root(&r, false))
		return;
	snprintf(buf, len, "%s/%s", r.dir, cg->path);
	close(r.fd);
}
