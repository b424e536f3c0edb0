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

#include "state.h"

uint32_t lab_group(const char *lab)
{
	/* A fixed tag in the high byte keeps clear of the small group
	 * numbers people assign by hand; the rest tells labs apart. */
	return 0x6e000000u |
	       ((uint32_t)hash_bytes(lab, strlen(lab)) & 0xffffffu);
}

void lab_mark(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, "nstopo:%s", lab);
}

/* Op encoding: one table drives both directions. */

enum ftype {
	F_STR,
	F_U32,
	F_BOOL,
	F_U8,
	F_TYPE,
	F_PREFIX,
	F_MAC,
	F_ARGV,
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	size_t flag_off; /* F_MAC/F_PREFIX: bool "present", or 0 */
};

#define F(k, t, m)                              \
	{                                       \
		k, t, offsetof(struct op, m), 0 \
	}
#define FF(k, t, m, f)                                               \
	{                                                            \
		k, t, offsetof(struct op, m), offsetof(struct op, f) \
	}

static const struct field fields[] = {
	F("node", F_STR, node),
	F("ns", F_STR, link.ns),
	F("name", F_STR, link.name),
	F("type", F_TYPE, type),
	F("mtu", F_U32, link.mtu),
	FF("mac", F_MAC, link.mac, link.has_mac),
	F("master", F_STR, link.master),
	F("up", F_BOOL, link.up),
	F("pns", F_STR, peer.ns),
	F("pname", F_STR, peer.name),
	F("pmtu", F_U32, peer.mtu),
	FF("pmac", F_MAC, peer.mac, peer.has_mac),
	F("pmaster", F_STR, peer.master),
	F("pup", F_BOOL, peer.up),
	F("parns", F_STR, parent.ns),
	F("parent", F_STR, parent.name),
	F("mode", F_U32, mode),
	F("vid", F_U32, id),
	F("mark", F_BOOL, mark),
	F("addr", F_PREFIX, addr),
	F("dad", F_BOOL, dad),
	F("to", F_PREFIX, route.to),
	FF("via", F_PREFIX, route.via, route.has_via),
	F("dev", F_STR, route.dev),
	F("metric", F_U32, route.metric),
	F("table", F_U32, route.table),
	F("rtype", F_U8, route.type),
	F("onlink", F_BOOL, route.onlink),
	F("key", F_STR, key),
	F("value", F_STR, value),
	F("old", F_STR, old_value),
	F("argv", F_ARGV, argv),
	F("netem", F_BOOL, qdisc.netem),
	F("delay", F_U32, qdisc.delay_us),
	F("jitter", F_U32, qdisc.jitter_us),
	F("loss", F_U32, qdisc.loss_ppm),
	F("dup", F_U32, qdisc.duplicate_ppm),
	F("reorder", F_U32, qdisc.reorder_ppm),
	F("corrupt", F_U32, qdisc.corrupt_ppm),
	F("rate", F_U32, qdisc.rate),
	F("adopt", F_BOOL, adopt),
	F("saved", F_STR, saved),
};

static const char *const kind_names[OP__COUNT] = {
	[OP_NETNS_ADD] = "netns.add",
	[OP_NETNS_DEL] = "netns.del",
	[OP_LINK_ADD] = "link.add",
	[OP_LINK_DEL] = "link.del",
	[OP_LINK_SET] = "link.set",
	[OP_ADDR_ADD] = "addr.add",
	[OP_ADDR_DEL] = "addr.del",
	[OP_ROUTE_ADD] = "route.add",
	[OP_ROUTE_DEL] = "route.del",
	[OP_SYSCTL_SET] = "sysctl.set",
	[OP_SYSCTL_RESTORE] = "sysctl.restore",
	[OP_EXEC] = "exec",
	[OP_QDISC_ADD] = "qdisc.add",
	[OP_PORT_ADD] = "port.add",
	[OP_PORT_DEL] = "port.del",
};

static void put_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("._:/@+,-", c))
			sb_addc(sb, (char)c);
		else
			sb_printf(sb, "%%%02x", c);
	}
}

