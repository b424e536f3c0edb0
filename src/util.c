// SPDX-License-Identifier: MIT
/*
 * util.c - allocation, arenas, a string map, string buffers, diagnostics.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void oom(void)
{
	fputs("nstopo: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb.buf ? sb.buf : xstrdup("");
}

/* Arena */

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK (64 * 1024)

/* A block of its own for a big allocation of @n bytes, zeroed by calloc():
 * memory fresh from the kernel is not written, so a reservation counts in
 * the resident size only as it is used. */
static struct arena_block *big_block(size_t n)
{
	struct arena_block *big = xcalloc(1, sizeof(*big) + n);

	big->size = big->used = n;
	return big;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) & ~(align - 1);
	if (n > ARENA_BLOCK / 4 && (!b || b->size - b->used < n)) {
		/* Behind the current block, which keeps filling. */
		struct arena_block *big = big_block(n);

		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			big->next = NULL;
			a->head = big;
		}
		return big->data;
	}
	if (!b || b->size - b->used < n) {
		b = xmalloc(sizeof(*b) + ARENA_BLOCK);
		b->size = ARENA_BLOCK;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;

	b->used += n;
	return memset(p, 0, n);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	char *p;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	p = arena_strndup(a, sb.buf ? sb.buf : "", sb.len);
	sb_free(&sb);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a ? a->head : NULL;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	if (a)
		a->head = NULL;
}

void *arena_resize(struct arena *a, void *items, size_t old, size_t n)
{
	size_t align = sizeof(max_align_t);
	struct arena_block **at = &a->head;
	size_t held = (old + align - 1) & ~(align - 1);
	void *p;

	n = (n + align - 1) & ~(align - 1);
	/* An array in a block of its own (arena_alloc()'s big ones) moves
	 * to a bigger one, or shrinks in place, and leaves nothing behind;
	 * most arrays of a large lab are. */
	while (items && old > ARENA_BLOCK / 4 && *at &&
	       (void *)(*at)->data != items)
		at = &(*at)->next;
	if (items && old > ARENA_BLOCK / 4 && *at && n > ARENA_BLOCK / 4 &&
	    (*at)->size == held && (*at)->used == held) {
		struct arena_block *b = *at, *nb;

		if (n <= held) {
			nb = xrealloc(b, sizeof(*b) + n);
			nb->size = nb->used = n;
		} else {
			/* Not realloc(): the new part would have to be
			 * written to be zeroed. */
			nb = big_block(n);
			nb->next = b->next;
			memcpy(nb->data, b->data, held);
			free(b);
		}
		*at = nb;
		return nb->data;
	}
	p = arena_alloc(a, n);
	if (old && items)
		memcpy(p, items, old < n ? old : n);
	return p;
}

void *arena_grow(struct arena *a, void *items, size_t *cap, size_t n,
		 size_t size)
{
	size_t old = *cap * size;

	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 4;
	return arena_resize(a, n ? items : NULL, n ? old : 0, *cap * size);
}

/* String map */

struct strmap_slot {
	const char *key;
	uint64_t hash;
	int value;
};

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct strmap_slot *strmap_find(const struct strmap *m, const char *key,
				       uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && !strcmp(s->key, key)))
			return s;
	}
}

int strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s;

	if (!m->cap)
		return -1;
	s = strmap_find(m, key, hash_bytes(key, strlen(key)));
	return s->key ? s->value : -1;
}

int strmap_put(struct strmap *m, const char *key, int value)
{
	uint64_t h = hash_bytes(key, strlen(key));
	struct strmap_slot *s;

	if ((m->len + 1) * 2 > m->cap) {
		struct strmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 16;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].key)
				*strmap_find(m, old.slots[i].key,
					     old.slots[i].hash) = old.slots[i];
		free(old.slots);
	}
	s = strmap_find(m, key, h);
	if (s->key)
		return s->value;
	s->key = key;
	s->hash = h;
	s->value = value;
	m->len++;
	return -1;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

/* String buffer */

