/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PREAD_H
#define NSTOPO_PREAD_H

#include "topo.h"
#include "ydoc.h"

/*
 * Reading a YAML tree into the model: the parse stages share a context,
 * a way to walk a mapping with a table of its keys, and readers for the
 * format's scalars.  Every reader reports what is wrong at the value's
 * position and returns -1; 0 when the value was read.
 */

struct pctx {
	struct topo *t;
	struct diags *d;
	bool extensions;   /* the top level: x-* keys are the user's own */
	struct node *node; /* the node being read, if any */
};

typedef int (*pread_fn)(struct pctx *c, void *obj, const struct ynode *key,
			const struct ynode *val);

/* One key of a mapping, and what reads its value into @obj. */
struct pread_key {
	const char *name;
	pread_fn fn;
};

/**
 * pread_fail() - report an error at @n's position
 * Return: -1.
 */
int pread_fail(struct pctx *c, const struct ynode *n, const char *fmt, ...)
	PRINTF(3, 4);

/**
 * pread_want() - is @n of @kind (a scalar that is not null)?
 * @what:	the value, for the message ("'mtu'", "a node's settings")
 *
 * Return: 0, or -1 (reported) if not.
 */
int pread_want(struct pctx *c, const struct ynode *n, enum ynode_kind kind,
	       const char *what);

/**
 * pread_suggest() - the word of @words that @word is plausibly a typo of
 * (a small edit distance, or two neighbours swapped)
 * Return: that word, or NULL.
 */
const char *pread_suggest(const char *word, const char *const *words, size_t n);

/**
 * pread_walk() - read mapping @m with a table of its keys
 * @what:	the mapping, for messages ("a node")
 * @keys:	its keys and their readers
 * @obj:	what the readers fill
 *
 * Every key is read; an unknown one is reported with the nearest known
 * one (or the list of them).  c->extensions (x-* keys are skipped)
 * holds for @m only: it is cleared before the readers run.
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int pread_walk(struct pctx *c, const struct ynode *m, const char *what,
	       const struct pread_key *keys, size_t n_keys, void *obj);

/**
 * pread_has() - does mapping @m have key @key?
 * Return: true if so.
 */
bool pread_has(const struct ynode *m, const char *key);

/**
 * pread_get() - the value of key @key of mapping @m
 * Return: the value, or NULL if @m has no such key.
 */
const struct ynode *pread_get(const struct ynode *m, const char *key);

/**
 * pread_str() - a scalar's text, copied into the topology
 * Return: 0, or -1 (reported).
 */
int pread_str(struct pctx *c, const struct ynode *n, const char *what,
	      const char **out);

/**
 * pread_u32() - an integer from @min to @max
 * Return: 0, or -1 (reported).
 */
int pread_u32(struct pctx *c, const struct ynode *n, const char *what,
	      uint32_t min, uint32_t max, uint32_t *out);

/**
 * pread_bool_value() - what a plain scalar says as a boolean: true, yes,
 * on (any case) are 1; false, no, off are 0
 * Return: 1, 0, or -1 if it is no boolean.
 */
int pread_bool_value(const char *s);

/**
 * pread_bool() - true/false (yes/no, on/off, any case)
 * Return: 0, or -1 (reported).
 */
int pread_bool(struct pctx *c, const struct ynode *n, const char *what,
	       bool *out);

/**
 * pread_prefix() - an address, with or without a prefix length
 * @need_len:	as for prefix_parse()
 *
 * Return: 0, or -1 (reported).
 */
int pread_prefix(struct pctx *c, const struct ynode *n, const char *what,
		 bool need_len, struct prefix *p);

/**
 * pread_ifname() - an interface name the kernel takes
 * Return: 0, or -1 (reported).
 */
int pread_ifname(struct pctx *c, const struct ynode *n, const char *what,
		 const char **out);

/**
 * pread_duration() - "10ms", "1.5ms", "250us", "2s" (at most 60 s); a
 * bare number is milliseconds
 * @us:		the time in microseconds
 *
 * Return: 0, or -1 (reported).
 */
int pread_duration(struct pctx *c, const struct ynode *v, const char *what,
		   uint32_t *us);

/**
 * pread_timeout() - a time with its unit, as pread_duration() reads it
 * ("10s", "1.5s", "500ms"), from 1 ms to GATE_TIMEOUT_MAX
 * @ms:		the time in milliseconds
 *
 * Return: 0, or -1 (reported).
 */
int pread_timeout(struct pctx *c, const struct ynode *v, const char *what,
		  uint32_t *ms);

/**
 * pread_percent() - "1%", "0.5%", or a bare number of percent, 0 to 100
 * Return: 0, or -1 (reported).
 */
int pread_percent(struct pctx *c, const struct ynode *v, const char *what,
		  double *pct);

#endif
