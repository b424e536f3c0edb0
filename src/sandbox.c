// SPDX-License-Identifier: MIT
/*
 * sandbox.c - a run in namespaces of its own, which vanish with it.
 *
 * Theory of operation.  sandbox_enter() splits nstopo in three:
 *
 *   outer   the caller: if it lacks the capabilities, it unshares a user
 *           namespace that maps it to root; then a PID namespace for its
 *           children.  It forks init and waits for it, passing signals
 *           on, and exits with init's status.
 *   init    PID 1 of the new PID namespace.  It unshares the mount,
 *           network, UTS and IPC namespaces, makes every mount private,
 *           mounts a /proc of its PID namespace, a tmpfs on /run and a
 *           sysfs of its network namespace, brings lo up, forks the
 *           worker and reaps every process that ends in the sandbox.  It
 *           exits when the worker does.
 *   worker  the rest of nstopo, in the sandbox: apply, the command,
 *           destroy.
 *
 * The kernel does the cleaning.  When init exits, every other process of
 * its PID namespace is killed; with them goes the last user of the mount
 * namespace, so the pins under /run/netns go, and with them the lab's
 * namespaces and the sandbox's own.  Init has PR_SET_PDEATHSIG SIGKILL:
 * the outer process dying, by any signal, SIGKILL included, starts the
 * same.  Nothing is mounted, pinned or made where the machine sees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "netns.h"
#include "sandbox.h"
#include "state.h"
#include "value.h"

/* What init tells the outer process: 0 once the worker runs, or why not. */
struct report {
	int err;
	char text[500];
};

/* How a child ended, as a shell reports it. */
static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

/* The caller becomes root of a user namespace of its own. */
static int enter_userns(struct strbuf *msg)
{
	unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
	char map[32];
	int rc;

	if (unshare(CLONE_NEWUSER)) {
		rc = -errno;
		sb_printf(msg, "cannot make a user namespace: %s",
			  strerror(errno));
		return rc;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	rc = write_file("/proc/self/uid_map", map);
	/* gid_map needs setgroups(2) off first, for an unprivileged writer;
	 * the file is missing before Linux 3.19. */
	if (!rc) {
		rc = write_file("/proc/self/setgroups", "deny");
		rc = rc == -ENOENT ? 0 : rc;
	}
	if (!rc) {
		snprintf(map, sizeof(map), "0 %u 1\n", gid);
		rc = write_file("/proc/self/gid_map", map);
	}
	if (rc)
		sb_printf(
			msg,
			"cannot map user %u, group %u to root in a user namespace: %s",
			uid, gid, strerror(-rc));
	return rc;
}

static int report_fail(struct report *r, const char *what)
{
	r->err = errno;
	snprintf(r->text, sizeof(r->text), "%s: %s", what, strerror(errno));
	return -r->err;
}

/*
 * /sys as ip netns exec makes it: the devices of the sandbox's network
 * namespace.  The cgroup tree under it is carried over.  Where the kernel
 * refuses (a user namespace under a /sys it may not see all of), /sys
 * stays the machine's: nothing in nstopo needs it.
 */
static void sysfs_remount(void)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct statvfs sv;
	struct stat sys, cg;
	int tree = -1;

	if (!statvfs("/sys", &sv) && (sv.f_flag & ST_RDONLY))
		flags |= MS_RDONLY;
	if (!stat("/sys", &sys) && !stat("/sys/fs/cgroup", &cg) &&
	    sys.st_dev != cg.st_dev)
		tree = open_tree(AT_FDCWD, "/sys/fs/cgroup",
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					 AT_RECURSIVE);
	if (!mount("sysfs", "/sys", "sysfs", flags, NULL) && tree >= 0)
		move_mount(tree, "", AT_FDCWD, "/sys/fs/cgroup",
			   MOVE_MOUNT_F_EMPTY_PATH);
	if (tree >= 0)
		close(tree);
}

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, rc = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(fd, SIOCSIFFLAGS, &ifr))
		rc = -errno;
	close(fd);
	return rc;
}

