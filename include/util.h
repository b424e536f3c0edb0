/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_UTIL_H
#define NSTOPO_UTIL_H

#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))
#define NONNULL_RET __attribute__((returns_nonnull))

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

/*
 * The allocators below abort the program with "nstopo: out of memory"
 * when memory runs out: they never return NULL.  A size of 0 allocates
 * one byte.
 */

/**
 * xmalloc() - malloc() that cannot fail
 * Return: @n bytes, not initialised; free() them.
 */
void *xmalloc(size_t n);

/**
 * thread_start_quiet() - start a thread with every signal blocked (they
 * are the main thread's business)
 * @t:		the thread, set on success
 * @fn:		what it runs
 * @arg:	its argument
 *
 * Return: 0 or -errno.
 */
int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg);

/**
 * xcalloc() - calloc() that cannot fail
 * Return: @n items of @size bytes, zeroed; free() them.
 */
void *xcalloc(size_t n, size_t size);

/**
 * xrealloc() - realloc() that cannot fail
 * Return: @p resized to @n bytes (maybe moved).
 */
void *xrealloc(void *p, size_t n);

/**
 * xstrdup() - strdup() that cannot fail
 * Return: a copy of @s; free() it.
 */
char *xstrdup(const char *s);

/**
 * xasprintf() - a string formatted as printf() does, that cannot fail
 * Return: the string (malloc'd; "" if the format fails); free() it.
 */
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/*
 * An arena owns every allocation of one object graph (a topology, a plan)
 * so the graph is freed at once and nothing in it can leak on its own.
 */
struct arena {
	struct arena_block *head;
};

/**
 * arena_alloc() - @n bytes that live as long as @a
 * @a:		the arena; a zeroed struct arena is an empty one
 *
 * Aborts when memory runs out, as xmalloc().
 * Return: the bytes, zeroed and aligned for any type.
 */
void *arena_alloc(struct arena *a, size_t n) NONNULL_RET;

/**
 * arena_strndup() - a copy of the @n bytes at @s, NUL-terminated, in @a
 * Return: the copy.
 */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/**
 * arena_strdup() - a copy of @s in @a
 * Return: the copy.
 */
char *arena_strdup(struct arena *a, const char *s);

/**
 * arena_printf() - a string formatted as printf() does, in @a
 * Return: the string ("" if the format fails).
 */
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF(2, 3);

/**
 * arena_free() - free every allocation of @a at once; @a may be NULL
 *
 * @a is left empty, ready for use again.
 */
void arena_free(struct arena *a);

/**
 * arena_resize() - an array of @a made @n bytes long, with its first bytes
 * (of @old, its length now) kept
 * @a:		the arena
 * @items:	the array, or NULL
 * @old:	its length in bytes (0 for NULL)
 * @n:		the length wanted
 *
 * An array that has an arena block of its own (one of more than 16 KiB)
 * grows into a new block, the old one freed, or shrinks in place, giving
 * memory back.  Any other is copied into a new allocation of @a, its old
 * copy left in the arena.
 * Return: the array, with bytes past @old zeroed.
 */
void *arena_resize(struct arena *a, void *items, size_t old,
		   size_t n) NONNULL_RET;

/**
 * arena_grow() - make room for one item more in a growable array of
 * fixed-size items in an arena (vec_push())
 * @a:		the arena
 * @items:	the array, or NULL
 * @cap:	its capacity in items, doubled (from 4) when it is full
 * @n:		the items it holds
 * @size:	the size of one item
 *
 * An array in a block of its own grows in place (arena_resize()); a
 * small one leaves its old copy in the arena, bounded by its final size.
 * Return: @items if it had room, else the new array, with the @n items
 * copied and the rest zeroed.
 */
void *arena_grow(struct arena *a, void *items, size_t *cap, size_t n,
		 size_t size) NONNULL_RET;
#define vec_push(a, arr, n, cap)                                      \
	((arr) = arena_grow((a), (arr), &(cap), (n), sizeof(*(arr))), \
	 &(arr)[(n)++])

/* String -> index map with open addressing; keys are not copied. */
struct strmap {
	struct strmap_slot *slots;
	size_t cap, len;
};

/**
 * hash_bytes() - the 64-bit FNV-1a hash of the @n bytes at @p
 * Return: the hash.
 */
uint64_t hash_bytes(const void *p, size_t n);

/**
 * strmap_get() - the value of @key in @m
 * @m:		the map; a zeroed struct strmap is an empty one
 *
 * Return: the value, or -1 if @key is not in @m.
 */
int strmap_get(const struct strmap *m, const char *key);

/**
 * strmap_put() - insert @key with @value, unless @key is there already
 * @key:	not copied: it must live as long as @m
 * @value:	its value; use one >= 0, as -1 says "absent"
 *
 * Return: the existing value if the key is present (it is not
 * replaced), else -1 (inserted).
 */
