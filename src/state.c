// SPDX-License-Identifier: MIT
/*
 * state.c - the lab's lock and journal under /run/nstopo/LAB.
 *
 * Journal format, one record a line:
 *   nstopo-journal 1 lab=L file=F pid=P started=T   header
 *   + SEQ k=KIND key=value ...                       an op about to be made
 *   ! SEQ ERRNO                                      that op failed: not made
 *   complete                                         apply finished
 *   destroying                                       a destroy started
 * Values are percent-encoded.  Records are written (write(2), no fsync:
 * /run is a tmpfs and the point is surviving our own death, not the
 * machine's) before the op they describe touches anything outside a
 * namespace the lab created, so a kill at any point leaves a journal that
 * names everything that might exist.  A last line without its newline
 * was being written when the process died and is ignored.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "opkind.h"
#include "plan.h"
#include "state.h"

/* Lock */

static void state_paths(const char *lab, char *dir, size_t len)
{
	snprintf(dir, len, STATE_DIR "/%s", lab);
}

/*
 * A run that removes a lab's state unlinks the lock file and its directory
 * while it holds the lock, so a lock taken on a file opened before that
 * is on an orphan and protects nothing: it must be the file at the path.
 */
static bool lock_is_current(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int state_lock(struct state *st, const char *lab, long *holder)
{
	char path[192], buf[32];
	ssize_t n;

	memset(st, 0, sizeof(*st));
	st->journal_fd = st->lock_fd = -1;
	snprintf(st->lab, sizeof(st->lab), "%s", lab);
	state_paths(lab, st->dir, sizeof(st->dir));
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	for (int tries = 0;; tries++) {
		/* ENOENT: another run removed the directories meanwhile. */
		if ((mkdir(STATE_DIR, 0755) && errno != EEXIST) ||
		    (mkdir(st->dir, 0755) && errno != EEXIST)) {
			if (errno == ENOENT && tries < 100)
				continue;
			return -errno;
		}
		st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (st->lock_fd < 0) {
			if (errno == ENOENT && tries < 100)
				continue;
			return -errno;
		}
		if (flock(st->lock_fd, LOCK_EX | LOCK_NB)) {
			int err = -errno;

			n = pread(st->lock_fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			*holder = atol(buf);
			close(st->lock_fd);
			st->lock_fd = -1;
			return err;
		}
		if (lock_is_current(st->lock_fd, path))
			break;
		close(st->lock_fd);
		st->lock_fd = -1;
		if (tries == 100)
			return -EAGAIN;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(st->lock_fd, 0) ||
	    pwrite(st->lock_fd, buf, (size_t)n, 0) != n) {
		int err = errno ? -errno : -EIO;

		close(st->lock_fd); /* and the lock with it */
		st->lock_fd = -1;
		return err;
	}
	return 0;
}

void state_unlock(struct state *st)
{
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the flock */
	st->journal_fd = st->lock_fd = -1;
	sb_free(&st->pending);
}

/* Journal */

int state_begin(struct state *st, const char *file)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/journal", st->dir);
	st->journal_fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		     0644);
	if (st->journal_fd < 0)
		return -errno;
	sb_add(&st->pending, "nstopo-journal 1 lab=");
	sb_add_escaped(&st->pending, st->lab);
	sb_add(&st->pending, " file=");
	sb_add_escaped(&st->pending, file);
	sb_printf(&st->pending, " pid=%ld started=%lld\n", (long)getpid(),
		  (long long)time(NULL));
	return state_flush(st);
}

void state_record(struct state *st, size_t seq, const struct op *op)
{
	sb_printf(&st->pending, "+ %zu ", seq);
	op_encode(op, &st->pending);
	sb_addc(&st->pending, '\n');
}

void state_record_failed(struct state *st, size_t seq, int err)
{
	sb_printf(&st->pending, "! %zu %d\n", seq, err < 0 ? -err : err);
}

int state_mark(struct state *st, const char *word)
{
	sb_printf(&st->pending, "%s\n", word);
	return state_flush(st);
}

int state_flush(struct state *st)
{
	size_t off = 0;

	if (st->journal_fd < 0) {
		char path[192];

		snprintf(path, sizeof(path), "%s/journal", st->dir);
		st->journal_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (st->journal_fd < 0)
			return -errno;
	}
	while (off < st->pending.len) {
		ssize_t n = write(st->journal_fd, st->pending.buf + off,
				  st->pending.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	st->pending.len = 0;
	return 0;
}

int state_remove(struct state *st)
{
	char path[192];
	int err = 0;

	snprintf(path, sizeof(path), "%s/journal", st->dir);
	if (unlink(path) && errno != ENOENT)
		err = -errno;
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	/* Unlinked while held: a run waiting on it retries on a new one. */
	if (unlink(path) && errno != ENOENT && !err)
		err = -errno;
	if (rmdir(st->dir) && errno != ENOENT && !err)
		err = -errno;
	rmdir(STATE_DIR); /* only if no other lab is left */
	return err;
}

static void header_field(const char *line, const char *key, char *out,
			 size_t len)
{
	const char *p = strstr(line, key);
	size_t n;
	struct arena a = { 0 };
	char *v;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, " \n");
	if (!unescape_pct(&a, p, n, &v))
		snprintf(out, len, "%s", v);
	arena_free(&a);
}

/*
 * A record "C SEQ REST": its sequence number and where REST begins.  Not
 * sscanf(): on a line that is not NUL-terminated it measures the rest of
 * the journal first, which made reading one quadratic in its length.
 */
static bool record_seq(const char *line, char c, size_t *seq, size_t *rest)
{
	const char *p = line + 1;
	size_t v = 0;

	if (line[0] != c)
		return false;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return false; /* no journal has that many */
		v = v * 10 + (size_t)(*p - '0');
	}
	while (*p == ' ')
		p++;
	*seq = v;
	*rest = (size_t)(p - line);
	return true;
}

