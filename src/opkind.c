// SPDX-License-Identifier: MIT
/*
 * opkind.c - the op kinds, listed; what works on any op through its
 * kind's description: text, JSON, journal line, comparison.
 *
 * Journal lines are "k=KIND key=value ...", values percent-encoded.  One
 * table of fields drives writing, reading and comparing: a field's key,
 * its type and where it is in struct op.  A kind's description lists the
 * fields it uses; the line holds those that are not zero, in the table's
 * order (so lines stay byte for byte what earlier builds wrote).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "opkind.h"

static const struct op_desc *const descs[OP__COUNT] = {
	[OP_NETNS_ADD] = &netns_add_op,
	[OP_NETNS_DEL] = &netns_del_op,
	[OP_LINK_ADD] = &link_add_op,
	[OP_LINK_DEL] = &link_del_op,
	[OP_LINK_SET] = &link_set_op,
	[OP_ADDR_ADD] = &addr_add_op,
	[OP_ADDR_DEL] = &addr_del_op,
	[OP_ROUTE_ADD] = &route_add_op,
	[OP_ROUTE_DEL] = &route_del_op,
	[OP_SYSCTL_SET] = &sysctl_set_op,
	[OP_SYSCTL_RESTORE] = &sysctl_restore_op,
	[OP_EXEC] = &exec_op,
	[OP_QDISC_ADD] = &qdisc_add_op,
	[OP_PORT_ADD] = &port_add_op,
	[OP_PORT_DEL] = &port_del_op,
	[OP_WAIT] = &wait_op,
	[OP_FDB_ADD] = &fdb_add_op,
	[OP_RELAY_START] = &relay_start_op,
	[OP_RELAY_STOP] = &relay_stop_op,
	[OP_EXEC_STOP] = &exec_stop_op,
};

const struct op_desc *op_desc(enum op_kind kind)
{
	return descs[kind];
}

int op_kind_find(const char *name)
{
	for (int k = 0; k < OP__COUNT; k++)
		if (!strcmp(name, descs[k]->name))
			return k;
	return -1;
}

bool op_is_undo(enum op_kind kind)
{
	return descs[kind]->undo;
}

void op_format(const struct op *op, struct strbuf *sb)
{
	descs[op->kind]->format(op, sb);
	if (!descs[op->kind]->names_ns)
		sb_printf(sb, " @%s", ns_label(op_ns(op)));
}

void op_json(const struct op *op, struct strbuf *sb)
{
	struct strbuf text = { 0 };

	sb_printf(sb, "{\"op\":\"%s\",\"netns\":", descs[op->kind]->name);
	sb_json_str(sb, ns_label(op_ns(op)));
	sb_json_kv(sb, "node", op->node);
	if (descs[op->kind]->json)
		descs[op->kind]->json(op, sb);
	op_format(op, &text);
	sb_json_kv(sb, "text", text.buf);
	sb_free(&text);
	sb_addc(sb, '}');
}

/* Fields */

enum ftype {
	F_STR,
	F_U32,
	F_U64,
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
	size_t flag_off; /* F_MAC, F_PREFIX: its bool "present", or 0 */
};

#define F(k, t, m) [k] = { #m, t, offsetof(struct op, m), 0 }
#define FK(k, key, t, m) [k] = { key, t, offsetof(struct op, m), 0 }
#define FF(k, key, t, m, f) \
	[k] = { key, t, offsetof(struct op, m), offsetof(struct op, f) }