/* Init's namespaces and mounts; 0 or -errno with @r filled in. */
static int init_setup(struct report *r)
{
	int rc;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC))
		return report_fail(
			r,
			"cannot make the sandbox's mount and network namespaces");
	/* Nothing mounted here propagates to the machine's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return report_fail(r,
				   "cannot make the sandbox's mounts private");
	/* ps and /proc/PID show the sandbox's processes. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		fprintf(stderr,
			"nstopo: warning: cannot mount a /proc of the sandbox's own (%s): /proc shows the machine's processes\n",
			strerror(errno));
	if (mount("nstopo-sandbox", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755"))
		return report_fail(
			r, "cannot mount a tmpfs on /run in the sandbox");
	if (mkdir(NETNS_RUN_DIR, 0755) || mkdir(STATE_DIR, 0755))
		return report_fail(r, "cannot make " NETNS_RUN_DIR
				      " and " STATE_DIR " in the sandbox");
	sysfs_remount();
	rc = lo_up();
	if (rc) {
		errno = -rc;
		return report_fail(r, "cannot bring lo up in the sandbox");
	}
	return 0;
}

/*
 * Wait for @child, passing signals in @set on; with @reap_all, reap every
 * child that ends meanwhile (init's orphans).  Return: @child's exit
 * status, as a shell says it.
 */
static int relay(pid_t child, const sigset_t *set, bool reap_all)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si), st;
		pid_t pid;

		if (sig == SIGCHLD) {
			while ((pid = waitpid(reap_all ? -1 : child, &st,
					      WNOHANG)) > 0)
				if (pid == child)
					return exit_status(st);
			if (pid < 0 && errno == ECHILD)
				return 125; /* reaped elsewhere: cannot be */
		} else if (sig > 0 && si.si_code != SI_KERNEL) {
			/* From the terminal (SI_KERNEL), the whole process
			 * group has it already: child and worker too. */
			kill(child, sig);
		}
	}
}

/* Give the terminal on stdin to @pgrp (from the background: SIGTTOU
 * would stop us). */
static void terminal_to(pid_t pgrp)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Init: returns only in the worker. */
static void init_main(int report, bool tty, const sigset_t *relayed,
		      const sigset_t *old)
{
	struct pollfd pf = { .fd = report, .events = POLLIN };
	struct report r = { 0 };
	char comm[16] = "";
	pid_t worker = -1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The outer process died before that: nobody would kill us. */
	if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
		_exit(125);
	/* A process group the sandbox can see, in the terminal's foreground:
	 * a job-control shell inside gives the terminal back to it when it
	 * exits (the caller's group is not in our PID namespace). */
	if (tty && !setpgid(0, 0))
		terminal_to(getpgrp());
	/* Named before the worker starts, so that ps shows it as soon as
	 * anything can run ps in here; the worker takes its name back. */
	prctl(PR_GET_NAME, comm);
	prctl(PR_SET_NAME, "nstopo-init");
	if (!init_setup(&r)) {
		worker = fork();
		if (worker == 0) {
			prctl(PR_SET_NAME, comm);
			close(report);
			sigprocmask(SIG_SETMASK, old, NULL);
			return;
		}
		if (worker < 0)
			report_fail(&r, "cannot start nstopo in the sandbox");
	}
	send(report, &r, sizeof(r), MSG_NOSIGNAL);
	close(report);
	if (r.err)
		_exit(125);
	_exit(relay(worker, relayed, true));
}

