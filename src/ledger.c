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

/*
 * Keys whose write the kernel copies to others: to the same key of
 * "default" and of every interface (net/ipv4/devinet.c inet_forward_change(),
 * net/ipv6/addrconf.c addrconf_fixup_forwarding(), addrconf_disable_ipv6(),
 * addrconf_fixup_linkdown(), the addr_gen_mode and force_forwarding
 * handlers).  IPv4 copies only when the value changes, IPv6 (but
 * force_forwarding) on every write; IPv4's also sets all.accept_redirects
 * to the opposite.  net.ipv4.ip_forward is conf.all.forwarding under
 * another name: one variable of the kernel, one key of the ledger.
 */
struct spread {
	const char *key;
	const char *same_as; /* the ledger's name for it, or NULL */
	const char *family, *leaf;
	const char *also; /* set to the opposite of the value, or NULL */
};

static const struct spread spreads[] = {
	{ "net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "ipv4",
	  "forwarding", "net.ipv4.conf.all.accept_redirects" },
	{ "net.ipv4.conf.all.forwarding", NULL, "ipv4", "forwarding",
	  "net.ipv4.conf.all.accept_redirects" },
	{ "net.ipv6.conf.all.forwarding", NULL, "ipv6", "forwarding", NULL },
	{ "net.ipv6.conf.all.force_forwarding", NULL, "ipv6",
	  "force_forwarding", NULL },
	{ "net.ipv6.conf.all.disable_ipv6", NULL, "ipv6", "disable_ipv6",
	  NULL },
	{ "net.ipv6.conf.all.ignore_routes_with_linkdown", NULL, "ipv6",
	  "ignore_routes_with_linkdown", NULL },
	{ "net.ipv6.conf.all.addr_gen_mode", NULL, "ipv6", "addr_gen_mode",
	  NULL },
};

static const struct spread *spread_of(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(spreads); i++)
		if (!strcmp(key, spreads[i].key))
			return &spreads[i];
	return NULL;
}

bool sysctl_propagates(const char *key)
{
	return spread_of(key) != NULL;
}

const char *ledger_key(const char *key)
{
	const struct spread *s = spread_of(key);

	return s && s->same_as ? s->same_as : key;
}

/* The next field of @s (white space apart), its length in *n. */
static const char *field(const char *s, size_t *n)
{
	s += strspn(s, " \t\n");
	*n = strcspn(s, " \t\n");
	return s;
}

bool sysctl_same(const char *a, const char *b)
{
	size_t na, nb;

	for (;;) {
		a = field(a, &na);
		b = field(b, &nb);
		if (na != nb || memcmp(a, b, na))
			return false;
		if (!na)
			return true;
		a += na;
		b += nb;
	}
}

static struct entry *find(const struct ledger *l, const char *key)
{
	key = ledger_key(key);
	for (size_t i = 0; i < l->n_e; i++)
		if (!strcmp(ledger_key(l->e[i].key), key))
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

	if (!e || sysctl_same(e->value, value) || !*e->holders)
		return NULL;
	if (holds(e->holders, lab) && !strchr(e->holders, ','))
		return NULL; /* its own, from an earlier run */
	return e->holders;
}

/*
 * The keys a write of @s's key reaches, now: its leaf in "default" and in
 * every interface, and the other key it sets; pushed on @v (in @a).
 */
static void subkeys(const struct spread *s, struct arena *a, char ***v,
		    size_t *n, size_t *cap)
{
	char sub[128], **names;
	size_t k = sysctl_conf_names(s->family, &names);

	for (size_t i = 0; i < k; i++) {
		sysctl_if_key(sub, sizeof(sub), s->family, names[i], s->leaf);
		*(char **)vec_push(a, *v, *n, *cap) = arena_strdup(a, sub);
		free(names[i]);
	}
	free(names);
	if (s->also)
		*(char **)vec_push(a, *v, *n, *cap) = arena_strdup(a, s->also);
}

/* What each key a write of @key reaches has, before. */
static void record_subkeys(struct ledger *l, const char *key)
{
	const struct spread *s = spread_of(key);
	struct strbuf val = { 0 };
	char **subs = NULL;
	size_t n = 0, cap = 0;

	if (s)
		subkeys(s, &l->arena, &subs, &n, &cap);

	for (size_t i = 0; i < n; i++)
		if (!sysctl_read_whole(subs[i], &val))
			*(struct iface_value *)vec_push(&l->arena, l->iv,
							l->n_iv, l->cap_iv) =
				(struct iface_value){
					arena_strdup(&l->arena, key),
					subs[i],
					arena_strdup(&l->arena, val.buf),
				};
	sb_free(&val);
}