/* In the order of the journal lines earlier builds wrote. */
static const struct field fields[OF__COUNT] = {
	F(OF_NODE, F_STR, node),
	FK(OF_NS, "ns", F_STR, link.ns),
	FK(OF_NAME, "name", F_STR, link.name),
	F(OF_TYPE, F_TYPE, type),
	FK(OF_MTU, "mtu", F_U32, link.mtu),
	FF(OF_MAC, "mac", F_MAC, link.mac, link.has_mac),
	FK(OF_MASTER, "master", F_STR, link.master),
	FK(OF_UP, "up", F_BOOL, link.up),
	FK(OF_PNS, "pns", F_STR, peer.ns),
	FK(OF_PNAME, "pname", F_STR, peer.name),
	FK(OF_PMTU, "pmtu", F_U32, peer.mtu),
	FF(OF_PMAC, "pmac", F_MAC, peer.mac, peer.has_mac),
	FK(OF_PMASTER, "pmaster", F_STR, peer.master),
	FK(OF_PUP, "pup", F_BOOL, peer.up),
	FK(OF_PARNS, "parns", F_STR, parent.ns),
	FK(OF_PARENT, "parent", F_STR, parent.name),
	F(OF_MODE, F_U32, mode),
	FK(OF_ID, "vid", F_U32, id),
	F(OF_MARK, F_BOOL, mark),
	F(OF_ADDR, F_PREFIX, addr),
	F(OF_DAD, F_BOOL, dad),
	FK(OF_TO, "to", F_PREFIX, route.to),
	FF(OF_VIA, "via", F_PREFIX, route.via, route.has_via),
	FK(OF_DEV, "dev", F_STR, route.dev),
	FK(OF_METRIC, "metric", F_U32, route.metric),
	FK(OF_TABLE, "table", F_U32, route.table),
	FK(OF_RTYPE, "rtype", F_U8, route.type),
	FK(OF_ONLINK, "onlink", F_BOOL, route.onlink),
	F(OF_KEY, F_STR, key),
	F(OF_VALUE, F_STR, value),
	FK(OF_OLD, "old", F_STR, old_value),
	F(OF_ARGV, F_ARGV, argv),
	FK(OF_NETEM, "netem", F_BOOL, qdisc.netem),
	FK(OF_DELAY, "delay", F_U32, qdisc.delay_us),
	FK(OF_JITTER, "jitter", F_U32, qdisc.jitter_us),
	FK(OF_LOSS, "loss", F_U32, qdisc.loss_ppm),
	FK(OF_DUP, "dup", F_U32, qdisc.duplicate_ppm),
	FK(OF_REORDER, "reorder", F_U32, qdisc.reorder_ppm),
	FK(OF_CORRUPT, "corrupt", F_U32, qdisc.corrupt_ppm),
	FK(OF_RATE, "rate", F_U32, qdisc.rate),
	F(OF_ADOPT, F_BOOL, adopt),
	F(OF_SAVED, F_STR, saved),
	FK(OF_GATE, "gate", F_U8, gate.kind),
	FK(OF_GPORT, "port", F_U32, gate.port),
	FK(OF_GADDR, "gaddr", F_PREFIX, gate.addr),
	FK(OF_PATH, "path", F_STR, gate.path),
	FK(OF_TIMEOUT, "timeout", F_U32, gate.timeout_ms),
	FK(OF_ITEM, "item", F_U32, gate.item),
	FK(OF_REMOTE, "remote", F_PREFIX, tun.remote),
	FK(OF_LOCAL, "local", F_PREFIX, tun.local),
	FK(OF_UNDERLAY, "underlay", F_STR, tun.dev),
	FK(OF_DPORT, "dport", F_U32, tun.port),
	F(OF_PID, F_U32, pid),
	F(OF_PSTART, F_U64, pstart),
};

const char *op_field_name(enum op_field f)
{
	return fields[f].key;
}

static const void *at(const struct op *op, size_t off)
{
	return (const char *)op + off;
}

static bool listed(const enum op_field *list, enum op_field f)
{
	for (; list && *list != OF__COUNT; list++)
		if (*list == f)
			return true;
	return false;
}

bool op_uses(enum op_kind kind, enum op_field f)
{
	return listed(descs[kind]->fields, f) ||
	       listed(descs[kind]->learned, f);
}