void op_encode(const struct op *op, struct strbuf *sb)
{
	char buf[64];

	sb_printf(sb, "k=%s", kind_names[op->kind]);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];
		const char *p = (const char *)op + f->off;

		if (f->flag_off &&
		    !*(const bool *)((const char *)op + f->flag_off))
			continue;
		switch (f->type) {
		case F_STR:
			if (!*(const char *const *)p)
				continue;
			sb_printf(sb, " %s=", f->key);
			put_escaped(sb, *(const char *const *)p);
			continue;
		case F_U32:
			if (!*(const uint32_t *)p)
				continue;
			sb_printf(sb, " %s=%u", f->key, *(const uint32_t *)p);
			continue;
		case F_BOOL:
			if (*(const bool *)p)
				sb_printf(sb, " %s=1", f->key);
			continue;
		case F_U8:
			if (*(const uint8_t *)p)
				sb_printf(sb, " %s=%u", f->key,
					  *(const uint8_t *)p);
			continue;
		case F_TYPE:
			if (*(const enum link_kind *)p)
				sb_printf(sb, " %s=%d", f->key,
					  (int)*(const enum link_kind *)p);
			continue;
		case F_PREFIX:
			if (!((const struct prefix *)p)->family)
				continue;
			prefix_format((const struct prefix *)p, true, buf,
				      sizeof(buf));
			sb_printf(sb, " %s=%s", f->key, buf);
			continue;
		case F_MAC: {
			const uint8_t *m = (const uint8_t *)p;

			sb_printf(sb, " %s=%02x:%02x:%02x:%02x:%02x:%02x",
				  f->key, m[0], m[1], m[2], m[3], m[4], m[5]);
			continue;
		}
		case F_ARGV:
			/* The words, each escaped, joined by an escaped
			 * 0x1f, which no word can hold (the parser refuses
			 * control characters). */
			if (!op->argv)
				continue;
			sb_printf(sb, " %s=", f->key);
			for (size_t k = 0; k < op->argc; k++) {
				if (k)
					sb_add(sb, "%1f");
				put_escaped(sb, op->argv[k]);
			}
			continue;
		}
	}
}

static int unescape(struct arena *a, const char *s, size_t n, char **out)
{
	char *d = arena_alloc(a, n + 1), *o = d;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]))
			return -EINVAL;
		*o++ = (char)strtoul((char[]){ s[i + 1], s[i + 2], 0 }, NULL,
				     16);
		i += 2;
	}
	*o = '\0';
	*out = d;
	return 0;
}

static int decode_field(struct plan *p, struct op *op, const struct field *f,
			const char *v)
{
	char *s = (char *)op + f->off;
	const char *why;
	uint32_t u;

	if (f->flag_off)
		*(bool *)((char *)op + f->flag_off) = true;
	switch (f->type) {
	case F_STR:
		*(const char **)s = arena_strdup(&p->arena, v);
		return 0;
	case F_U32:
		return parse_u32(v, (uint32_t *)s) ? 0 : -EINVAL;
	case F_BOOL:
		*(bool *)s = !strcmp(v, "1");
		return 0;
	case F_U8:
		if (!parse_u32(v, &u) || u > 255)
			return -EINVAL;
		*(uint8_t *)s = (uint8_t)u;
		return 0;
	case F_TYPE:
		if (!parse_u32(v, &u) || u >= LK__COUNT)
			return -EINVAL;
		*(enum link_kind *)s = (enum link_kind)u;
		return 0;
	case F_PREFIX:
		return prefix_parse(v, (struct prefix *)s, true, &why) ?
			       -EINVAL :
			       0;
	case F_ARGV: {
		/* Words were joined by 0x1f, which no word holds. */
		size_t n = 1;

		for (const char *c = v; *c; c++)
			n += *c == 0x1f;
		op->argv = arena_alloc(&p->arena, (n + 1) * sizeof(char *));
		op->argc = n;
		for (size_t k = 0; k < n; k++) {
			size_t len = strcspn(v, "\x1f");

			op->argv[k] = arena_strndup(&p->arena, v, len);
			v += len + (v[len] != '\0');
		}
		return 0;
	}
	case F_MAC: {
		unsigned m[6];

		if (sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			return -EINVAL;
		for (int i = 0; i < 6; i++)
			((uint8_t *)s)[i] = (uint8_t)m[i];
		return 0;
	}
	}
	return -EINVAL;
}

int op_decode(struct plan *p, const char *line)
{
	struct op op = { 0 };
	const char *s = line;
	bool have_kind = false;

	while (*s) {
		size_t n = strcspn(s, " "), klen;
		const char *eq = memchr(s, '=', n);
		char *v;
		int rc = -EINVAL;

		if (!eq)
			return -EINVAL;
		klen = (size_t)(eq - s);
		if (unescape(&p->arena, eq + 1, n - klen - 1, &v))
			return -EINVAL;
		if (klen == 1 && *s == 'k') {
			for (int k = 0; k < OP__COUNT; k++)
				if (!strcmp(v, kind_names[k])) {
					op.kind = (enum op_kind)k;
					have_kind = true;
					rc = 0;
				}
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
				if (strlen(fields[i].key) == klen &&
				    !strncmp(fields[i].key, s, klen))
					rc = decode_field(p, &op, &fields[i],
							  v);
		}
		if (rc)
			return rc;
		s += n;
		while (*s == ' ')
			s++;
	}
	if (!have_kind)
		return -EINVAL;
	*plan_push(p, op.kind, op.link.ns) = op;
	return 0;
}

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
	    pwrite(st->lock_fd, buf, (size_t)n, 0) != n)
		return -errno;
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
	put_escaped(&st->pending, st->lab);
	sb_add(&st->pending, " file=");
	put_escaped(&st->pending, file);
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
	if (!unescape(&a, p, n, &v))
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
			    (!failed[seq] && op_decode(j->plan, line + off))) {
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