int ledger_take(struct ledger *l, const char *lab, const char *key,
		const char *value)
{
	struct entry *e = find(l, key);
	struct strbuf now = { 0 };
	int rc;

	if (e && ledger_conflict(l, lab, key, value))
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
	/* One name per variable of the kernel (ip_forward's is
	 * conf.all.forwarding's). */
	key = ledger_key(key);
	rc = sysctl_read_whole(key, &now);
	if (!rc) {
		record_subkeys(l, key);
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

/* What @e's write left in @subkey: its value, or for the other key it
 * sets, the opposite. */
static const char *left_in(const struct spread *s, const struct entry *e,
			   const char *subkey)
{
	if (s && s->also && !strcmp(subkey, s->also))
		return strtol(e->value, NULL, 10) ? "0" : "1";
	return e->value;
}

/* The value @e recorded for @subkey before its first write, or NULL. */
static const char *recorded(const struct ledger *l, const struct entry *e,
			    const char *subkey)
{
	for (size_t i = 0; i < l->n_iv; i++)
		if (l->iv[i].key && !strcmp(l->iv[i].key, e->key) &&
		    !strcmp(l->iv[i].subkey, subkey))
			return l->iv[i].original;
	return NULL;
}

struct sub_now {
	const char *key;
	const char *was; /* before the key is written back; NULL: none */
};

/*
 * What the keys @e's write reaches have now, before the key is written
 * back (which copies the original over them all): the recorded ones and
 * those of interfaces made since.
 */
static size_t snapshot(const struct ledger *l, const struct entry *e,
		       struct arena *a, struct sub_now **out)
{
	const struct spread *s = spread_of(e->key);
	struct strbuf val = { 0 };
	struct strmap seen = { 0 };
	size_t n = 0, cap = 0, k = 0, cap_k = 0;
	char **subs = NULL;

	*out = NULL;
	if (s)
		subkeys(s, a, &subs, &k, &cap_k);
	for (size_t i = 0; i < l->n_iv; i++)
		if (l->iv[i].key && !strcmp(l->iv[i].key, e->key))
			*(char **)vec_push(a, subs, k, cap_k) = l->iv[i].subkey;
	for (size_t i = 0; i < k; i++) {
		if (strmap_get(&seen, subs[i]) >= 0)
			continue;
		strmap_put(&seen, subs[i], 0);
		*(struct sub_now *)vec_push(a, *out, n, cap) = (struct sub_now){
			subs[i],
			sysctl_read_whole(subs[i], &val) ?
				NULL :
				arena_strdup(a, val.buf),
		};
	}
	strmap_free(&seen);
	sb_free(&val);
	return n;
}

/*
 * The last lab out: @e's original goes back if the key still has the
 * value the labs set (else it is left, with a warning), and each key its
 * write reached gets what it had: the value recorded, if the write's is
 * still there; what someone set since, if not.
 */
static int restore(const struct ledger *l, const struct entry *e,
		   const char *lab, ledger_warn_fn *warn, void *arg,
		   bool *written)
{
	const struct spread *s = spread_of(e->key);
	struct strbuf now = { 0 }, msg = { 0 };
	struct arena a = { 0 };
	struct sub_now *subs;
	size_t n;
	int rc = sysctl_read_whole(e->key, &now);

	if (rc == -ENOENT)
		rc = 0; /* an interface's key, gone with it */
	if (rc || !now.buf)
		goto out;
	if (!sysctl_same(now.buf, e->value)) {
		sb_printf(
			&msg,
			"sysctl %s is '%s' now, not the '%s' lab %s set: left as it is",
			e->key, now.buf, e->value, lab);
		warn(arg, msg.buf);
		goto out;
	}
	n = snapshot(l, e, &a, &subs);
	rc = sysctl_write(e->key, e->original);
	*written = !rc;
	for (size_t i = 0; *written && i < n; i++) {
		const char *was = subs[i].was,
			   *set = left_in(s, e, subs[i].key),
			   *before = recorded(l, e, subs[i].key), *want;
		int wrc;

		if (!was)
			continue; /* no such key (any more) */
		if (sysctl_same(was, set)) {
			want = before; /* none: as the key's write put it */
		} else {
			want = was; /* someone else's since, or the host's */
			if (before && !sysctl_same(was, before)) {
				msg.len = 0;
				sb_printf(
					&msg,
					"sysctl %s is '%s' now, not the '%s' lab %s set (through %s): left as it is",
					subs[i].key, was, set, lab, e->key);
				warn(arg, msg.buf);
			}
		}
		if (!want || (!sysctl_read_whole(subs[i].key, &now) &&
			      sysctl_same(now.buf, want)))
			continue;
		/* An interface gone since is fine. */
		wrc = sysctl_write(subs[i].key, want);
		if (wrc && wrc != -ENOENT && !rc)
			rc = wrc;
	}
out:
	sb_free(&now);
	sb_free(&msg);
	arena_free(&a);
	return rc;
}

/* Forget @e, and what its write reached. */
static void drop(struct ledger *l, struct entry *e)
{
	for (size_t i = 0; i < l->n_iv; i++)
		if (l->iv[i].key && !strcmp(l->iv[i].key, e->key))
			l->iv[i].key = NULL;
	*e = l->e[--l->n_e];
	l->changed = true;
}

int ledger_release(struct ledger *l, const char *lab, const char *key,
		   ledger_warn_fn *warn, void *arg, bool *restored)
{
	struct entry *e = find(l, key);
	bool written = false;
	char *rest;
	int rc;

	*restored = false;
	if (!e || !holds(e->holders, lab))
		return -ENOENT;
	rest = without(&l->arena, e->holders, lab);
	if (*rest) {
		e->holders = rest; /* another lab still wants it */
		l->changed = true;
		return 0;
	}
	rc = restore(l, e, lab, warn, arg, &written);
	/* Kept if the key could not be written: destroy tries again. */
	if (rc && !written)
		return rc;
	drop(l, e);
	*restored = written;
	return rc;
}

int ledger_release_lab(struct ledger *l, const char *lab, ledger_warn_fn *warn,
		       void *arg, size_t *released)
{
	bool restored;
	int rc = 0;

	*released = 0;
	/* A release takes the entry out (the last one moves to its
	 * place) or the lab out of its holders; one that could not be
	 * written stays as it was, and is passed. */
	for (size_t i = 0; i < l->n_e;) {
		const char *key = l->e[i].key;
		int err;

		if (!holds(l->e[i].holders, lab)) {
			i++;
			continue;
		}
		err = ledger_release(l, lab, key, warn, arg, &restored);
		if (i < l->n_e && l->e[i].key == key &&
		    holds(l->e[i].holders, lab)) {
			rc = rc ? rc : err;
			i++;
			continue;
		}
		rc = rc ? rc : err;
		(*released)++;
	}
	return rc;
}