int strmap_put(struct strmap *m, const char *key, int value);

/**
 * strmap_free() - free @m's table (not its keys); @m is empty after
 */
void strmap_free(struct strmap *m);

/* Growable string buffer (heap). */
struct strbuf {
	char *buf;
	size_t len, cap;
};

/*
 * A zeroed struct strbuf is an empty one (its buf is NULL until something
 * is added); sb->buf is NUL-terminated once it is not.  Appending aborts
 * when memory runs out, as xmalloc().
 */

/**
 * sb_addn() - append the @n bytes at @s
 */
void sb_addn(struct strbuf *sb, const char *s, size_t n);

/**
 * sb_add() - append string @s
 */
void sb_add(struct strbuf *sb, const char *s);

/**
 * sb_addc() - append character @c
 */
void sb_addc(struct strbuf *sb, char c);

/**
 * sb_printf() - append text formatted as printf() does (nothing if the
 * format fails)
 */
void sb_printf(struct strbuf *sb, const char *fmt, ...) PRINTF(2, 3);

/**
 * sb_vprintf() - sb_printf() with a va_list
 */
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF(2, 0);

/**
 * sb_json_str() - append @s as a JSON string, in double quotes
 *
 * '"' and '\' are escaped, control characters and DEL written \u00XX;
 * other bytes go as they are (@s should be UTF-8).
 */
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
 * Return: 0, or -EINVAL for a '%' without two hex digits (@out is then
 * not set).
 */
int unescape_pct(struct arena *a, const char *s, size_t n, char **out);

/**
 * sb_shell_word() - append @s as one word for sh: as it is when safe
 * (letters, digits and "@%+=:,./_-"), else in single quotes (and "" as
 * '')
 */
void sb_shell_word(struct strbuf *sb, const char *s);

/**
 * sb_free() - free @sb's text; @sb is empty after, ready for use again
 */
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

/**
 * diag_add() - add a message, formatted as printf() does, at @pos
 * @pos:	where in d->file; line 0: none
 *
 * Nothing is added once d->max messages are (if d->max is not 0), nor
 * the same message at the same position as one of the last eight.
 */
void diag_add(struct diags *d, struct pos pos, const char *fmt, ...)
	PRINTF(3, 4);

/**
 * diag_sort() - sort the messages by position, those at one position in
 * the order they were added
 */
void diag_sort(struct diags *d);

/**
 * diag_print() - write each message as "FILE:LINE:COL: MESSAGE" (or
 * "FILE: MESSAGE" without a position), in the order they are in, and say
 * so if d->max stopped the collection
 */
void diag_print(const struct diags *d, FILE *f);

/**
 * diags_free() - free the messages; @d is empty after (d->file and d->max
 * stay)
 */
void diags_free(struct diags *d);

#define EDIT_MAX 64 /* longer words are never near one another */

/**
 * edit_distance() - Levenshtein distance of @a and @b, if at most @max
 *
 * A @max over EDIT_MAX - 1 counts as EDIT_MAX - 1.
 * Return: the distance, or @max + 1 if it is more than @max (or either
 * word is longer than EDIT_MAX).
 */
size_t edit_distance(const char *a, const char *b, size_t max);

/**
 * nearest_word() - the word of @words that @word is plausibly a typo of
 * @words, @n:	the known words
 *
 * Plausibly: an edit distance of 1 for a word of up to 3 characters, 2
 * up to 8, 3 beyond; the nearest wins, the first of them on a tie.
 * Return: that word, or NULL if none is near enough.
 */
const char *nearest_word(const char *word, const char *const *words, size_t n);

/**
 * parse_u32() - read a decimal number, digits only (no sign, no space)
 * @out:	the number; not set on failure
 *
 * Return: true if @s is such a number and fits 32 bits.
 */
bool parse_u32(const char *s, uint32_t *out);

/**
 * now_monotonic() - the time of CLOCK_MONOTONIC
 * Return: seconds, with a fraction.
 */
double now_monotonic(void);

/**
 * gone() - is @err (a -errno) what the kernel says of an object that is
 * not there?
 * Return: true for -ENOENT, -ENODEV, -ESRCH, -EADDRNOTAVAIL.
 */
bool gone(int err);

/**
 * tolerable() - 0, "exists already" (-EEXIST) or "is gone" (gone()):
 * fine when making a state true that may be true already
 * Return: true if so.
 */
bool tolerable(int err);

/**
 * str_same() - whether two strings are the same, NULL only the same as
 * NULL (a namespace's name, NULL for the host's)
 * @a:		one
 * @b:		the other
 *
 * Return: true if they are.
 */
bool str_same(const char *a, const char *b);

#endif
