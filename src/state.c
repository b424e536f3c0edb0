// SPDX-License-Identifier: MIT
/*
 * state.c - the lab's lock and journal under /run/nstopo/LAB.
 *
 * Journal format (version 2), one record a line, each record followed by
 * a check line:
 *   nstopo-journal 2 lab=L file=F pid=P started=T    header
 *   + SEQ k=KIND key=value ...                       an op about to be made
 *                                                    (again, once made: what
 *                                                    its run learnt)
 *   ! SEQ ERRNO                                      that op failed: not made
 *   complete                                         apply finished
 *   destroying                                       a destroy started
 *   owner pid=P start=S                              run P owns the lab
 *   cgroup vN path=PATH                              the lab's processes
 *   = CHECK                                          after each of those
 * CHECK is a 64-bit FNV-1a hash (hex) of the previous record's CHECK and
 * this record's line: a record that was damaged, or added by anything but
 * the run that owns the lab, does not check, and is reported and never
 * acted on; the records around it still check.  Journals of version 1
 * (earlier builds) have no checks and are read as they are; those builds
 * skip the check lines of version 2.
 *
 * Values are percent-encoded.  Records are written (write(2), no fsync:
 * /run is a tmpfs and the point is surviving our own death, not the
 * machine's) before the op they describe touches anything outside a
 * namespace the lab created, so a kill at any point leaves a journal that
 * names everything that might exist.  A record and its check are written
 * together; a last line without its newline was being written when the
 * process died and is ignored.
 *
 * Every file is opened relative to the directory above it, without
 * following a symlink, and a directory that is not root's (the caller's)
 * or that others may write is refused: what /run/nstopo holds decides
 * what destroy deletes.
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

#include "netns.h"
#include "opkind.h"
#include "plan.h"
#include "state.h"

#define JOURNAL_MAX (256u << 20) /* bytes read of a journal, at most */

/* Directories */

/*
 * Is @fd a directory of the caller's that no one else may write?  The
 * directories nstopo makes are; one that is not was not made by it, or
 * was changed since.
 */
