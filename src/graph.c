// SPDX-License-Identifier: MIT
/*
 * graph.c - a topology as a diagram: Graphviz dot or Mermaid.
 *
 * In dot, a node or a bridge is a table: its name over (a bridge: under)
 * a cell for each of its interfaces (a bridge's: its ports), with their
 * addresses; an edge runs from cell to cell, so what names an end sits
 * at that end and nothing overlaps.  A link with a parent is dashed from
 * its cell to the parent's (the host's own NIC a cell of the host), a
 * bridge dotted to the node it lives in.
 *
 * In Mermaid, nodes are boxes (labelled with lo's addresses too),
 * bridges stadiums, veth links edges labelled with both ends; an
 * interface that is no veth end (a dummy, macvlan, ipvlan or vlan link;
 * a port the host already has) is a vertex of its own, joined to its
 * node, the bridge it is a port of, and its parent.
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

/* Is the host namespace in the picture: does the lab make anything
 * there, or sit on an interface of it? */
static bool host_shown(const struct topo *t)
{
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].node == HOST_NODE)
			return true;
	for (size_t i = 0; i < t->n_links; i++)
		if (t->links[i].parent.text &&
		    t->links[i].parent.node == HOST_NODE)
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

/* lo's addresses, a line each, for a dot table's header. */
static void node_lo_lines(const struct node *n, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	for (size_t i = 0; i < n->n_ifcfg; i++) {
		if (strcmp(n->ifcfg[i].name, "lo"))
			continue;
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++) {
			prefix_format(&n->ifcfg[i].addrs[k].p, true, buf,
				      sizeof(buf));
			sb_printf(sb, "<BR/>lo %s", buf);
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

/*
 * Dot: every vertex is a table, a node's or a bridge's; each interface is
 * a cell of it, with its addresses, and an edge ends at its cell (its
 * port): labels sit at the edge's ends and cannot overlap.
 */

/* HTML-like labels take entities for what is markup. */
static void html_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			sb_add(sb, "&amp;");
		else if (*s == '<')
			sb_add(sb, "&lt;");
		else if (*s == '>')
			sb_add(sb, "&gt;");
		else if (*s == '"')
			sb_add(sb, "&quot;");
		else
			sb_addc(sb, *s);
	}
}

/* The vertex interface @f is drawn in: its bridge's if it is a port of
 * one (or is the bridge), else its node's. */
static void owner_id(const struct topo *t, const struct iface *f,
		     struct strbuf *sb)
{
	int b = f->kind == LK_BRIDGE ? f->bridge :
		f->master >= 0	     ? t->ifaces[f->master].bridge :
				       -1;
	struct endpoint ep = { .node = f->node, .bridge = b };

	vertex_id(t, &ep, false, sb);
}

/* An edge's end at an interface's cell: its port "i_NAME", which no
 * compass point ("n", "e"...) can be. */
static void port_attr(const char *which, const char *ifname,
		      const char *compass, struct strbuf *sb)
{
	sb_printf(sb, "%s=\"i_", which);
	dot_escape(sb, ifname);
	if (compass)
		sb_printf(sb, ":%s", compass);
	sb_addc(sb, '"');
}

/* A cell: "eth0<BR/>10.0.0.1/24", with a single-ended link's kind, or
 * @note; @f is NULL for an interface the host has. */
static void cell(const struct topo *t, const char *name, const struct iface *f,
		 const char *note, bool under, struct strbuf *sb)
{
	/* A line to the head, and between cells. */
	const char *sides =
		under ? (sb->len ? "TL" : "T") : (sb->len ? "BL" : "B");
	char buf[INET6_ADDRSTRLEN + 4];

	sb_add(sb, "<TD PORT=\"i_");
	html_escape(sb, name);
	sb_printf(sb, "\" BORDER=\"1\" SIDES=\"%s\">", sides);
	html_escape(sb, name);
	if (f && f->link >= 0 && link_ends(&t->links[f->link]) == 1) {
		const struct link *l = &t->links[f->link];
		const struct link_kind_desc *k = link_kind(l->kind);

		sb_printf(sb, "<BR/>%s", k->name);
		if (k->id_key)
			sb_printf(sb, " %u", l->id);
		if (k->modes)
			sb_printf(sb, " %s", link_mode_name(l->kind, l->mode));
	}
	if (note)
		sb_printf(sb, "<BR/>%s", note);
	for (size_t i = 0; f && f->cfg && i < f->cfg->n_addrs; i++) {
		prefix_format(&f->cfg->addrs[i].p, true, buf, sizeof(buf));
		sb_printf(sb, "<BR/>%s", buf);
	}
	sb_add(sb, "</TD>");
}