int sandbox_enter(const struct sandbox_opts *o, struct strbuf *msg)
{
	struct report r = { 0 };
	sigset_t relayed, old;
	bool userns = o && o->userns, tty;
	char missing[96];
	int sv[2], rc, st;
	ssize_t n;
	pid_t init;

	if (!userns)
		userns = caps_require_admin(missing, sizeof(missing)) != 0;
	if (userns && (rc = enter_userns(msg))) {
		sandbox_userns_hint("/proc/sys", msg);
		return rc;
	}
	if (unshare(CLONE_NEWPID)) {
		rc = -errno;
		sb_printf(msg, "cannot make a PID namespace: %s",
			  strerror(errno));
		if (userns)
			sandbox_userns_hint("/proc/sys", msg);
		return rc;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		sb_printf(msg, "cannot make a socket pair: %s",
			  strerror(errno));
		return rc;
	}
	/* Blocked from before the fork on, so none is lost: both wait for
	 * them with sigwaitinfo().  Children of ours must be waitable. */
	sigemptyset(&relayed);
	sigaddset(&relayed, SIGINT);
	sigaddset(&relayed, SIGTERM);
	sigaddset(&relayed, SIGHUP);
	sigaddset(&relayed, SIGQUIT);
	sigaddset(&relayed, SIGCHLD);
	sigprocmask(SIG_BLOCK, &relayed, &old);
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	init = fork();
	if (init == 0) {
		close(sv[0]);
		init_main(sv[1], tty, &relayed, &old);
		return 0; /* the worker */
	}
	rc = init < 0 ? -errno : 0;
	close(sv[1]);
	if (init > 0) {
		n = recv(sv[0], &r, sizeof(r), 0);
		close(sv[0]);
		if (n == (ssize_t)sizeof(r) && !r.err) {
			st = relay(init, &relayed, false);
			if (tty)
				terminal_to(getpgrp());
			_exit(st);
		}
		waitpid(init, &st, 0);
		if (tty)
			terminal_to(getpgrp());
		if (n == (ssize_t)sizeof(r)) {
			rc = -r.err;
			sb_add(msg, r.text);
			if (userns && (r.err == EPERM || r.err == EACCES))
				sandbox_userns_hint("/proc/sys", msg);
		} else {
			rc = -ECHILD;
			sb_printf(
				msg,
				"the sandbox's init ended before it was ready (exit status %d)",
				exit_status(st));
		}
	} else {
		close(sv[0]);
		sb_printf(msg, "cannot start the sandbox's init: %s",
			  strerror(-rc));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

#define ONLY_LAB \
	"an isolated run has only the interfaces the file makes (run it as root, without --isolated)"

size_t sandbox_check(const struct topo *t, struct diags *d)
{
	const struct node *host = &t->nodes[HOST_NODE];
	char ifname[IFNAME_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];

		for (size_t k = 0; k < b->n_given; k++) {
			if (b->ports[k].iface >= 0)
				continue;
			diag_add(
				d, b->ports[k].pos,
				"bridge '%s' takes the machine's interface '%s' as a port%s: " ONLY_LAB,
				b->name, b->ports[k].name,
				b->adopt ? " (adopt: true)" : "");
			n++;
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const char *kind = link_kind(l->kind)->name;

		if (link_kind(l->kind)->underlay) {
			/* Its socket would be the sandbox's, off the
			 * machine's network. */
			diag_add(
				d, l->kind_pos,
				"%s %s link tunnels over the machine's network: " ONLY_LAB,
				strchr("aeiou", kind[0]) ? "an" : "a", kind);
			n++;
			continue;
		}
		if (!l->parent.text || l->parent_iface >= 0)
			continue;
		diag_add(
			d, l->parent.pos,
			"%s %s link on the machine's interface '%s' (parent: %s): " ONLY_LAB,
			strchr("aeiou", kind[0]) ? "an" : "a", kind,
			l->parent.ifname, l->parent.text);
		n++;
	}
	for (size_t i = 0; i < host->n_sysctls; i++) {
		const struct sysctl *s = &host->sysctls[i];

		/* all, default and lo are the sandbox's own. */
		if (!sysctl_key_ifname(s->key, ifname) ||
		    !strcmp(ifname, "all") || !strcmp(ifname, "default") ||
		    !strcmp(ifname, "lo") ||
		    strmap_get(&host->ifmap, ifname) >= 0)
			continue;
		diag_add(
			d, s->pos,
			"sysctl %s is of the machine's interface '%s': " ONLY_LAB,
			s->key, ifname);
		n++;
	}
	return n;
}

/* A sysctl as text, its line break cut; false if it cannot be read. */
static bool read_sysctl(const char *root, const char *rel, char *buf,
			size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

void sandbox_userns_hint(const char *proc_sys, struct strbuf *msg)
{
	static const struct {
		const char *file, *name, *off, *what, *on;
	} knobs[] = {
		{ "user/max_user_namespaces", "user.max_user_namespaces", "0",
		  "which turns user namespaces off", "10000" },
		{ "kernel/unprivileged_userns_clone",
		  "kernel.unprivileged_userns_clone", "0",
		  "Debian's switch for unprivileged user namespaces", "1" },
		{ "kernel/apparmor_restrict_unprivileged_userns",
		  "kernel.apparmor_restrict_unprivileged_userns", "1",
		  "Ubuntu's AppArmor restriction of unprivileged user namespaces",
		  "0" },
	};
	char val[64], max[64] = "";
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!read_sysctl(proc_sys, knobs[i].file, val, sizeof(val)))
			continue;
		if (i == 0)
			snprintf(max, sizeof(max), "%s", val);
		if (strcmp(val, knobs[i].off))
			continue;
		sb_printf(
			msg,
			"%s%s is %s (%s): allow them as root with 'sysctl -w %s=%s'",
			n++ ? "; " : ": ", knobs[i].name, val, knobs[i].what,
			knobs[i].name, knobs[i].on);
		if (i == 2)
			sb_add(msg,
			       ", or with an AppArmor profile for nstopo that allows 'userns,'");
	}
	if (!n)
		sb_printf(
			msg,
			": no sysctl forbids them here (user.max_user_namespaces is %s): a seccomp filter (a container's) or a chroot may, or that many are in use",
			max[0] ? max : "not readable");
	sb_add(msg, "; or run nstopo as root");
}