/* Is the field set (so written)? */
static bool present(const struct op *op, const struct field *f)
{
	const void *p = at(op, f->off);

	if (f->flag_off)
		return *(const bool *)at(op, f->flag_off);
	switch (f->type) {
	case F_STR:
		return *(const char *const *)p;
	case F_U32:
		return *(const uint32_t *)p;
	case F_U64:
		return *(const uint64_t *)p;
	case F_BOOL:
		return *(const bool *)p;
	case F_U8:
		return *(const uint8_t *)p;
	case F_TYPE:
		return *(const enum link_kind *)p != LK_NONE;
	case F_PREFIX:
		return ((const struct prefix *)p)->family;
	case F_ARGV:
		return op->argv;
	case F_MAC:
		return true;
	}
	return false;
}

static bool field_same(const struct op *a, const struct op *b,
		       const struct field *f)
{
	const void *x = at(a, f->off), *y = at(b, f->off);

	if (present(a, f) != present(b, f))
		return false;
	if (!present(a, f))
		return true;
	switch (f->type) {
	case F_STR:
		return str_same(*(const char *const *)x,
				*(const char *const *)y);
	case F_U32:
		return *(const uint32_t *)x == *(const uint32_t *)y;
	case F_U64:
		return *(const uint64_t *)x == *(const uint64_t *)y;
	case F_BOOL:
		return true; /* both present: both true */
	case F_U8:
		return *(const uint8_t *)x == *(const uint8_t *)y;
	case F_TYPE:
		return *(const enum link_kind *)x == *(const enum link_kind *)y;
	case F_PREFIX:
		return prefix_equal(x, y);
	case F_MAC:
		return !memcmp(x, y, 6);
	case F_ARGV:
		if (a->argc != b->argc)
			return false;
		for (size_t i = 0; i < a->argc; i++)
			if (strcmp(a->argv[i], b->argv[i]))
				return false;
		return true;
	}
	return false;
}

bool op_same(const struct op *a, const struct op *b)
{
	const enum op_field *f;

	if (a->kind != b->kind)
		return false;
	for (f = descs[a->kind]->fields; *f != OF__COUNT; f++)
		if (!field_same(a, b, &fields[*f]))
			return false;
	return true;
}

/* Journal lines */

static void put_field(struct strbuf *sb, const struct op *op,
		      const struct field *f)
{
	const void *p = at(op, f->off);
	char buf[INET6_ADDRSTRLEN + 4];

	sb_printf(sb, " %s=", f->key);
	switch (f->type) {
	case F_STR:
		sb_add_escaped(sb, *(const char *const *)p);
		return;
	case F_U32:
		sb_printf(sb, "%u", *(const uint32_t *)p);
		return;
	case F_U64:
		sb_printf(sb, "%llu", (unsigned long long)*(const uint64_t *)p);
		return;
	case F_BOOL:
		sb_addc(sb, '1');
		return;
	case F_U8:
		sb_printf(sb, "%u", *(const uint8_t *)p);
		return;
	case F_TYPE:
		sb_printf(sb, "%d", (int)*(const enum link_kind *)p);
		return;
	case F_PREFIX:
		prefix_format(p, true, buf, sizeof(buf));
		sb_add(sb, buf);
		return;
	case F_MAC:
		sb_add(sb, mac_format(p, buf));
		return;
	case F_ARGV:
		/* The words, each escaped, joined by an escaped 0x1f, which
		 * no word can hold (the parser refuses control characters). */
		for (size_t k = 0; k < op->argc; k++) {
			if (k)
				sb_add(sb, "%1f");
			sb_add_escaped(sb, op->argv[k]);
		}
		return;
	}
}

void op_same_key(const struct op *op, struct strbuf *sb)
{
	const struct op_desc *d = descs[op->kind];

	sb_printf(sb, "k=%s", d->name);
	for (const enum op_field *f = d->fields; *f != OF__COUNT; f++)
		if (present(op, &fields[*f]))
			put_field(sb, op, &fields[*f]);
}

