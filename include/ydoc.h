/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_YDOC_H
#define NSTOPO_YDOC_H

#include "util.h"

/*
 * A YAML document as a small tree, every node with its position.  Built
 * from libyaml's event stream under fixed bounds, so a hostile file costs
 * bounded time and memory.
 */

/* Bounds; each is documented in man/nstopo.8 (LIMITS). */
#define YAML_MAX_FILE (16u << 20)   /* bytes in a file */
#define YAML_MAX_DEPTH 64u	    /* nested collections */
#define YAML_MAX_SCALAR 65536u	    /* bytes in one scalar */
#define YAML_MAX_NODES 4000000u	    /* nodes in a document */
#define YAML_MAX_EXPANSION 1000000u /* nodes reached through aliases */

enum ynode_kind {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
};

/* The explicit tag of a node (!!str, !!int...), if any. */
enum ytag {
	YT_NONE,
	YT_STR,
	YT_INT,
	YT_BOOL,
	YT_NULL,
	YT_FLOAT,
	YT_MAP,
	YT_SEQ,
};

struct ynode {
	enum ynode_kind kind;
	bool plain;  /* scalar: unquoted, so `null`, `~`, numbers apply */
	bool tagged; /* carries an explicit tag, e.g. !!str */
	enum ytag tag;
	/* Reached through an alias: pos is the alias's, pos.from_* where
	 * the value is written (in the anchored node). */
	struct pos pos;
	const char *str; /* scalar text, NUL-terminated */
	size_t len;	 /* scalar length (may contain NUL bytes) */
	/* Y_SEQ: n items; Y_MAP: n pairs, key i at items[2i], value 2i+1. */
	struct ynode **items;
	size_t n;
	size_t weight; /* nodes in this subtree, aliases expanded */
};

struct ydoc {
	struct arena arena;
	struct ynode *root; /* NULL for an empty document */
};

/**
 * yaml_load() - read and parse a whole file ("-" is standard input)
 * @path:	file to read (at most YAML_MAX_FILE bytes)
 * @doc:	the tree, owned by the caller: ydoc_free() it whatever this
 *		returns
 * @d:		errors go here, with file positions
 *
 * Return: 0, or -1 with at least one diagnostic added (doc->root is
 * then NULL).
 */
int yaml_load(const char *path, struct ydoc *doc, struct diags *d);

/**
 * yaml_load_buf() - yaml_load() from memory
 * @buf, @len:	the text (it may hold NUL bytes)
 * @doc:	the tree, owned by the caller: ydoc_free() it whatever this
 *		returns
 * @d:		errors go here, with positions in @buf
 *
 * Only one document is allowed, within the bounds above.
 * Return: 0, or -1 with at least one diagnostic added (doc->root is
 * then NULL).
 */
int yaml_load_buf(const char *buf, size_t len, struct ydoc *doc,
		  struct diags *d);

/**
 * ydoc_free() - free a tree and every node of it; NULL is fine
 *
 * @doc is empty after (doc->root is NULL).
 */
void ydoc_free(struct ydoc *doc);

/**
 * ynode_is_null() - is @n YAML's null: absent (NULL), or a plain scalar
 * that is empty, "~", "null", "Null" or "NULL"?
 * Return: true if so; a quoted "null" is a string, not null.
 */
bool ynode_is_null(const struct ynode *n);

/**
 * ynode_kind_name() - what @n is, for messages: "a scalar", "a sequence",
 * "a mapping" or "nothing (null)"
 * Return: the phrase (a constant string).
 */
const char *ynode_kind_name(const struct ynode *n);

/**
 * ytag_name() - a tag as a file writes it ("!!int"); "" for YT_NONE
 * Return: a static string.
 */
const char *ytag_name(enum ytag tag);

/**
 * yaml_int_text() - is @s an integer as YAML 1.1 writes one (decimal,
 * 0x hex, 0o or leading-0 octal, 0b binary, '_' between digits)?
 * Return: true if so.
 */
bool yaml_int_text(const char *s);

#endif
