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

struct pread_key;

struct pctx {
	struct topo *t;
	struct diags *d;
	bool extensions;   /* the top level: x-* keys are the user's own */
	struct node *node; /* the node being read, if any */
	const struct pread_key *key; /* the key whose reader runs */
};

typedef int (*pread_fn)(struct pctx *c, void *obj, const struct ynode *key,
			const struct ynode *val);

/*
 * What a value of the format is: its type, range, choices or keys.  The
 * readers check a value against its shape (pread_key_*() take the range
 * and the choices from it), and `nstopo schema` writes the same shapes
 * as a JSON Schema (schema.c): one description, so the two cannot part.
 */
enum pshape_kind {
	PS_ANY,	   /* anything at all (x-* keys) */
	PS_SCALAR, /* a string, number or boolean; not null */
	PS_STRING, /* text matching .pattern and not .not_pattern */
	PS_INT,	   /* an integer from .min to .max, quoted or not */
	PS_NUMBER, /* a number from .min to .max, or text matching .pattern */
	PS_BOOL,   /* true/false, yes/no, on/off, any case, quoted or not */
	PS_ENUM,   /* one of the words .names() gives */
	PS_MAP,	   /* a mapping of the keys .keys */
	PS_DICT,   /* a mapping of names (.name) to values (.item) */
	PS_SEQ,	   /* a sequence of .item */
};

#define PSHAPE_NAMES_MAX 16 /* words of one PS_ENUM */

struct pvariant;

struct pshape {
	enum pshape_kind kind;
	const char *desc; /* what it is, for editors; NULL: the key's says */
	bool nullable;	  /* null (an empty value) is taken too */
	/* PS_INT, PS_NUMBER: the range (a number's bare form) */
	double min, max;
	/* PS_STRING, PS_NUMBER (its text form): an ECMA-262 regular
	 * expression, anchored.  The readers of PS_NUMBER check it with
	 * regcomp(3), so it keeps to what POSIX ERE reads the same way. */
	const char *pattern;
	const char *not_pattern; /* PS_STRING: it may not match this one */
	size_t min_len, max_len; /* PS_STRING; max 0: no bound */
	/* PS_ENUM: the words, into @out (PSHAPE_NAMES_MAX); a word of
	 * digits is an integer in YAML and may be written so */
	size_t (*names)(const char **out);
	/* PS_MAP */
	const struct pread_key *keys;
	size_t n_keys;
	bool extensions; /* x-* keys are the user's own */
	/* PS_MAP: rules that depend on the value of key .switch_key (a
	 * link's kind), into @out, at most @max */
	const char *switch_key;
	size_t (*variants)(struct pvariant *out, size_t max);
	/* PS_DICT: the names' shape; PS_DICT, PS_SEQ: the values' */
	const struct pshape *name, *item;
	size_t min_items, max_items; /* PS_SEQ; max 0: no bound */
	const struct pshape * or ;   /* another shape taken as well */
};

/*
 * A rule of a mapping that holds when its .switch_key is .value (NULL:
 * when it is absent): the keys it then needs, the keys it may not have,
 * and narrower choices or range for one key each.
 */
struct pvariant {
	const char *value;
	const char *required[4]; /* NULL-terminated */
	const char *forbidden[12];
	const char *enum_key; /* takes only .enums (NULL-terminated) */
	const char *enums[PSHAPE_NAMES_MAX + 1];
	const char *range_key; /* an integer from .min to .max */
	uint32_t min, max;
};

/* One key of a mapping, and what reads its value into @obj. */
struct pread_key {
	const char *name;
	pread_fn fn;
	const struct pshape *shape; /* NULL: not described (PS_ANY) */
	const char *desc;	    /* one sentence, for editors */
	bool required;		    /* the mapping must have it */
};

/* Shapes more than one mapping uses. */
extern const struct pshape pshape_bool;	       /* true/false */
extern const struct pshape pshape_ifname;      /* an interface name */
extern const struct pshape pshape_address;     /* an address, no length */
extern const struct pshape pshape_prefix;      /* ADDRESS/LENGTH */
extern const struct pshape pshape_dest;	       /* ADDRESS[/LENGTH] */
extern const struct pshape pshape_duration;    /* 10ms, 250us, 1s */
extern const struct pshape pshape_timeout;     /* 10s, 500ms: a unit */
extern const struct pshape pshape_percent;     /* 1%, 0.5 */
extern const struct pshape pshape_socket;      /* [NODE:]ADDR:PORT */
extern const struct pshape pshape_node_socket; /* NODE:ADDR:PORT */

/**
 * pread_missing() - the first key of @keys that mapping @m must have
 * and has not
 * Return: its row, or NULL if none is missing.
 */
const struct pread_key *pread_missing(const struct ynode *m,
				      const struct pread_key *keys,
				      size_t n_keys);

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
 * pread_leading_zero() - refuse a number written with a leading zero
 * (`01500`): YAML 1.1 reads it as octal, so the format refuses it
 * everywhere rather than guess
 * Return: 0, or -1 (reported).
 */
int pread_leading_zero(struct pctx *c, const struct ynode *n, const char *what);

/**
 * pread_u32() - an integer from @min to @max, in decimal, with no tag
 * but !!int
 * Return: 0, or -1 (reported).
 */
int pread_u32(struct pctx *c, const struct ynode *n, const char *what,
	      uint32_t min, uint32_t max, uint32_t *out);

/**
 * pread_key_u32() - the value of the key being read (c->key): an integer
 * in the range of its shape (PS_INT)
 * Return: 0, or -1 (reported).
 */
int pread_key_u32(struct pctx *c, const struct ynode *n, uint32_t *out);

/**
 * pread_key_bool() - the value of the key being read: a boolean
 * Return: 0, or -1 (reported).
 */
int pread_key_bool(struct pctx *c, const struct ynode *n, bool *out);

/**
 * pread_key_enum() - the value of the key being read: one of the words
 * of its shape (PS_ENUM, or its .or)
 * @what:	the value, for the message ("route type")
 *
 * A word not known is reported with the nearest known one, or the list.
 * Return: the word's index in the shape's names(), or -1 (reported).
 */
int pread_key_enum(struct pctx *c, const struct ynode *n, const char *what);

/**
 * pshape_find() - the index of word @word in the names of @s (PS_ENUM)
 * Return: the index, or -1 if @s has no such word.
 */
int pshape_find(const struct pshape *s, const char *word);

/**
 * pread_bool_names() - the words a boolean is written with: true, yes,
 * on, then false, no, off (any case)
 * @out:	filled with the six words
 *
 * Return: 6.
 */
size_t pread_bool_names(const char **out);

/**
 * pread_pattern() - does scalar @n match the pattern of @s (a PS_NUMBER's
 * text form, POSIX extended syntax)?
 * Return: true if so (or if @s has no pattern).
 */
bool pread_pattern(const struct pshape *s, const struct ynode *n);

/**
 * pread_bool_value() - what a plain scalar says as a boolean: true, yes,
 * on (any case) are 1; false, no, off are 0
 * Return: 1, 0, or -1 if it is no boolean.
 */
int pread_bool_value(const char *s);

/**
 * pread_bool() - true/false (yes/no, on/off, any case), with no tag but
 * !!bool
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
