// SPDX-License-Identifier: MIT
/*
 * graph.c - a topology as a diagram: Graphviz dot or Mermaid.
 *
 * Nodes are boxes, bridges are ellipses (a bridge inside a node is
 * joined to it by a dotted line), links are edges labelled at each end
 * with the interface name and its addresses.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "graph.h"

static void dot_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_addc(sb, '\\');
		sb_addc(sb, *s);
	}
}

/* Mermaid labels are in double quotes and take HTML entities. */
static void mermaid_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '"')
			sb_add(sb, "#quot;");
		else
			sb_addc(sb, *s);
	}
}

/* "eth0\n10.0.0.1/24" for one end of a link. */
static void end_label(const struct iface *f, const char *sep, bool mermaid,
		      struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (mermaid)
		mermaid_escape(sb, f->name);
	else
		dot_escape(sb, f->name);
	if (!f->cfg)
		return;
	for (size_t i = 0; i < f->cfg->n_addrs; i++) {
		prefix_format(&f->cfg->addrs[i].p, true, buf, sizeof(buf));
		sb_printf(sb, "%s%s", sep, buf);
	}
}

/* Is the host namespace in the picture at all? */
static bool host_shown(const struct topo *t)
{
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].node == HOST_NODE &&
		    t->ifaces[i].kind == IFK_VETH)
			return true;
	return t->nodes[HOST_NODE].declared;
}

/* The vertex an endpoint attaches to: its bridge, else its node. */
static void vertex_id(const struct topo *t, const struct endpoint *ep,
		      bool mermaid, struct strbuf *sb)
{
	const char *name = ep->bridge >= 0 ? t->bridges[ep->bridge].name :
					     t->nodes[ep->node].name;
	const char *kind = ep->bridge >= 0 ? "b" : "n";

	if (!mermaid) {
		sb_printf(sb, "\"%s:", kind);
		dot_escape(sb, name);
		sb_addc(sb, '"');
		return;
	}
	/* Mermaid ids: letters, digits and '_' only; keep them unique by
	 * escaping everything else as _XX. */
	sb_printf(sb, "%s_", kind);
	for (const char *c = name; *c; c++) {
		if (isalnum((unsigned char)*c))
			sb_addc(sb, *c);
		else
			sb_printf(sb, "_%02x", (unsigned char)*c);
	}
}

static void graph_dot(const struct topo *t, struct strbuf *sb)
{
	sb_add(sb, "graph \"");
	dot_escape(sb, t->name);
	sb_add(sb, "\" {\n\tgraph [overlap=false, splines=true];\n"
		   "\tnode [shape=box, style=rounded, fontname=\"monospace\"];\n"
		   "\tedge [fontname=\"monospace\", fontsize=9];\n");
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];
		struct endpoint ep = { .node = (int)i, .bridge = -1 };

		if (n->is_host && !host_shown(t))
			continue;
		sb_addc(sb, '\t');
		vertex_id(t, &ep, false, sb);
		sb_add(sb, " [label=\"");
		dot_escape(sb, n->name);
		sb_add(sb, n->is_host ? "\", style=\"rounded,dashed\"];\n" :
					"\"];\n");
	}
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];
		struct endpoint ep = { .node = b->node, .bridge = (int)i };
		struct endpoint owner = { .node = b->node, .bridge = -1 };

		sb_addc(sb, '\t');
		vertex_id(t, &ep, false, sb);
		sb_add(sb, " [shape=ellipse, label=\"bridge ");
		end_label(&t->ifaces[b->iface], "\\n", false, sb);
		sb_add(sb, "\"];\n");
		if (b->node != HOST_NODE || host_shown(t)) {
			sb_addc(sb, '\t');
			vertex_id(t, &ep, false, sb);
			sb_add(sb, " -- ");
			vertex_id(t, &owner, false, sb);
			sb_add(sb, " [style=dotted];\n");
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		sb_addc(sb, '\t');
		vertex_id(t, &l->ep[0], false, sb);
		sb_add(sb, " -- ");
		vertex_id(t, &l->ep[1], false, sb);
		sb_add(sb, " [taillabel=\"");
		end_label(&t->ifaces[l->ep[0].iface], "\\n", false, sb);
		sb_add(sb, "\", headlabel=\"");
		end_label(&t->ifaces[l->ep[1].iface], "\\n", false, sb);
		sb_addc(sb, '"');
		if (l->mtu)
			sb_printf(sb, ", label=\"mtu %u\"", l->mtu);
		sb_add(sb, "];\n");
	}
	sb_add(sb, "}\n");
}

static void graph_mermaid(const struct topo *t, struct strbuf *sb)
{
	sb_add(sb, "%% lab ");
	mermaid_escape(sb, t->name);
	sb_add(sb, "\ngraph LR\n");
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];
		struct endpoint ep = { .node = (int)i, .bridge = -1 };

		if (n->is_host && !host_shown(t))
			continue;
		sb_add(sb, "    ");
		vertex_id(t, &ep, true, sb);
		sb_add(sb, "[\"");
		mermaid_escape(sb, n->name);
		sb_add(sb, "\"]\n");
	}
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];
		struct endpoint ep = { .node = b->node, .bridge = (int)i };
		struct endpoint owner = { .node = b->node, .bridge = -1 };

		sb_add(sb, "    ");
		vertex_id(t, &ep, true, sb);
		sb_add(sb, "([\"bridge ");
		end_label(&t->ifaces[b->iface], "<br/>", true, sb);
		sb_add(sb, "\"])\n");
		if (b->node != HOST_NODE || host_shown(t)) {
			sb_add(sb, "    ");
			vertex_id(t, &ep, true, sb);
			sb_add(sb, " -.- ");
			vertex_id(t, &owner, true, sb);
			sb_addc(sb, '\n');
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		sb_add(sb, "    ");
		vertex_id(t, &l->ep[0], true, sb);
		sb_add(sb, " ---|\"");
		end_label(&t->ifaces[l->ep[0].iface], " ", true, sb);
		sb_add(sb, " — ");
		end_label(&t->ifaces[l->ep[1].iface], " ", true, sb);
		sb_add(sb, "\"| ");
		vertex_id(t, &l->ep[1], true, sb);
		sb_addc(sb, '\n');
	}
}

int graph_render(const struct topo *t, const char *format, struct strbuf *sb)
{
	if (!strcmp(format, "dot"))
		graph_dot(t, sb);
	else if (!strcmp(format, "mermaid"))
		graph_mermaid(t, sb);
	else
		return -1;
	return 0;
}
