// SPDX-License-Identifier: MIT
/*
 * netns.c - create, pin, open, enter and delete named namespaces.
 *
 * A named namespace is a bind mount of /proc/thread-self/ns/net on an
 * empty file /run/netns/NAME, exactly what `ip netns add` makes, so
 * ip-netns(8), nsenter(1) and systemd's NetworkNamespacePath= see them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

#define SELF_NETNS "/proc/thread-self/ns/net"

void netns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, NETNS_RUN_DIR "/%s", name);
}

int netns_prepare(void)
{
	bool bound = false;
	struct stat st;

	if (mkdir(NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	/* A file or a symlink there is someone else's: nothing is mounted
	 * on it. */
	if (lstat(NETNS_RUN_DIR, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* Shared propagation needs a mount point: bind the directory on
	 * itself the first time, as ip-netns does. */
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none",
			  MS_BIND | MS_REC, NULL))
			return -errno;
		bound = true;
	}
	return 0;
}

int netns_remove_run_dir(void)
{
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(d);
			return -ENOTEMPTY;
		}
	closedir(d);
	/* The bind mount prepare made, possibly stacked: undo them all. */
	while (!umount2(NETNS_RUN_DIR, MNT_DETACH))
		;
	return rmdir(NETNS_RUN_DIR) ? -errno : 0;
}

int netns_create(const char *name, int *fd)
{
	int home = open(SELF_NETNS, O_RDONLY | O_CLOEXEC), err;

	if (home < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		close(home);
		return err;
	}
	*fd = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	err = *fd < 0 ? -errno : netns_pin(name, *fd);
	if (err) {
		/* Not pinned: the namespace goes with its fd. */
		if (*fd >= 0)
			close(*fd);
		setns(home, CLONE_NEWNET);
	}
	close(home);
	return err;
}

int netns_pin(const char *name, int fd)
{
	char path[256], src[64];
	int pin, err;

	netns_path(name, path, sizeof(path));
	pin = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (pin < 0)
		return -errno;
	close(pin);
	/* The fd's link in /proc names the namespace itself. */
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL)) {
		err = -errno;
		unlink(path);
		return err;
	}
	return 0;
}

int netns_open(const char *name)
{
	char path[256];
	int fd;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

int netns_delete(const char *name)
{
	char path[256];
	int err = 0;

	netns_path(name, path, sizeof(path));
	/* Not mounted (a pin left half-made) is fine: it is unlinked. */
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		err = -errno;
	if (unlink(path) && !err)
		err = -errno;
	return err;
}

bool netns_exists(const char *name)
{
	char path[256];

	netns_path(name, path, sizeof(path));
	return !access(path, F_OK);
}

ino_t netns_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

ino_t netns_pin_inode(const char *name)
{
	char path[256];
	struct stat st;

	netns_path(name, path, sizeof(path));
	return stat(path, &st) ? 0 : st.st_ino;
}

static ino_t proc_netns_inode(const char *pid)
{
	char path[288], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return (ino_t)strtoull(link + strcspn(link, "[") + 1, NULL, 10);
}

size_t netns_users(struct ns_user **out)
{
	ino_t self = proc_netns_inode("self");
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct ns_user u = { 0 };
		char path[288];
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		u.ino = proc_netns_inode(e->d_name);
		if (!u.ino || u.ino == self)
			continue;
		u.pid = (pid_t)atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (f) {
			if (fgets(u.comm, sizeof(u.comm), f))
				u.comm[strcspn(u.comm, "\n")] = '\0';
			fclose(f);
		}
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = u;
	}
	closedir(d);
	return n;
}

static void sysctl_path(const char *key, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "/proc/sys/");

	for (const char *k = key; *k && n + 1 < len; k++)
		buf[n++] = *k == '.' ? '/' : *k == '/' ? '.' : *k;
	buf[n] = '\0';
}

static int proc_mount(struct private_proc *pp)
{
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return -errno;
	pp->on = true;
	pp->uses = 0;
	return 0;
}

int proc_private(struct private_proc *pp)
{
	memset(pp, 0, sizeof(*pp));
	if (unshare(CLONE_FS | CLONE_NEWNS))
		return -errno;
	/* Our copies of the mounts stop sharing events with the host's. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return proc_mount(pp);
}

void proc_private_next(struct private_proc *pp)
{
	if (!pp->on || ++pp->uses <= PROC_RENEW)
		return;
	/* Ours comes off; the /proc under it serves if the next fails. */
	pp->on = false;
	if (!umount2("/proc", MNT_DETACH))
		proc_mount(pp);
}

#define SYSCTL_NET "/proc/sys/net/"

/*
 * The open handle of /proc/sys/net/X, X the first part of @rel ("ipv6/
 * conf/all/accept_dad"), opened on first use; -1 if there is none.
 */