/* One op of a journal, onto the plan it is read into. */
static int journal_op(struct plan *p, const char *line)
{
	struct op op;
	int rc = op_decode(&p->arena, line, &op);

	if (!rc)
		*plan_push(p, op.kind, op_ns(&op)) = op;
	return rc;
}

int state_read(const char *lab, struct journal *j)
{
	char dir[128], path[192], buf[64];
	struct strbuf sb = { 0 };
	char chunk[65536];
	bool *failed = NULL;
	size_t n_seq = 0;
	int fd, rc = 0;
	ssize_t n;

	memset(j, 0, sizeof(*j));
	state_paths(lab, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_addn(&sb, chunk, (size_t)n);
	close(fd);
	j->plan = plan_new(lab);
	/* First pass: which ops failed. */
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t seq, off;

		if (!nl)
			break;
		if (record_seq(line, '+', &seq, &off) && seq + 1 > n_seq)
			n_seq = seq + 1;
		line = nl + 1;
	}
	failed = xcalloc(n_seq + 1, sizeof(*failed));
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t seq, off;

		if (!nl)
			break;
		if (record_seq(line, '!', &seq, &off) && seq < n_seq) {
			failed[seq] = true;
			j->n_failed++;
		}
		line = nl + 1;
	}
	for (char *line = sb.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t seq, off;

		if (!nl)
			break; /* cut short by a kill: never acted on */
		*nl = '\0';
		if (!strncmp(line, "nstopo-journal ", 15)) {
			header_field(line, "file=", j->file, sizeof(j->file));
			header_field(line, "pid=", buf, sizeof(buf));
			j->pid = atol(buf);
			header_field(line, "started=", buf, sizeof(buf));
			j->started = atoll(buf);
		} else if (record_seq(line, '+', &seq, &off)) {
			if (seq >= n_seq ||
			    (!failed[seq] && journal_op(j->plan, line + off))) {
				rc = -EBADMSG;
				break;
			}
		} else if (!strcmp(line, "complete")) {
			j->complete = true;
		} else if (!strcmp(line, "destroying")) {
			j->destroying = true;
		}
		line = nl + 1;
	}
	free(failed);
	sb_free(&sb);
	if (rc)
		journal_free(j);
	return rc;
}

void journal_free(struct journal *j)
{
	plan_free(j->plan);
	j->plan = NULL;
}

#define NETNS_DIR_MARK STATE_DIR "/.made-run-netns"

void state_note_netns_dir(void)
{
	int fd;

	mkdir(STATE_DIR, 0755);
	fd = open(NETNS_DIR_MARK, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

bool state_made_netns_dir(void)
{
	return !access(NETNS_DIR_MARK, F_OK);
}

void state_forget_netns_dir(void)
{
	unlink(NETNS_DIR_MARK);
	rmdir(STATE_DIR);
}

size_t state_list(char ***names)
{
	DIR *d = opendir(STATE_DIR);
	struct dirent *e;
	size_t n = 0;

	*names = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		*names = xrealloc(*names, (n + 1) * sizeof(**names));
		(*names)[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	return n;
}

void state_lab_info(const char *lab, struct lab_info *info)
{
	struct journal j;

	memset(info, 0, sizeof(*info));
	if (state_read(lab, &j)) {
		info->state = "unknown";
		return;
	}
	info->state = j.destroying ? "destroying" :
		      j.complete   ? "up" :
				     "partial";
	for (size_t k = 0; k < j.plan->n_ops; k++) {
		info->nodes += j.plan->ops[k].kind == OP_NETNS_ADD;
		info->links += j.plan->ops[k].kind == OP_LINK_ADD;
	}
	info->started = j.started;
	snprintf(info->file, sizeof(info->file), "%s", j.file);
	journal_free(&j);
}

char *state_lab_of_file(const char *path)
{
	char **labs, *found = NULL;
	size_t n = state_list(&labs);

	for (size_t i = 0; i < n; i++) {
		struct journal j;

		if (!found && !state_read(labs[i], &j)) {
			if (!strcmp(j.file, path))
				found = xstrdup(labs[i]);
			journal_free(&j);
		}
		free(labs[i]);
	}
	free(labs);
	return found;
}

int state_node_netns(const char *lab, const char *node, char **ns)
{
	struct journal j;
	int rc = state_read(lab, &j);

	*ns = NULL;
	if (rc)
		return rc;
	for (size_t k = 0; k < j.plan->n_ops && !*ns; k++) {
		const struct op *op = &j.plan->ops[k];

		if (op->kind == OP_NETNS_ADD &&
		    ((op->node && !strcmp(op->node, node)) ||
		     !strcmp(op->link.ns, node)))
			*ns = xstrdup(op->link.ns);
	}
	journal_free(&j);
	return *ns ? 0 : -ESRCH;
}