void op_encode(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "k=%s", descs[op->kind]->name);
	for (int i = 0; i < OF__COUNT; i++) {
		const struct field *f = &fields[i];

		if (op_uses(op->kind, (enum op_field)i) && present(op, f))
			put_field(sb, op, f);
	}
}

/* Digits only, no sign or space, up to UINT64_MAX. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int get_field(struct arena *a, struct op *op, const struct field *f,
		     const char *v)
{
	void *p = (char *)op + f->off;
	const char *why;
	uint32_t u;

	if (f->flag_off)
		*(bool *)((char *)op + f->flag_off) = true;
	switch (f->type) {
	case F_STR:
		*(const char **)p = v;
		return 0;
	case F_U32:
		return parse_u32(v, p) ? 0 : -EINVAL;
	case F_U64:
		return parse_u64(v, p) ? 0 : -EINVAL;
	case F_BOOL:
		*(bool *)p = !strcmp(v, "1");
		return 0;
	case F_U8:
		if (!parse_u32(v, &u) || u > 255)
			return -EINVAL;
		*(uint8_t *)p = (uint8_t)u;
		return 0;
	case F_TYPE:
		if (!parse_u32(v, &u) || u >= LK__COUNT)
			return -EINVAL;
		*(enum link_kind *)p = (enum link_kind)u;
		return 0;
	case F_PREFIX:
		return prefix_parse(v, p, true, &why) ? -EINVAL : 0;
	case F_MAC:
		return mac_parse(v, p) ? -EINVAL : 0;
	case F_ARGV: {
		/* Words were joined by 0x1f, which no word holds. */
		size_t n = 1;

		for (const char *c = v; *c; c++)
			n += *c == 0x1f;
		op->argv = arena_alloc(a, (n + 1) * sizeof(char *));
		op->argc = n;
		for (size_t k = 0; k < n; k++) {
			size_t len = strcspn(v, "\x1f");

			op->argv[k] = arena_strndup(a, v, len);
			v += len + (v[len] != '\0');
		}
		return 0;
	}
	}
	return -EINVAL;
}

/* Is @f in the union of struct op, where only its kind's fields may go? */
static bool shared(const struct field *f)
{
#define UNION_HOLDS(m)                                                         \
	_Static_assert(offsetof(struct op, m) + sizeof(((struct op *)0)->m) <= \
			       offsetof(struct op, saved),                     \
		       "the union of struct op ends where saved starts")
	UNION_HOLDS(route);
	UNION_HOLDS(qdisc);
	UNION_HOLDS(gate);
	UNION_HOLDS(tun);
	UNION_HOLDS(own);
#undef UNION_HOLDS
	/* ...and nothing else lies between: a route is its largest. */
	_Static_assert(sizeof(struct route_spec) >= sizeof(struct gate_spec) &&
			       sizeof(struct route_spec) >=
				       sizeof(struct tunnel_spec) &&
			       offsetof(struct op, saved) -
					       offsetof(struct op, route) <
				       sizeof(struct route_spec) +
					       sizeof(void *),
		       "only the union lies between route and saved");
	return f->off >= offsetof(struct op, route) &&
	       f->off < offsetof(struct op, saved);
}

void op_own_shared(struct op *op, const char *(*own)(void *, const char *),
		   void *arg)
{
	for (int f = 0; f < OF__COUNT; f++) {
		const char **s =
			(const char **)(void *)((char *)op + fields[f].off);

		if (fields[f].type == F_STR && shared(&fields[f]) &&
		    op_uses(op->kind, (enum op_field)f) && *s)
			*s = own(arg, *s);
	}
}

bool op_field_shared(enum op_field f)
{
	return shared(&fields[f]);
}

bool op_kind_shares(enum op_kind kind)
{
	for (int f = 0; f < OF__COUNT; f++)
		if (shared(&fields[f]) && op_uses(kind, (enum op_field)f))
			return true;
	return false;
}

