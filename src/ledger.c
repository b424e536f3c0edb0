// SPDX-License-Identifier: MIT
/*
 * ledger.c - host sysctls shared by labs (see ledger.h).
 *
 * The file, /run/nstopo/.host-sysctl, is rewritten whole (a new file
 * renamed over it) under an flock of /run/nstopo/.host-sysctl.lock:
 *   nstopo-ledger 1
 *   k KEY VALUE ORIGINAL LAB[,LAB...]     a key, what labs set, what was
 *   i KEY SUBKEY ORIGINAL                 what SUBKEY had before KEY's
 *                                         first write copied to it
 *   = CHECK                               of every line above
 * Tokens are percent-encoded after a 'v', so an empty value is "v" and a
 * long one is whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger.h"
#include "netns.h"
#include "state.h"
#include "value.h"

#define LEDGER_FILE ".host-sysctl"
#define LEDGER_LOCK ".host-sysctl.lock"
#define LEDGER_MAX (16u << 20)

struct entry {
	char *key, *value, *original;
	char *holders; /* "LAB,LAB" */
};

struct iface_value {
	char *key, *subkey, *original;
};

struct ledger {
	int top, lock;
	struct arena arena;
	struct entry *e;
	size_t n_e, cap_e;
	struct iface_value *iv;
	size_t n_iv, cap_iv;
	bool changed;
};