static int sysctl_dir(struct sysctl_dirs *c, const char *rel, size_t *skip)
{
	size_t len = strcspn(rel, "/");
	char path[sizeof(SYSCTL_NET) + sizeof(c->d[0].name)];
	size_t i;

	if (!c || !rel[len] || len >= sizeof(c->d[0].name))
		return -1;
	*skip = len + 1;
	for (i = 0; i < c->n; i++)
		if (!strncmp(c->d[i].name, rel, len) && !c->d[i].name[len])
			return c->d[i].fd;
	if (c->n == ARRAY_SIZE(c->d))
		return -1;
	snprintf(path, sizeof(path), SYSCTL_NET "%.*s", (int)len, rel);
	c->d[i].fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->d[i].fd < 0)
		return -1;
	memcpy(c->d[i].name, rel, len);
	c->d[i].name[len] = '\0';
	c->n++;
	return c->d[i].fd;
}

void sysctl_dirs_close(struct sysctl_dirs *c)
{
	for (size_t i = 0; i < c->n; i++)
		close(c->d[i].fd);
	c->n = 0;
}

/* The file of @key, through @c's handle when it has one: fd or -errno. */
static int sysctl_open(struct sysctl_dirs *c, const char *key, int flags)
{
	char path[512];
	size_t skip = 0;
	int dir = -1, fd;

	sysctl_path(key, path, sizeof(path));
	if (!strncmp(path, SYSCTL_NET, strlen(SYSCTL_NET)))
		dir = sysctl_dir(c, path + strlen(SYSCTL_NET), &skip);
	if (dir >= 0)
		fd = openat(dir, path + strlen(SYSCTL_NET) + skip,
			    flags | O_CLOEXEC);
	else
		fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sysctl_read_in(struct sysctl_dirs *c, const char *key, char *buf,
		   size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = sysctl_open(c, key, O_RDONLY);
	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		err = -errno;
		n = 0;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* Multi-value sysctls separate with tabs; keys are written with spaces. */
	for (char *ch = buf; *ch; ch++)
		if (*ch == '\t')
			*ch = ' ';
	close(fd);
	return err;
}

int sysctl_write(const char *key, const char *value)
{
	return sysctl_write_in(NULL, key, value);
}

int sysctl_read_whole(const char *key, struct strbuf *out)
{
	char buf[4096];
	ssize_t n;
	int fd = sysctl_open(NULL, key, O_RDONLY), err = 0;

	if (fd < 0)
		return fd;
	out->len = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_addn(out, buf, (size_t)n);
	if (n < 0)
		err = -errno;
	close(fd);
	if (out->len && out->buf[out->len - 1] == '\n')
		out->buf[--out->len] = '\0';
	if (!out->buf)
		sb_add(out, "");
	return err;
}

size_t sysctl_conf_names(const char *family, char ***names)
{
	char path[64];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	*names = NULL;
	snprintf(path, sizeof(path), SYSCTL_NET "%s/conf", family);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "all"))
			continue;
		*names = xrealloc(*names, (n + 1) * sizeof(**names));
		(*names)[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	return n;
}

int sysctl_write_in(struct sysctl_dirs *c, const char *key, const char *value)
{
	size_t len;
	ssize_t n;
	int fd, err = 0;

	/* Nothing written is nothing done: an empty value (an empty list of
	 * reserved ports) is a line of its own. */
	if (!*value)
		value = "\n";
	len = strlen(value);
	fd = sysctl_open(c, key, O_WRONLY);
	if (fd < 0)
		return fd;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/* Field @k (3: the state) of /proc/@pid/stat, into @buf. */
static int stat_field(pid_t pid, int k, char *buf, size_t len)
{
	char path[64], line[1024], *p, *save = NULL;
	FILE *f;
	int i = 3;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno ? -errno : -EIO;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The command name, in parentheses, may hold anything. */
	if (!p || !(p = strrchr(line, ')')))
		return -EIO;
	for (p = strtok_r(p + 1, " \n", &save); p && i < k; i++)
		p = strtok_r(NULL, " \n", &save);
	if (!p)
		return -EIO;
	snprintf(buf, len, "%s", p);
	return 0;
}

bool proc_running(pid_t pid)
{
	char st[8] = "";

	return !stat_field(pid, 3, st, sizeof(st)) && st[0] != 'Z' &&
	       st[0] != 'X';
}

int proc_start_time(pid_t pid, unsigned long long *start)
{
	char buf[32];
	int rc = stat_field(pid, 22, buf, sizeof(buf));

	*start = rc ? 0 : strtoull(buf, NULL, 10);
	return rc;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;

	return pid > 0 && !proc_start_time(pid, &now) && now == start &&
	       proc_running(pid);
}

void proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

bool netns_marked(const char *alias, const char *mark, bool unmarked)
{
	return !strcmp(alias, mark) || (!alias[0] && unmarked);
}