/* May a record of kind @kind (-1: none) set field @f? */
static bool readable(int kind, enum op_field f)
{
	return !shared(&fields[f]) ||
	       (kind >= 0 && op_uses((enum op_kind)kind, f));
}

/* The kind of the record @line (its k= word), or -1. */
static int line_kind(struct arena *a, const char *s)
{
	for (s += strspn(s, " "); *s; s += strspn(s, " ")) {
		size_t n = strcspn(s, " ");
		char *v;

		if (n > 2 && s[0] == 'k' && s[1] == '=')
			return unescape_pct(a, s + 2, n - 2, &v) ?
				       -1 :
				       op_kind_find(v);
		s += n;
	}
	return -1;
}

int op_decode(struct arena *a, const char *line, struct op *out)
{
	struct op op = { 0 };
	const char *s = line;
	bool have_kind = false;
	int kind = line_kind(a, line);

	while (*s) {
		size_t n = strcspn(s, " "), klen;
		const char *eq = memchr(s, '=', n);
		char *v;
		int rc = -EINVAL;

		if (!eq)
			return -EINVAL;
		klen = (size_t)(eq - s);
		if (unescape_pct(a, eq + 1, n - klen - 1, &v))
			return -EINVAL;
		if (klen == 1 && *s == 'k') {
			int k = op_kind_find(v);

			if (k >= 0) {
				op.kind = (enum op_kind)k;
				have_kind = true;
				rc = 0;
			}
		} else {
			/* Any field, whatever the kind: what an earlier
			 * build wrote is read as it meant it.  But the
			 * union's only if the kind uses it: another's would
			 * overwrite what the kind keeps there. */
			for (int i = 0; i < OF__COUNT; i++)
				if (strlen(fields[i].key) == klen &&
				    !strncmp(fields[i].key, s, klen))
					rc = readable(kind, (enum op_field)i) ?
						     get_field(a, &op,
							       &fields[i], v) :
						     0;
		}
		if (rc)
			return rc;
		s += n;
		while (*s == ' ')
			s++;
	}
	if (!have_kind || (int)op.kind != kind) /* one kind, k= once */
		return -EINVAL;
	*out = op;
	return 0;
}

bool op_identity(const struct op *op, struct strbuf *sb)
{
	const struct op_desc *d = descs[op->kind];

	if (!d->identity)
		return false;
	sb_printf(sb, "k=%s", d->name);
	for (const enum op_field *f = d->identity; *f != OF__COUNT; f++)
		if (present(op, &fields[*f]))
			put_field(sb, op, &fields[*f]);
		else
			sb_printf(sb, " %s~", fields[*f].key);
	return true;
}

bool op_in_place(const struct op *a, const struct op *b)
{
	const struct op_desc *d = descs[a->kind];

	if (a->kind != b->kind)
		return false;
	for (const enum op_field *f = d->fields; *f != OF__COUNT; f++)
		if (!field_same(a, b, &fields[*f]) &&
		    !listed(d->in_place, *f) &&
		    !(*f == OF_MODE && a->kind == OP_LINK_ADD &&
		      a->type == b->type && link_kind(a->type)->fill_mode))
			return false;
	return true;
}

void op_take_learned(struct arena *a, struct op *dst, const struct op *src)
{
	const struct op_desc *d = descs[dst->kind];

	for (const enum op_field *f = d->learned; f && *f != OF__COUNT; f++) {
		const struct field *fl = &fields[*f];
		const char *v;

		if (fl->type == F_U32) {
			*(uint32_t *)((char *)dst + fl->off) =
				*(const uint32_t *)at(src, fl->off);
		} else if (fl->type == F_U64) {
			*(uint64_t *)((char *)dst + fl->off) =
				*(const uint64_t *)at(src, fl->off);
		} else if (fl->type == F_STR) {
			v = *(const char *const *)at(src, fl->off);
			*(const char **)((char *)dst + fl->off) =
				v ? arena_strdup(a, v) : NULL;
		}
	}
}