static int dir_trusted(int fd, bool fix_mode)
{
	struct stat s;

	if (fstat(fd, &s))
		return -errno;
	if (!S_ISDIR(s.st_mode))
		return -ENOTDIR;
	if (s.st_uid != geteuid() || (s.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	/* Earlier builds made lab directories 0755: tighten them. */
	if (fix_mode && (s.st_mode & 077) && fchmod(fd, 0700))
		return -errno;
	return 0;
}

int state_dir_open(bool create)
{
	int fd, rc;

	if (create && mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return -errno;
	fd = open(STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	rc = dir_trusted(fd, false);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/* The lab's directory under @top, made if @create. */
static int lab_dir_open(int top, const char *lab, bool create)
{
	int fd, rc;

	if (!lab_name_valid(lab))
		return -EINVAL;
	if (create && mkdirat(top, lab, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(top, lab, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	rc = dir_trusted(fd, true);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

const char *state_strerror(int err)
{
	switch (err) {
	case -ENOTDIR:
		return "it is not a directory (a symlink, or a file)";
	case -EPERM:
		return "it is not root's, or others may write it";
	case -ELOOP:
		return "a file in it is a symlink";
	default:
		return strerror(-err);
	}
}

/* Lock */

/*
 * A run that removes a lab's state unlinks the lock file and its directory
 * while it holds the lock, so a lock taken on a file opened before that
 * is on an orphan and protects nothing: it must be the file at the path.
 */
static bool lock_is_current(const struct state *st)
{
	struct stat a, b, c, d;

	return !fstat(st->lock_fd, &a) &&
	       !fstatat(st->lab_fd, "lock", &b, AT_SYMLINK_NOFOLLOW) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	       !fstat(st->lab_fd, &c) &&
	       !fstatat(st->top_fd, st->lab, &d, AT_SYMLINK_NOFOLLOW) &&
	       c.st_dev == d.st_dev && c.st_ino == d.st_ino;
}

static void state_close(struct state *st)
{
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the flock */
	if (st->lab_fd >= 0)
		close(st->lab_fd);
	if (st->top_fd >= 0)
		close(st->top_fd);
	st->journal_fd = st->lock_fd = st->lab_fd = st->top_fd = -1;
}

static int lock_once(struct state *st, long *holder)
{
	char buf[32];
	ssize_t n;

	st->lock_fd = openat(st->lab_fd, "lock",
			     O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		return -errno;
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		n = pread(st->lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		*holder = atol(buf);
		return err;
	}
	return 0;
}

int state_lock(struct state *st, const char *lab, long *holder)
{
	char buf[32];
	ssize_t n;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	st->journal_fd = st->lock_fd = st->lab_fd = st->top_fd = -1;
	snprintf(st->lab, sizeof(st->lab), "%s", lab);
	for (int tries = 0; tries <= 100; tries++) {
		state_close(st);
		st->top_fd = rc = state_dir_open(true);
		if (rc >= 0)
			st->lab_fd = rc = lab_dir_open(st->top_fd, lab, true);
		if (rc >= 0)
			rc = lock_once(st, holder);
		/* ENOENT: another run removed the directories meanwhile. */
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			break;
		if (lock_is_current(st))
			break;
		rc = -EAGAIN;
	}
	if (rc >= 0) {
		n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		if (ftruncate(st->lock_fd, 0) ||
		    pwrite(st->lock_fd, buf, (size_t)n, 0) != n)
			rc = errno ? -errno : -EIO;
	}
	if (rc < 0) {
		state_close(st);
		return rc;
	}
	return 0;
}

void state_unlock(struct state *st)
{
	state_close(st);
	sb_free(&st->pending);
}

/* Journal */

/* The check of @line after the record whose check was @prev. */
static uint64_t check_of(uint64_t prev, const char *line, size_t len)
{
	char seed[17];
	uint64_t h;

	snprintf(seed, sizeof(seed), "%016llx", (unsigned long long)prev);
	h = hash_bytes(seed, 16);
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)line[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * The last check of @text (its last complete "= CHECK" line); whether
 * @text ends with a line cut short.  False if it has no check.
 */
static bool last_check(const char *text, size_t len, uint64_t *check, bool *cut)
{
	const char *end = text + len, *nl;

	*cut = len && text[len - 1] != '\n';
	/* Complete lines only: from the last newline back. */
	while (end > text && end[-1] != '\n')
		end--;
	while (end > text) {
		const char *line = end - 1;

		while (line > text && line[-1] != '\n')
			line--;
		nl = end - 1;
		if (nl - line == 18 && !strncmp(line, "= ", 2)) {
			*check = strtoull(line + 2, NULL, 16);
			return true;
		}
		end = line;
	}
	return false;
}

/*
 * Appending to a journal this state did not begin (destroy's
 * "destroying", run's control group): the chain of checks goes on from
 * its last one, and a line that a killed run left half-written is ended
 * first, so that it stays a line of its own (one that does not check).
 * The tail is read, more of it until a check is in it.
 */
static void seed_check(struct state *st)
{
	struct strbuf sb = { 0 };
	char buf[65536];
	struct stat s;
	bool cut = false;
	size_t size, n;
	int fd;

	st->seeded = true;
	fd = openat(st->lab_fd, "journal", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &s) || (size = (size_t)s.st_size) > JOURNAL_MAX) {
		close(fd);
		return;
	}
	for (n = size < 4096 ? size : 4096;;
	     n = n * 16 < size ? n * 16 : size) {
		ssize_t got = 1;

		sb.len = 0;
		while (sb.len < n && got > 0) {
			size_t k = n - sb.len < sizeof(buf) ? n - sb.len :
							      sizeof(buf);

			got = pread(fd, buf, k, (off_t)(size - n + sb.len));
			if (got > 0)
				sb_addn(&sb, buf, (size_t)got);
		}
		if (last_check(sb.buf ? sb.buf : "", sb.len, &st->check,
			       &cut) ||
		    n == size || got <= 0)
			break;
	}
	close(fd);
	if (cut)
		sb_addc(&st->pending, '\n');
	sb_free(&sb);
}

/* Append record @line (no '\n') and its check to what is pending. */
static void put_record(struct state *st, const char *line, size_t len)
{
	if (st->journal_fd < 0 && !st->seeded)
		seed_check(st);
	st->check = check_of(st->check, line, len);
	sb_addn(&st->pending, line, len);
	sb_printf(&st->pending, "\n= %016llx\n", (unsigned long long)st->check);
}

/* A journal at @name of the lab's directory, with its header. */
static int state_begin_at(struct state *st, const char *file, const char *name)
{
	struct strbuf h = { 0 };

	st->journal_fd = openat(st->lab_fd, name,
				O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
					O_NOFOLLOW | O_CLOEXEC,
				0600);
	if (st->journal_fd < 0)
		return -errno;
	sb_printf(&h, "nstopo-journal %d lab=", JOURNAL_VERSION_NOW);
	sb_add_escaped(&h, st->lab);
	sb_add(&h, " file=");
	sb_add_escaped(&h, file);
	sb_printf(&h, " pid=%ld started=%lld", (long)getpid(),
		  (long long)time(NULL));
	st->check = 0;
	put_record(st, h.buf, h.len);
	sb_free(&h);
	return state_flush(st);
}

int state_begin(struct state *st, const char *file)
{
	return state_begin_at(st, file, "journal");
}

void state_record(struct state *st, size_t seq, const struct op *op)
{
	struct strbuf sb = { 0 };

	sb_printf(&sb, "+ %zu ", seq);
	op_encode(op, &sb);
	put_record(st, sb.buf, sb.len);
	sb_free(&sb);
}

void state_record_failed(struct state *st, size_t seq, int err)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "! %zu %d", seq,
			 err < 0 ? -err : err);

	put_record(st, line, (size_t)n);
}

void state_record_removed(struct state *st, size_t seq)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "- %zu", seq);

	put_record(st, line, (size_t)n);
}

void state_continue(struct state *st, const struct journal *j)
{
	st->check = j->last_check;
	st->cg = j->cg;
	st->owner_pid = j->owner_pid;
	st->owner_start = j->owner_start;
}

/* The owner and the control group @st recorded, recorded again. */
static void put_lab_records(struct state *st)
{
	struct strbuf sb = { 0 };

	if (st->owner_pid)
		sb_printf(&sb, "owner pid=%ld start=%llu", st->owner_pid,
			  st->owner_start);
	if (sb.len)
		put_record(st, sb.buf, sb.len);
	sb.len = 0;
	if (st->cg.version) {
		sb_printf(&sb, "cgroup v%d path=", st->cg.version);
		sb_add_escaped(&sb, st->cg.path);
		put_record(st, sb.buf, sb.len);
	}
	sb_free(&sb);
}

int state_rewrite(struct state *st, const char *file, const struct plan *p)
{
	struct state tmp = *st;
	int rc;

	/* The header as state_begin() writes it, then every op, done. */
	memset(&tmp.pending, 0, sizeof(tmp.pending));
	rc = state_begin_at(&tmp, file, "journal.new");
	if (!rc)
		put_lab_records(&tmp);
	for (size_t i = 0; !rc && i < p->n_ops; i++)
		state_record(&tmp, i, &p->ops[i]);
	if (!rc)
		rc = state_mark(&tmp, "complete");
	if (tmp.journal_fd >= 0)
		close(tmp.journal_fd);
	sb_free(&tmp.pending);
	if (!rc && renameat(st->lab_fd, "journal.new", st->lab_fd, "journal"))
		rc = -errno;
	if (rc) {
		unlinkat(st->lab_fd, "journal.new", 0);
		return rc;
	}
	/* Appends go to the new file from now on. */
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	st->journal_fd = -1;
	st->check = tmp.check;
	return 0;
}

int state_mark(struct state *st, const char *word)
{
	put_record(st, word, strlen(word));
	return state_flush(st);
}

int state_owner(struct state *st, pid_t pid)
{
	unsigned long long start;
	char line[80];
	int rc = proc_start_time(pid, &start), n;

	if (rc)
		return rc;
	n = snprintf(line, sizeof(line), "owner pid=%ld start=%llu", (long)pid,
		     start);
	put_record(st, line, (size_t)n);
	st->owner_pid = (long)pid;
	st->owner_start = start;
	return state_flush(st);
}

int state_cgroup(struct state *st, const struct lab_cg *cg)
{
	struct strbuf sb = { 0 };
	int rc;

	sb_printf(&sb, "cgroup v%d path=", cg->version);
	sb_add_escaped(&sb, cg->path);
	put_record(st, sb.buf, sb.len);
	sb_free(&sb);
	st->cg = *cg;
	rc = state_flush(st);
	return rc;
}

bool journal_orphaned(const struct journal *j)
{
	return j->owner_pid > 0 &&
	       !proc_alive((pid_t)j->owner_pid, j->owner_start);
}

int state_flush(struct state *st)
{
	size_t off = 0;

	if (st->journal_fd < 0) {
		st->journal_fd =
			openat(st->lab_fd, "journal",
			       O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
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
	int err = 0;

	if (st->lab_fd < 0)
		return 0;
	if (unlinkat(st->lab_fd, "journal", 0) && errno != ENOENT)
		err = -errno;
	if (unlinkat(st->lab_fd, RELAY_LOG, 0) && errno != ENOENT && !err)
		err = -errno;
	/* The rewrite of an edit killed before its rename (the journal
	 * was still the one that counts). */
	if (unlinkat(st->lab_fd, "journal.new", 0) && errno != ENOENT && !err)
		err = -errno;
	/* Unlinked while held: a run waiting on it retries on a new one. */
	if (unlinkat(st->lab_fd, "lock", 0) && errno != ENOENT && !err)
		err = -errno;
	if (unlinkat(st->top_fd, st->lab, AT_REMOVEDIR) && errno != ENOENT &&
	    !err)
		err = -errno;
	rmdir(STATE_DIR); /* only if no other lab is left */
	return err;
}

void state_relay_log(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, STATE_DIR "/%s/" RELAY_LOG, lab);
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

	if (line[0] != c || line[1] != ' ')
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

/* Read all of the lab's journal (at most JOURNAL_MAX bytes). */
static int journal_slurp(const char *lab, struct strbuf *sb)
{
	char chunk[65536];
	int top, dir, fd, rc = 0;
	struct stat st;
	ssize_t n;

	top = state_dir_open(false);
	if (top < 0)
		return top == -ENOENT ? -ENOENT : top;
	dir = lab_dir_open(top, lab, false);
	close(top);
	if (dir < 0)
		return dir;
	fd = openat(dir, "journal", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return -errno;
	/* Room for the whole of it at once: a large lab's journal is tens of
	 * megabytes, and doubling would hold up to twice that. */
	if (!sb->cap && !fstat(fd, &st) && st.st_size > 0 &&
	    st.st_size <= JOURNAL_MAX) {
		sb->cap = (size_t)st.st_size + 1;
		sb->buf = xmalloc(sb->cap);
		sb->buf[0] = '\0';
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (sb->len + (size_t)n > JOURNAL_MAX) {
			rc = -EFBIG;
			break;
		}
		sb_addn(sb, chunk, (size_t)n);
	}
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* A record that does not check (or cannot be read): reported, skipped. */
static void damaged(struct journal *j, size_t line)
{
	if (j->n_damaged < ARRAY_SIZE(j->damaged_at))
		j->damaged_at[j->n_damaged] = line;
	j->n_damaged++;
}

/*
 * One op of a journal, onto the plan it is read into.  A record of the op
 * read last, again, is what its run learnt once it was made: it replaces
 * the first.  The record is decoded in @scratch, and only the strings the
 * op keeps are copied to the plan, each once (plan_own_op()): a node's
 * name is in every record of its ops.
 */
static int journal_op(struct plan *p, struct arena *scratch, const char *line,
		      size_t seq)
{
	struct op op;
	int rc = op_decode(scratch, line, &op);

	op.seq = seq;
	if (rc)
		return rc;
	plan_own_op(p, &op);
	if (p->n_ops && p->ops[p->n_ops - 1].seq == seq &&
	    p->ops[p->n_ops - 1].kind == op.kind)
		p->ops[p->n_ops - 1] = op;
	else
		*plan_push(p, op.kind, op_ns(&op)) = op;
	return 0;
}

/*
 * A "cgroup vN path=PATH" record.  Destroy kills every process in the
 * group it names: only a group nstopo makes for lab @lab is taken
 * (cg_choose(): nstopo/LAB.ID on v2, LAB.ID on v1, ID 8 hex digits).
 */
static int journal_cgroup(const char *lab, const char *line, struct lab_cg *cg)
{
	char path[CG_PATH_MAX], want[CG_PATH_MAX];
	int version = line[8] - '0';
	size_t n;

	header_field(line, "path=", path, sizeof(path));
	snprintf(want, sizeof(want), "%s%s.", version == 2 ? "nstopo/" : "",
		 lab);
	n = strlen(want);
	if ((version != 1 && version != 2) || line[9] != ' ' ||
	    strncmp(path, want, n) || strlen(path + n) != 8 ||
	    strspn(path + n, "0123456789abcdef") != 8)
		return -EINVAL;
	cg->version = version;
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	return 0;
}

struct record {
	char *line;
	size_t no; /* its line number, from 1 */
};

/*
 * The records of a journal, each with its check verified (version 2):
 * what does not check is counted as damaged and left out.
 */
static size_t journal_records(struct journal *j, char *text, struct arena *a,
			      struct record **out)
{
	struct record *v = NULL;
	size_t n = 0, cap = 0, no = 0;
	uint64_t prev = 0;
	/* Check lines make it version 2 whatever its header says. */
	bool checked = !strncmp(text, "= ", 2) || strstr(text, "\n= ");
	char *line, *next;

	for (line = text; *line; line = next) {
		char *nl = strchr(line, '\n'), *end;
		unsigned long long check;

		if (!nl)
			break; /* cut short by a kill: never acted on */
		*nl = '\0';
		next = nl + 1;
		if (++no == 1)
			j->version =
				1 + (checked ||
				     !strncmp(line, "nstopo-journal 2 ", 17));
		if (j->version < 2) {
			*(struct record *)vec_push(a, v, n, cap) =
				(struct record){ line, no };
			continue;
		}
		if (!strncmp(line, "= ", 2))
			continue; /* read with its record */
		/* Version 2: the record, then its check. */
		if (strncmp(next, "= ", 2) || !strchr(next, '\n')) {
			if (strchr(next, '\n') || !*next)
				damaged(j, no); /* no check follows */
			continue;
		}
		check = strtoull(next + 2, &end, 16);
		if (end != next + 18 || *end != '\n' ||
		    check != check_of(prev, line, strlen(line)))
			damaged(j, no);
		else
			*(struct record *)vec_push(a, v, n, cap) =
				(struct record){ line, no };
		prev = check;
	}
	j->last_check = prev;
	*out = v;
	return n;
}

int state_read(const char *lab, struct journal *j)
{
	struct strbuf sb = { 0 };
	struct arena a = { 0 }, scratch = { 0 };
	struct record *recs;
	size_t *failed = NULL, n_failed = 0, cap_failed = 0, n, decoded = 0;
	char buf[64];
	int rc;

	memset(j, 0, sizeof(*j));
	rc = journal_slurp(lab, &sb);
	if (rc) {
		sb_free(&sb);
		return rc;
	}
	j->plan = plan_new(lab);
	n = journal_records(j, sb.buf ? sb.buf : (char *)"", &a, &recs);
	plan_reserve(j->plan, n); /* an op a record at most */
	if (!n || strncmp(recs[0].line, "nstopo-journal ", 15))
		j->no_header = true;
	/* Which ops failed, or were removed since: a sorted list, never
	 * sized by a number read. */
	for (size_t i = 0; i < n; i++) {
		size_t seq, off;

		if (record_seq(recs[i].line, '!', &seq, &off) ||
		    record_seq(recs[i].line, '-', &seq, &off))
			*(size_t *)vec_push(&a, failed, n_failed, cap_failed) =
				seq;
		if (record_seq(recs[i].line, '+', &seq, &off) &&
		    seq >= j->next_seq)
			j->next_seq = seq + 1;
	}
	if (n_failed)
		qsort(failed, n_failed, sizeof(*failed), cmp_size);
	for (size_t i = 0; i < n; i++) {
		const char *line = recs[i].line;
		size_t seq, off;

		if (!strncmp(line, "nstopo-journal ", 15)) {
			header_field(line, "file=", j->file, sizeof(j->file));
			header_field(line, "pid=", buf, sizeof(buf));
			j->pid = atol(buf);
			header_field(line, "started=", buf, sizeof(buf));
			j->started = atoll(buf);
		} else if (record_seq(line, '+', &seq, &off)) {
			if (n_failed && bsearch(&seq, failed, n_failed,
						sizeof(*failed), cmp_size))
				continue; /* failed, or removed since */
			if (journal_op(j->plan, &scratch, line + off, seq))
				damaged(j, recs[i].no);
			if (++decoded % 1024 == 0)
				arena_free(&scratch);
		} else if (!strncmp(line, "owner ", 6)) {
			header_field(line, "pid=", buf, sizeof(buf));
			j->owner_pid = atol(buf);
			header_field(line, "start=", buf, sizeof(buf));
			j->owner_start = strtoull(buf, NULL, 10);
		} else if (!strncmp(line, "cgroup v", 8)) {
			if (journal_cgroup(lab, line, &j->cg))
				damaged(j, recs[i].no);
		} else if (!strcmp(line, "complete")) {
			j->complete = true;
		} else if (!strcmp(line, "destroying")) {
			j->destroying = true;
		} else if (!strncmp(line, "reconcile", 9)) {
			/* An edit begins: complete again only at its end. */
			j->complete = false;
			j->reconciling = true;
		} else if (record_seq(line, '!', &seq, &off)) {
			j->n_failed++;
		} else if (!record_seq(line, '-', &seq, &off)) {
			damaged(j, recs[i].no);
		}
	}
	arena_free(&a);
	arena_free(&scratch);
	sb_free(&sb);
	plan_learn_own(j->plan);
	plan_fit(j->plan);
	return 0;
}

void journal_free(struct journal *j)
{
	plan_free(j->plan);
	j->plan = NULL;
}

/* /run/netns */

#define NETNS_DIR_MARK ".made-run-netns"

void state_note_netns_dir(void)
{
	int top = state_dir_open(true), fd;

	if (top < 0)
		return;
	fd = openat(top, NETNS_DIR_MARK,
		    O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	close(top);
}

bool state_made_netns_dir(void)
{
	int top = state_dir_open(false);
	bool made;

	if (top < 0)
		return false;
	made = !faccessat(top, NETNS_DIR_MARK, F_OK, AT_SYMLINK_NOFOLLOW);
	close(top);
	return made;
}

void state_forget_netns_dir(void)
{
	int top = state_dir_open(false);

	if (top < 0)
		return;
	unlinkat(top, NETNS_DIR_MARK, 0);
	close(top);
	rmdir(STATE_DIR);
}

/* Labs */

size_t state_list(char ***names)
{
	int top = state_dir_open(false);
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	*names = NULL;
	if (top < 0 || !(d = fdopendir(top))) {
		if (top >= 0)
			close(top);
		return 0;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !lab_name_valid(e->d_name))
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
	info->state = j.destroying	   ? "destroying" :
		      j.n_damaged	   ? "damaged" :
		      journal_orphaned(&j) ? "orphaned" :
		      j.complete	   ? "up" :
					     "partial";
	info->owner_pid = j.owner_pid;
	for (size_t k = 0; k < j.plan->n_ops; k++) {
		info->nodes += j.plan->ops[k].kind == OP_NETNS_ADD;
		info->links += j.plan->ops[k].kind == OP_LINK_ADD;
	}
	info->started = j.started;
	snprintf(info->file, sizeof(info->file), "%s", j.file);
	journal_free(&j);
}

char *state_lab_of_file(const char *path, const char *inst)
{
	char **labs, *found = NULL;
	size_t n = state_list(&labs);

	for (size_t i = 0; i < n; i++) {
		const char *at = strchr(labs[i], '@');
		struct journal j;

		if (inst && *inst ? !at || strcmp(at + 1, inst) : at != NULL) {
			free(labs[i]);
			continue;
		}
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