static void sb_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	while (sb->len + extra + 1 > sb->cap)
		sb->cap = sb->cap ? sb->cap * 2 : 64;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	sb_reserve(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			sb_addc(sb, '\\');
			sb_addc(sb, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
		} else {
			sb_addc(sb, (char)c);
		}
	}
	sb_addc(sb, '"');
}

void sb_json_kv(struct strbuf *sb, const char *k, const char *v)
{
	if (!v)
		return;
	sb_printf(sb, ",\"%s\":", k);
	sb_json_str(sb, v);
}

void sb_add_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("._:/@+,-", c))
			sb_addc(sb, (char)c);
		else
			sb_printf(sb, "%%%02x", c);
	}
}

int unescape_pct(struct arena *a, const char *s, size_t n, char **out)
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

void sb_shell_word(struct strbuf *sb, const char *s)
{
	bool safe = *s != '\0';

	for (const char *c = s; *c && safe; c++)
		safe = isalnum((unsigned char)*c) || strchr("@%+=:,./_-", *c);
	if (safe) {
		sb_add(sb, s);
		return;
	}
	sb_addc(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_add(sb, "'\\''");
		else
			sb_addc(sb, *s);
	}
	sb_addc(sb, '\'');
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

/* Diagnostics */

void diag_add(struct diags *d, struct pos pos, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	if (d->max && d->n >= d->max)
		return;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (!sb.buf) /* vsnprintf failed: the message is still a string */
		sb_add(&sb, "");
	if (pos.from_line)
		sb_printf(&sb, " (from the anchor at %u:%u)", pos.from_line,
			  pos.from_col);
	/* The same message at the same place (e.g. from a shared default)
	 * is said once. */
	for (size_t i = d->n; i-- > 0 && i + 8 >= d->n;)
		if (d->v[i].pos.line == pos.line &&
		    d->v[i].pos.col == pos.col &&
		    !strcmp(d->v[i].msg, sb.buf)) {
			sb_free(&sb);
			return;
		}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n].pos = pos;
	d->v[d->n].seq = (uint32_t)d->n;
	d->v[d->n].msg = sb.buf;
	d->n++;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
}

void diag_print(const struct diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *x = &d->v[i];

		if (x->pos.line)
			fprintf(f, "%s:%u:%u: %s\n", d->file, x->pos.line,
				x->pos.col, x->msg);
		else
			fprintf(f, "%s: %s\n", d->file, x->msg);
	}
	if (d->max && d->n >= d->max)
		fprintf(f, "%s: too many errors, stopped after %zu\n", d->file,
			d->n);
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

/* Suggestions */

/*
 * Only the band of width @max around the diagonal can hold a path of cost
 * @max or less, and a row whose band is all above @max ends the work: a
 * name is compared with thousands of others quickly.
 */
size_t edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), rows[2][EDIT_MAX + 2];
	size_t *prev = rows[0], *cur = rows[1], over;

	if (max > EDIT_MAX - 1)
		max = EDIT_MAX - 1;
	over = max + 1;
	if (la > EDIT_MAX || lb > EDIT_MAX || la > lb + max || lb > la + max)
		return over;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j < over ? j : over;
	for (size_t i = 1; i <= la; i++) {
		size_t lo = i > max ? i - max : 1;
		size_t hi = i + max < lb ? i + max : lb;
		size_t best = over, *swap;

		cur[lo - 1] = lo == 1 && i < over ? i : over;
		for (size_t j = lo; j <= hi; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d < over ? d : over;
			if (cur[j] < best)
				best = cur[j];
		}
		if (hi < lb)
			cur[hi + 1] = over;
		if (best == over)
			return over;
		swap = prev;
		prev = cur;
		cur = swap;
	}
	return prev[lb];
}

const char *nearest_word(const char *word, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t len = strlen(word), max = len < 4 ? 1 : len < 9 ? 2 : 3;
	size_t best_d = max + 1;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, words[i], max);

		if (d < best_d) {
			best_d = d;
			best = words[i];
		}
	}
	/* Only what is plausibly a typo of the word (best_d <= max). */
	return best;
}

bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

double now_monotonic(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ESRCH ||
	       err == -EADDRNOTAVAIL;
}

bool tolerable(int err)
{
	return !err || err == -EEXIST || gone(err);
}

bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}