/* The host bridge the host's own interface @name is a port of, or -1. */
static int host_port_bridge(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_bridges; i++)
		for (size_t k = 0; k < t->bridges[i].n_given; k++)
			if (t->bridges[i].ports[k].iface < 0 &&
			    !strcmp(t->bridges[i].ports[k].name, name))
				return (int)i;
	return -1;
}

/* Is link @i the first on the host's own interface it sits on? */
static bool first_on_host_parent(const struct topo *t, size_t i)
{
	const struct link *l = &t->links[i];

	if (!l->parent.text || l->parent_iface >= 0 ||
	    host_port_bridge(t, l->parent.ifname) >= 0)
		return false;
	for (size_t k = 0; k < i; k++)
		if (t->links[k].parent.text && t->links[k].parent_iface < 0 &&
		    !strcmp(t->links[k].parent.ifname, l->parent.ifname))
			return false;
	return true;
}

/*
 * A vertex: @head (HTML) and a row of @cells, if any: under the head for
 * a node (its links leave downwards), over it for a bridge (the links of
 * nodes come to its ports from above: they are drawn node first).
 */
static void table(struct strbuf *sb, const char *style, const char *head,
		  const struct strbuf *cells, size_t n_cells, bool cells_first)
{
	sb_printf(
		sb,
		" [label=<<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" STYLE=\"%s\">",
		style);
	if (n_cells && cells_first)
		sb_printf(sb, "<TR>%s</TR>", cells->buf);
	sb_printf(sb, "<TR><TD COLSPAN=\"%zu\">%s</TD></TR>",
		  n_cells ? n_cells : 1, head);
	if (n_cells && !cells_first)
		sb_printf(sb, "<TR>%s</TR>", cells->buf);
	sb_add(sb, "</TABLE>>];\n");
}

/* A node: its name and lo's addresses over its interfaces. */
static void dot_node(const struct topo *t, size_t i, struct strbuf *sb)
{
	const struct node *n = &t->nodes[i];
	struct endpoint ep = { .node = (int)i, .bridge = -1 };
	struct strbuf cells = { 0 }, head = { 0 };
	size_t n_cells = 0;

	for (size_t k = 0; k < t->n_ifaces; k++) {
		const struct iface *f = &t->ifaces[k];

		if (f->node != (int)i || f->kind == LK_BRIDGE ||
		    f->master >= 0 || !strcmp(f->name, "lo"))
			continue;
		cell(t, f->name, f, NULL, true, &cells);
		n_cells++;
	}
	for (size_t k = 0; n->is_host && k < t->n_links; k++)
		if (first_on_host_parent(t, k)) {
			cell(t, t->links[k].parent.ifname, NULL, "(the host's)",
			     true, &cells);
			n_cells++;
		}
	sb_add(&head, "<B>");
	html_escape(&head, n->name);
	sb_add(&head, "</B>");
	node_lo_lines(n, &head);
	sb_addc(sb, '\t');
	vertex_id(t, &ep, false, sb);
	table(sb, n->is_host ? "ROUNDED,DASHED" : "ROUNDED", head.buf, &cells,
	      n_cells, false);
	sb_free(&cells);
	sb_free(&head);
}

/* A bridge: its name and addresses over its ports. */
static void dot_bridge(const struct topo *t, size_t i, struct strbuf *sb)
{
	const struct bridge *b = &t->bridges[i];
	const struct iface *bf = &t->ifaces[b->iface];
	struct endpoint ep = { .node = b->node, .bridge = (int)i };
	struct endpoint owner = { .node = b->node, .bridge = -1 };
	struct strbuf cells = { 0 }, head = { 0 };
	char buf[INET6_ADDRSTRLEN + 4];
	size_t n_cells = 0;

	for (size_t k = 0; k < t->n_ifaces; k++)
		if (t->ifaces[k].master == b->iface) {
			cell(t, t->ifaces[k].name, &t->ifaces[k], NULL, false,
			     &cells);
			n_cells++;
		}
	for (size_t k = 0; k < b->n_given; k++)
		if (b->ports[k].iface < 0) {
			cell(t, b->ports[k].name, NULL, "(the host's)", false,
			     &cells);
			n_cells++;
		}
	sb_add(&head, "<B>bridge ");
	html_escape(&head, b->name);
	sb_add(&head, "</B>");
	for (size_t k = 0; bf->cfg && k < bf->cfg->n_addrs; k++) {
		prefix_format(&bf->cfg->addrs[k].p, true, buf, sizeof(buf));
		sb_printf(&head, "<BR/>%s", buf);
	}
	sb_addc(sb, '\t');
	vertex_id(t, &ep, false, sb);
	table(sb, "ROUNDED", head.buf, &cells, n_cells, true);
	/* Where it lives: dotted to its node. */
	if (b->node != HOST_NODE || host_shown(t)) {
		sb_addc(sb, '\t');
		vertex_id(t, &ep, false, sb);
		sb_add(sb, " -- ");
		vertex_id(t, &owner, false, sb);
		sb_add(sb, " [style=dotted];\n");
	}
	sb_free(&cells);
	sb_free(&head);
}