bool sysctl_propagates(const char *key)
{
	static const char *const keys[] = {
		"net.ipv4.conf.all.forwarding",
		"net.ipv6.conf.all.forwarding",
		"net.ipv6.conf.all.disable_ipv6",
		"net.ipv6.conf.all.ignore_routes_with_linkdown",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* "net.ipv4.conf.all.forwarding" -> "ipv4", "forwarding" */
static void split_all_key(const char *key, char family[8], const char **leaf)
{
	snprintf(family, 8, "%.4s", key + 4);
	*leaf = key + strlen("net.ipv4.conf.all.");
}

static struct entry *find(const struct ledger *l, const char *key)
{
	for (size_t i = 0; i < l->n_e; i++)
		if (!strcmp(l->e[i].key, key))
			return &l->e[i];
	return NULL;
}

static bool holds(const char *holders, const char *lab)
{
	size_t n = strlen(lab);

	for (const char *p = holders; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, lab, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static uint64_t text_check(const char *s, size_t n)
{
	return hash_bytes(s, n);
}

/* Split @line into @n tokens (space-separated, each 'v' and escaped). */
static int tokens(struct arena *a, char *line, char **t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(line, " ");

		if (!len || line[0] != 'v' ||
		    unescape_pct(a, line + 1, len - 1, &t[i]))
			return -EBADMSG;
		line += len;
		if (*line == ' ')
			line++;
		else if (i + 1 < n)
			return -EBADMSG;
	}
	return *line ? -EBADMSG : 0;
}

static int parse(struct ledger *l, char *text, size_t len)
{
	char *end = text + len, *line = text, *check;
	unsigned long long want;

	if (!len)
		return 0;
	check = strstr(text, "\n= ");
	if (strncmp(text, "nstopo-ledger 1\n", 16) || !check)
		return -EBADMSG;
	want = strtoull(check + 3, NULL, 16);
	if (want != text_check(text, (size_t)(check + 1 - text)))
		return -EBADMSG;
	*check = '\0';
	line = strchr(text, '\n') + 1;
	while (line < end && *line) {
		char *nl = strchr(line, '\n'), *t[5];
		int rc;

		if (nl)
			*nl = '\0';
		if (line[0] == 'k' && line[1] == ' ') {
			rc = tokens(&l->arena, line + 2, t, 4);
			if (rc)
				return rc;
			*(struct entry *)vec_push(&l->arena, l->e, l->n_e,
						  l->cap_e) =
				(struct entry){ t[0], t[1], t[2], t[3] };
		} else if (line[0] == 'i' && line[1] == ' ') {
			rc = tokens(&l->arena, line + 2, t, 3);
			if (rc)
				return rc;
			*(struct iface_value *)vec_push(&l->arena, l->iv,
							l->n_iv, l->cap_iv) =
				(struct iface_value){ t[0], t[1], t[2] };
		} else {
			return -EBADMSG;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return 0;
}

int ledger_open(struct ledger **out)
{
	struct ledger *l = xcalloc(1, sizeof(*l));
	struct strbuf sb = { 0 };
	char buf[4096];
	ssize_t n;
	int fd, rc;

	l->lock = -1;
	l->top = rc = state_dir_open(true);
	if (rc < 0)
		goto fail;
	/* The last user unlinks the lock file: a lock taken on a file
	 * that is no longer at its path protects nothing; take it again. */
	for (int tries = 0;; tries++) {
		struct stat a, b;

		l->lock =
			openat(l->top, LEDGER_LOCK,
			       O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (l->lock < 0 || flock(l->lock, LOCK_EX)) {
			rc = -errno;
			goto fail;
		}
		if (!fstat(l->lock, &a) &&
		    !fstatat(l->top, LEDGER_LOCK, &b, AT_SYMLINK_NOFOLLOW) &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(l->lock);
		l->lock = -1;
		if (tries == 100) {
			rc = -EAGAIN;
			goto fail;
		}
	}
	fd = openat(l->top, LEDGER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		rc = -errno;
		goto fail;
	}
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0 &&
	       sb.len < LEDGER_MAX)
		sb_addn(&sb, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	rc = sb.len ? parse(l, sb.buf, sb.len) : 0;
	sb_free(&sb);
	if (rc)
		goto fail;
	*out = l;
	return 0;
fail:
	sb_free(&sb);
	*out = NULL;
	if (l->lock >= 0)
		close(l->lock);
	if (l->top >= 0)
		close(l->top);
	arena_free(&l->arena);
	free(l);
	return rc;
}

static void put_token(struct strbuf *sb, const char *s)
{
	sb_add(sb, " v");
	sb_add_escaped(sb, s);
}

static int write_back(struct ledger *l)
{
	struct strbuf sb = { 0 };
	int fd, rc = 0;

	if (!l->n_e) {
		if (unlinkat(l->top, LEDGER_FILE, 0) && errno != ENOENT)
			return -errno;
		return 0;
	}
	sb_add(&sb, "nstopo-ledger 1\n");
	for (size_t i = 0; i < l->n_e; i++) {
		const struct entry *e = &l->e[i];

		sb_addc(&sb, 'k');
		put_token(&sb, e->key);
		put_token(&sb, e->value);
		put_token(&sb, e->original);
		put_token(&sb, e->holders);
		sb_addc(&sb, '\n');
	}
	for (size_t i = 0; i < l->n_iv; i++) {
		const struct iface_value *v = &l->iv[i];

		if (!v->key)
			continue; /* released */
		sb_addc(&sb, 'i');
		put_token(&sb, v->key);
		put_token(&sb, v->subkey);
		put_token(&sb, v->original);
		sb_addc(&sb, '\n');
	}
	sb_printf(&sb, "= %016llx\n",
		  (unsigned long long)text_check(sb.buf, sb.len));
	fd = openat(l->top, LEDGER_FILE ".new",
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (!rc && renameat(l->top, LEDGER_FILE ".new", l->top, LEDGER_FILE))
		rc = -errno;
	sb_free(&sb);
	return rc;
}

int ledger_close(struct ledger *l)
{
	int rc = 0;

	if (!l)
		return 0;
	if (l->changed)
		rc = write_back(l);
	/* Nothing held: nothing of the ledger stays on the host. */
	if (!l->n_e && !unlinkat(l->top, LEDGER_LOCK, 0))
		rmdir(STATE_DIR); /* if no lab is left either */
	close(l->lock);		  /* the flock with it */
	close(l->top);
	arena_free(&l->arena);
	free(l);
	return rc;
}

const char *ledger_conflict(const struct ledger *l, const char *lab,
			    const char *key, const char *value)
{
	const struct entry *e = find(l, key);

	if (!e || !strcmp(e->value, value) || !*e->holders)
		return NULL;
	if (holds(e->holders, lab) && !strchr(e->holders, ','))
		return NULL; /* its own, from an earlier run */
	return e->holders;
}

/* What every interface (and default) has of @key's leaf, before. */
static int record_ifaces(struct ledger *l, const char *key)
{
	struct strbuf val = { 0 };
	char family[8], sub[96], **names;
	const char *leaf;
	size_t n;
	int rc = 0;

	split_all_key(key, family, &leaf);
	n = sysctl_conf_names(family, &names);
	for (size_t i = 0; i < n; i++) {
		sysctl_if_key(sub, sizeof(sub), family, names[i], leaf);
		if (!rc && !sysctl_read_whole(sub, &val))
			*(struct iface_value *)vec_push(&l->arena, l->iv,
							l->n_iv, l->cap_iv) =
				(struct iface_value){
					arena_strdup(&l->arena, key),
					arena_strdup(&l->arena, sub),
					arena_strdup(&l->arena, val.buf),
				};
		free(names[i]);
	}
	free(names);
	sb_free(&val);
	return rc;
}

int ledger_take(struct ledger *l, const char *lab, const char *key,
		const char *value)
{
	struct entry *e = find(l, key);
	struct strbuf now = { 0 };
	int rc;

	if (e && strcmp(e->value, value) && ledger_conflict(l, lab, key, value))
		return -EBUSY;
	if (e) {
		if (strcmp(e->value, value))
			e->value = arena_strdup(&l->arena, value);
		if (!holds(e->holders, lab))
			e->holders = *e->holders ?
					     arena_printf(&l->arena, "%s,%s",
							  e->holders, lab) :
					     arena_strdup(&l->arena, lab);
		l->changed = true;
		return 0;
	}
	rc = sysctl_read_whole(key, &now);
	if (!rc && sysctl_propagates(key))
		rc = record_ifaces(l, key);
	if (!rc) {
		*(struct entry *)vec_push(&l->arena, l->e, l->n_e, l->cap_e) =
			(struct entry){ arena_strdup(&l->arena, key),
					arena_strdup(&l->arena, value),
					arena_strdup(&l->arena, now.buf),
					arena_strdup(&l->arena, lab) };
		l->changed = true;
	}
	sb_free(&now);
	return rc;
}

/* @holders without @lab. */
static char *without(struct arena *a, const char *holders, const char *lab)
{
	struct strbuf sb = { 0 };
	size_t n = strlen(lab);
	char *out;

	for (const char *p = holders; *p;) {
		size_t len = strcspn(p, ",");

		if (len != n || strncmp(p, lab, n)) {
			if (sb.len)
				sb_addc(&sb, ',');
			sb_addn(&sb, p, len);
		}
		p += len + (p[len] == ',');
	}
	out = arena_strdup(a, sb.buf ? sb.buf : "");
	sb_free(&sb);
	return out;
}

int ledger_release(struct ledger *l, const char *lab, const char *key,
		   bool *restored)
{
	struct entry *e = find(l, key);
	int rc = 0;

	*restored = false;
	if (!e || !holds(e->holders, lab))
		return -ENOENT;
	e->holders = without(&l->arena, e->holders, lab);
	l->changed = true;
	if (*e->holders)
		return 0; /* another lab still wants it */
	/* The last one out: the key first (its write reaches every
	 * interface), then what each interface had. */
	rc = sysctl_write(key, e->original);
	for (size_t i = 0; i < l->n_iv; i++) {
		struct iface_value *v = &l->iv[i];
		int wrc;

		if (!v->key || strcmp(v->key, key))
			continue;
		wrc = sysctl_write(v->subkey, v->original);
		if (wrc && wrc != -ENOENT && !rc)
			rc = wrc; /* an interface gone since is fine */
		v->key = NULL;
	}
	*e = l->e[--l->n_e];
	*restored = !rc;
	return rc;
}
