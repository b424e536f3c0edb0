/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_UTIL_H
#define NSTOPO_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

/* Ownership hand-off: return *pp and clear it (bubblewrap's idiom). */
#define steal_pointer(pp)                     \
	({                                    \
		__typeof__(*(pp)) p_ = *(pp); \
		*(pp) = NULL;                 \
		p_;                           \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/*
 * An arena owns every allocation of one object graph (a topology, a plan)
 * so the graph is freed at once and nothing in it can leak on its own.
 */
struct arena {
	struct arena_block *head;
};

void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF(2, 3);
void arena_free(struct arena *a);

/*
 * Growable array of fixed-size items in an arena: doubling wastes the old
 * block, which is bounded by the final size.
 */
void *arena_grow(struct arena *a, void *items, size_t *cap, size_t n,
		 size_t size);
#define vec_push(a, arr, n, cap)                                      \
	((arr) = arena_grow((a), (arr), &(cap), (n), sizeof(*(arr))), \
	 &(arr)[(n)++])

/* String -> index map with open addressing; keys are not copied. */
struct strmap {
	struct strmap_slot *slots;
	size_t cap, len;
};

uint64_t hash_bytes(const void *p, size_t n);
int strmap_get(const struct strmap *m, const char *key);
/* Returns the existing index if the key is present, else inserts and -1. */
int strmap_put(struct strmap *m, const char *key, int value);
void strmap_free(struct strmap *m);

/* Growable string buffer (heap). */
struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_add(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) PRINTF(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF(2, 0);
void sb_json_str(struct strbuf *sb, const char *s);

/**
 * sb_json_kv() - append ,"KEY":"VALUE" (nothing if @v is NULL)
 */
void sb_json_kv(struct strbuf *sb, const char *k, const char *v);

/**
 * sb_add_escaped() - append @s percent-encoded: letters, digits and
 * "._:/@+,-" as they are, every other byte as %XX
 */
void sb_add_escaped(struct strbuf *sb, const char *s);

/**
 * unescape_pct() - the @n bytes at @s with %XX decoded
 * @a:		where the result is allocated
 * @out:	the result, NUL-terminated
 *
 * Return: 0, or -EINVAL for a '%' without two hex digits.
 */
int unescape_pct(struct arena *a, const char *s, size_t n, char **out);
/* @s as one word for sh: as it is when safe, else in single quotes. */
void sb_shell_word(struct strbuf *sb, const char *s);
void sb_free(struct strbuf *sb);

/* A position in an input file, 1-based; line 0 means "no position". */
struct pos {
	uint32_t line, col;
	/* A value reached through a YAML alias is placed at the alias;
	 * this is where it is written (in the anchored node), or 0. */
	uint32_t from_line, from_col;
};

/* Diagnostics collected while reading a file: all of them are reported. */
struct diag {
	struct pos pos;
	uint32_t seq;
	char *msg;
};

struct diags {
	const char *file;
	struct diag *v;
	size_t n, cap;
	size_t max; /* stop collecting after this many */
};

void diag_add(struct diags *d, struct pos pos, const char *fmt, ...)
	PRINTF(3, 4);
void diag_sort(struct diags *d);
void diag_print(const struct diags *d, FILE *f);
void diags_free(struct diags *d);

#define EDIT_MAX 64 /* longer words are never near one another */

/**
 * edit_distance() - Levenshtein distance of @a and @b, if at most @max
 * Return: the distance, or @max + 1 if it is more than @max (or either
 * word is longer than EDIT_MAX).
 */
size_t edit_distance(const char *a, const char *b, size_t max);
const char *nearest_word(const char *word, const char *const *words, size_t n);

bool parse_u32(const char *s, uint32_t *out);
double now_monotonic(void);

#endif