/* A link with a parent: dashed from its cell to the parent's. */
static void dot_parent(const struct topo *t, const struct link *l,
		       struct strbuf *sb)
{
	const struct iface *f = &t->ifaces[l->ep[0].iface];

	sb_addc(sb, '\t');
	owner_id(t, f, sb);
	sb_add(sb, " -- ");
	if (l->parent_iface >= 0) {
		const struct iface *p = &t->ifaces[l->parent_iface];

		owner_id(t, p, sb);
		sb_add(sb, " [");
		port_attr("tailport", f->name, NULL, sb);
		if (p->kind != LK_BRIDGE) {
			sb_add(sb, ", ");
			port_attr("headport", p->name, NULL, sb);
		}
	} else {
		int b = host_port_bridge(t, l->parent.ifname);
		struct endpoint ep = { .node = HOST_NODE, .bridge = b };

		vertex_id(t, &ep, false, sb);
		sb_add(sb, " [");
		port_attr("tailport", f->name, NULL, sb);
		sb_add(sb, ", ");
		port_attr("headport", l->parent.ifname, NULL, sb);
	}
	sb_add(sb, ", style=dashed];\n");
}

static void graph_dot(const struct topo *t, struct strbuf *sb)
{
	sb_add(sb, "graph \"");
	dot_escape(sb, t->name);
	sb_add(sb,
	       "\" {\n\tgraph [splines=true, nodesep=0.3, ranksep=0.6];\n"
	       "\tnode [shape=plain, fontname=\"monospace\", fontsize=10];\n"
	       "\tedge [fontname=\"monospace\", fontsize=9];\n");
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!t->nodes[i].is_host || host_shown(t))
			dot_node(t, i, sb);
	for (size_t i = 0; i < t->n_bridges; i++)
		dot_bridge(t, i, sb);
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const struct iface *a, *b;

		if (link_ends(l) == 1) {
			if (l->parent.text)
				dot_parent(t, l, sb);
			continue;
		}
		a = &t->ifaces[l->ep[0].iface];
		b = &t->ifaces[l->ep[1].iface];
		/* A node above the bridge it is plugged into. */
		if (l->ep[0].bridge >= 0 && l->ep[1].bridge < 0) {
			a = &t->ifaces[l->ep[1].iface];
			b = &t->ifaces[l->ep[0].iface];
		}
		sb_addc(sb, '\t');
		owner_id(t, a, sb);
		sb_add(sb, " -- ");
		owner_id(t, b, sb);
		sb_add(sb, " [");
		/* Out of the bottom of a node's cell, into the top of a
		 * bridge's port. */
		port_attr("tailport", a->name, a->master < 0 ? "s" : NULL, sb);
		sb_add(sb, ", ");
		port_attr("headport", b->name, b->master >= 0 ? "n" : NULL, sb);
		if (l->mtu)
			sb_printf(sb, ", label=\"mtu %u\"", l->mtu);
		sb_add(sb, "];\n");
	}
	sb_add(sb, "}\n");
}

/* A link with a parent: dotted from its vertex to the parent's (the
 * parent's own if it has one, else its bridge's or node's). */
static void mermaid_parent(const struct topo *t, const struct link *l,
			   struct strbuf *sb)
{
	const struct endpoint *e = &l->ep[0];
	int p = l->parent_iface;

	sb_add(sb, "    ");
	iface_id(t, e->node, e->ifname, true, sb);
	sb_add(sb, " -.-|\"on ");
	mermaid_escape(sb, l->parent.ifname);
	sb_add(sb, "\"| ");
	if (p >= 0 && single_ended(t, p)) {
		iface_id(t, t->ifaces[p].node, t->ifaces[p].name, true, sb);
	} else if (p >= 0) {
		const struct iface *f = &t->ifaces[p];
		int b = f->kind == LK_BRIDGE ? f->bridge :
			f->master >= 0	     ? t->ifaces[f->master].bridge :
					       -1;

		vertex_id(t, &(struct endpoint){ .node = f->node, .bridge = b },
			  true, sb);
	} else if (host_port_bridge(t, l->parent.ifname) >= 0) {
		iface_id(t, HOST_NODE, l->parent.ifname, true, sb);
	} else {
		vertex_id(t,
			  &(struct endpoint){ .node = HOST_NODE, .bridge = -1 },
			  true, sb);
	}
	sb_addc(sb, '\n');
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
			if (l->parent.text)
				mermaid_parent(t, l, sb);
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
