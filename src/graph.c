// SPDX-License-Identifier: MIT
/*
 * graph.c - a topology as a diagram: Graphviz dot or Mermaid.
 *
 * Nodes are boxes (labelled with lo's addresses too), bridges are
 * ellipses (a bridge inside a node is joined to it by a dotted line),
 * veth links are edges labelled at each end with the interface name and
 * its addresses.  An interface that is no veth end (a dummy, macvlan,
 * ipvlan or vlan link; a port the host already has) is a vertex of its
 * own, joined by a dashed line to its node and by a plain one to the
 * bridge it is a port of.
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
		    link_kind_pair(t->ifaces[i].kind))
			return true;
	return t->nodes[HOST_NODE].declared;
}

/* Mermaid ids: letters, digits and '_' only; keep them unique by
 * escaping everything else as _XX. */
static void mermaid_id(struct strbuf *sb, const char *s)
{
	for (const char *c = s; *c; c++) {
		if (isalnum((unsigned char)*c))
			sb_addc(sb, *c);
		else
			sb_printf(sb, "_%02x", (unsigned char)*c);
	}
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
	sb_printf(sb, "%s_", kind);
	mermaid_id(sb, name);
}

/* The vertex of interface @ifname of node @node ("NODE:IFNAME" is
 * unique: neither name holds a ':'). */
static void iface_id(const struct topo *t, int node, const char *ifname,
		     bool mermaid, struct strbuf *sb)
{
	if (!mermaid) {
		sb_add(sb, "\"i:");
		dot_escape(sb, t->nodes[node].name);
		sb_addc(sb, ':');
		dot_escape(sb, ifname);
		sb_addc(sb, '"');
		return;
	}
	sb_add(sb, "i_");
	mermaid_id(sb, t->nodes[node].name);
	mermaid_id(sb, ":");
	mermaid_id(sb, ifname);
}

/* The node's name, then lo's addresses, if it has any. */
static void node_label(const struct node *n, const char *sep, bool mermaid,
		       struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (mermaid)
		mermaid_escape(sb, n->name);
	else
		dot_escape(sb, n->name);
	for (size_t i = 0; i < n->n_ifcfg; i++) {
		if (strcmp(n->ifcfg[i].name, "lo"))
			continue;
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++) {
			prefix_format(&n->ifcfg[i].addrs[k].p, true, buf,
				      sizeof(buf));
			sb_printf(sb, "%slo %s", sep, buf);
		}
	}
}

/* "vlan v10\n10.10.0.1/24\non a:eth0" for a link with one end. */
static void single_label(const struct topo *t, const struct link *l,
			 const char *sep, bool mermaid, struct strbuf *sb)
{
	sb_printf(sb, "%s ", link_kind(l->kind)->name);
	end_label(&t->ifaces[l->ep[0].iface], sep, mermaid, sb);
	if (link_kind(l->kind)->id_key)
		sb_printf(sb, "%s%s %u", sep, link_kind(l->kind)->id_key,
			  l->id);
	if (l->mode_name)
		sb_printf(sb, "%smode %s", sep, l->mode_name);
	if (l->parent.text) {
		sb_printf(sb, "%son ", sep);
		if (mermaid)
			mermaid_escape(sb, l->parent.text);
		else
			dot_escape(sb, l->parent.text);
	}
	if (l->mtu)
		sb_printf(sb, "%smtu %u", sep, l->mtu);
}

/* Is interface @f the end of a link with one end (so has a vertex)? */
static bool single_ended(const struct topo *t, int f)
{
	return f >= 0 && t->ifaces[f].link >= 0 &&
	       link_ends(&t->links[t->ifaces[f].link]) == 1;
}

static void graph_dot(const struct topo *t, struct strbuf *sb)
{
	sb_add(sb, "graph \"");
	dot_escape(sb, t->name);
	sb_add(sb,
	       "\" {\n\tgraph [overlap=false, splines=true];\n"
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
		node_label(n, "\\n", false, sb);
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
		for (size_t k = 0; k < b->n_given; k++) {
			const struct bridge_port *bp = &b->ports[k];

			if (!single_ended(t, bp->iface)) {
				sb_addc(sb, '\t');
				iface_id(t, b->node, bp->name, false, sb);
				sb_add(sb, " [shape=note, label=\"");
				dot_escape(sb, bp->name);
				sb_add(sb, bp->iface < 0 ?
						   "\\n(the host's)\"];\n" :
						   "\"];\n");
			}
			sb_addc(sb, '\t');
			iface_id(t, b->node, bp->name, false, sb);
			sb_add(sb, " -- ");
			vertex_id(t, &ep, false, sb);
			sb_add(sb, ";\n");
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *e = &l->ep[0];

		if (link_ends(l) == 1) {
			sb_addc(sb, '\t');
			iface_id(t, e->node, e->ifname, false, sb);
			sb_add(sb, " [shape=note, label=\"");
			single_label(t, l, "\\n", false, sb);
			sb_add(sb, "\"];\n\t");
			iface_id(t, e->node, e->ifname, false, sb);
			sb_add(sb, " -- ");
			vertex_id(t,
				  &(struct endpoint){ .node = e->node,
						      .bridge = -1 },
				  false, sb);
			sb_add(sb, " [style=dashed];\n");
			continue;
		}
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
		node_label(n, "<br/>", true, sb);
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
		for (size_t k = 0; k < b->n_given; k++) {
			const struct bridge_port *bp = &b->ports[k];

			if (!single_ended(t, bp->iface)) {
				sb_add(sb, "    ");
				iface_id(t, b->node, bp->name, true, sb);
				sb_add(sb, "[/\"");
				mermaid_escape(sb, bp->name);
				sb_add(sb, bp->iface < 0 ?
						   "<br/>(the host's)\"/]\n" :
						   "\"/]\n");
			}
			sb_add(sb, "    ");
			iface_id(t, b->node, bp->name, true, sb);
			sb_add(sb, " --- ");
			vertex_id(t, &ep, true, sb);
			sb_addc(sb, '\n');
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *e = &l->ep[0];

		if (link_ends(l) == 1) {
			sb_add(sb, "    ");
			iface_id(t, e->node, e->ifname, true, sb);
			sb_add(sb, "[/\"");
			single_label(t, l, "<br/>", true, sb);
			sb_add(sb, "\"/]\n    ");
			iface_id(t, e->node, e->ifname, true, sb);
			sb_add(sb, " -.- ");
			vertex_id(t,
				  &(struct endpoint){ .node = e->node,
						      .bridge = -1 },
				  true, sb);
			sb_addc(sb, '\n');
			continue;
		}
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
