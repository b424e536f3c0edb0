/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_OPKIND_H
#define NSTOPO_OPKIND_H

#include "op.h"

/*
 * The op kinds' descriptions (op.h), and what works on any op through
 * them: its text, its JSON, its journal line, comparing two ops.
 */

/**
 * op_desc() - the description of an op kind
 * Return: its struct op_desc.
 */
const struct op_desc *op_desc(enum op_kind kind);

/**
 * op_kind_find() - the kind a journal or JSON name means
 * Return: the kind, or -1 if @name is no op kind's.
 */
int op_kind_find(const char *name);

/**
 * op_is_undo() - does an op of @kind take something away?
 * Return: true for the kinds of a destroy (netns.del, link.del...).
 */
bool op_is_undo(enum op_kind kind);

/**
 * op_format() - "link add eth0 type veth peer eth0 netns h1 @r1"
 * @op:		the op
 * @sb:		the text is appended here
 */
void op_format(const struct op *op, struct strbuf *sb);

/**
 * op_json() - the op as one JSON object (with its text in "text")
 * @op:		the op
 * @sb:		the object is appended here
 */
void op_json(const struct op *op, struct strbuf *sb);

/**
 * op_same() - do two ops do the same thing?
 *
 * Field by field, every field its kind's description lists, never
 * through their printed form; what a run learns (a sysctl's old value)
 * is not compared.
 * Return: true if @a and @b are of one kind with equal fields.
 */
bool op_same(const struct op *a, const struct op *b);

/**
 * op_same_key() - the fields op_same() compares, as a key
 * @op:		the op
 * @sb:		"k=KIND key=value ..." is appended here
 *
 * Ops that op_same() finds equal have one key.
 */
void op_same_key(const struct op *op, struct strbuf *sb);

/**
 * op_encode() - an op as a journal line, without its "+ SEQ " and '\n'
 * @op:		the op
 * @sb:		"k=KIND key=value ..." is appended here (values escaped)
 */
void op_encode(const struct op *op, struct strbuf *sb);

/**
 * op_decode() - read a journal line written by op_encode()
 * @a:		the op's strings are allocated here
 * @line:	the line, without "+ SEQ "
 * @out:	the op
 *
 * Keys of no field are refused, and so is a "k=" that names no op kind
 * (or its absence); a field the op's kind does not list is read all the
 * same, as an earlier build may have written it.
 * Return: 0, or -EINVAL if the line is not one (or a value does not
 * parse).
 */
int op_decode(struct arena *a, const char *line, struct op *out);

/**
 * op_uses() - does the description of @kind list field @f (as what an op
 * does, or as what a run learns)?
 * Return: true if an op of @kind keeps @f in its journal line.
 */
bool op_uses(enum op_kind kind, enum op_field f);

/**
 * op_identity() - the object an op makes, as a key: "k=KIND" and the
 * fields its kind's description says name it
 * @op:		the op
 * @sb:		the key is appended here
 *
 * Two ops with one key are about one object (a running lab's, and an
 * edited file's).
 * Return: false (nothing appended) if the op has no object of its own.
 */
bool op_identity(const struct op *op, struct strbuf *sb);

/**
 * op_in_place() - may the object op @a made be changed into what @b
 * makes, without making it again?
 *
 * Only if they are of one kind and every field in which they differ is
 * one their description says changes in place (a route's gateway, a
 * link's MTU; not a link's kind or peer).
 * Return: true if so (also when they do not differ at all).
 */
bool op_in_place(const struct op *a, const struct op *b);

/**
 * op_take_learned() - give @dst what a run learnt for @src (a host
 * sysctl's old value, an adopted port's saved state, a relay's pid)
 * @a:		where the copies are allocated (@dst's plan's arena)
 */
void op_take_learned(struct arena *a, struct op *dst, const struct op *src);

/**
 * op_field_shared() - is field @f in the union of struct op (where only
 * the fields of one member are, the member its kind uses)?
 * Return: true if it is.
 */
bool op_field_shared(enum op_field f);

/**
 * op_kind_shares() - does @kind keep fields in the union of struct op?
 * Return: true if one of the fields it uses is there.
 */
bool op_kind_shares(enum op_kind kind);

/**
 * op_own_shared() - replace each string of the union of struct op that
 * @op's kind uses (and has set) by what @own returns for it
 * @op:		the op
 * @own:	called with @arg and the string
 * @arg:	for @own
 */
void op_own_shared(struct op *op, const char *(*own)(void *, const char *),
		   void *arg);

/**
 * op_field_name() - the journal key of a field ("mtu", "pns"...)
 * Return: its key.
 */
const char *op_field_name(enum op_field f);

#endif
