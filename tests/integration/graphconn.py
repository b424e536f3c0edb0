#!/usr/bin/env python3
"""graphconn.py - is the picture connected where the lab is?  For t-graph.sh.

usage: graphconn.py PLANJSON DOTJSON

PLANJSON is `nstopo plan --json FILE`; DOTJSON is Graphviz's own reading
of `nstopo graph FILE` after layout (`dot -Tjson`).  Prints one problem a
line and exits 1 if there is any.

The lab's graph comes from the plan alone, not from graph.c: a vertex
for each node (n:NAME, the host as n:host when the lab makes anything
there) and each bridge (b:NAME); an edge for each veth pair between the
vertices of its two ends, for each interface with a parent (macvlan,
ipvlan, vlan) between its vertex and its parent's, for each bridge
between it and the node it lives in, and for each port the host lends a
bridge between the bridge and the host.  An interface's vertex is its
bridge's if it is a bridge port (or the bridge), else its node's.

The picture's graph is what Graphviz drew: its vertices and edges.  The
two must have the same vertices (a declared host with nothing of the lab
may stand alone) and the same connected components.  The vertices must
not overlap, and no edge may carry an interface's or an address's label
(those are in the vertices' cells, at the edges' ends).
"""
import json
import sys


def lab_graph(ops):
    node_of = {"host": "host"}
    for op in ops:
        if op["op"] == "netns.add":
            node_of[op["netns"]] = op["node"]
    bridges = {}   # (netns, name) -> bridge name
    masters = {}   # (netns, name) -> its bridge
    for op in ops:
        if op["op"] == "link.add" and op.get("type") == "bridge":
            bridges[(op["netns"], op["link"]["name"])] = op["link"]["name"]
        for side in ("link", "peer"):
            f = op.get(side) if op["op"] in ("link.add", "link.set") \
                else None
            if f and f.get("master"):
                masters[(f["netns"], f["name"])] = f["master"]
    vertices, edges = set(), []

    def vertex(netns, name):
        key = (netns, name)
        if key in bridges:
            v = "b:" + bridges[key]
        elif key in masters:
            v = "b:" + masters[key]
        else:
            v = "n:" + node_of[netns]
        vertices.add(v)
        return v

    for op in ops:
        if op["op"] == "netns.add":
            vertices.add("n:" + op["node"])
        elif op["op"] == "link.add" and op.get("type") == "bridge":
            b = "b:" + op["link"]["name"]
            vertices.add(b)
            edges.append((b, "n:" + node_of[op["netns"]]))
        elif op["op"] == "link.add" and "peer" in op:
            edges.append((vertex(op["netns"], op["link"]["name"]),
                          vertex(op["peer"]["netns"], op["peer"]["name"])))
        elif op["op"] == "link.add" and "parent" in op:
            edges.append((vertex(op["netns"], op["link"]["name"]),
                          vertex(op["parent"]["netns"],
                                 op["parent"]["name"])))
        elif op["op"] == "link.add":
            vertex(op["netns"], op["link"]["name"])
        elif op["op"] == "port.add":
            edges.append(("b:" + op["bridge"], "n:host"))
    for a, b in edges:
        vertices.update((a, b))
    return vertices, edges


def components(vertices, edges):
    parent = {v: v for v in vertices}

    def find(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in edges:
        parent[find(a)] = find(b)
    groups = {}
    for v in vertices:
        groups.setdefault(find(v), set()).add(v)
    return {frozenset(g) for g in groups.values()}


def boxes(objects):
    """Each vertex's box in points: (name, x0, y0, x1, y1)."""
    out = []
    for o in objects:
        x, y = (float(c) for c in o["pos"].split(","))
        w, h = float(o["width"]) * 72 / 2, float(o["height"]) * 72 / 2
        out.append((o["name"], x - w, y - h, x + w, y + h))
    return out


def main():
    plan = json.load(open(sys.argv[1]))
    drawn = json.load(open(sys.argv[2]))
    problems = []
    lab_v, lab_e = lab_graph(plan["ops"])
    objects = drawn.get("objects", [])
    pic_v = {o["name"] for o in objects}
    pic_e = [(objects[e["tail"]]["name"], objects[e["head"]]["name"])
             for e in drawn.get("edges", [])]
    for v in sorted(lab_v - pic_v):
        problems.append("the lab's %s is not in the picture" % v)
    for v in sorted(pic_v - lab_v):
        if v == "n:host" and not any("n:host" in e for e in pic_e):
            continue  # declared, with nothing of the lab
        problems.append("the picture's %s is not the lab's" % v)
    lab_c = components(lab_v, lab_e)
    pic_c = components(pic_v, pic_e)
    for c in lab_c:
        drawn_c = {p for p in pic_c if p & c}
        if len(drawn_c) > 1:
            problems.append("the lab joins %s, the picture splits it into %s"
                            % (sorted(c), [sorted(p & c) for p in drawn_c]))
    for p in pic_c:
        lab_of = {c for c in lab_c if c & p}
        if len(lab_of) > 1:
            problems.append("the picture joins %s, which the lab does not"
                            % sorted(p))
    b = boxes(objects)
    for i in range(len(b)):
        for k in range(i + 1, len(b)):
            n1, *r1 = b[i]
            n2, *r2 = b[k]
            if r1[0] < r2[2] and r2[0] < r1[2] and r1[1] < r2[3] \
                    and r2[1] < r1[3]:
                problems.append("%s and %s overlap" % (n1, n2))
    for e in drawn.get("edges", []):
        for key in ("headlabel", "taillabel"):
            if key in e:
                problems.append("an edge carries a %s: %r" % (key, e[key]))
        if "/" in e.get("label", ""):
            problems.append("an edge carries an address: %r" % e["label"])
    for p in problems:
        print(p)
    print("%d vertices, %d edges, %d components: %s" %
          (len(pic_v), len(pic_e), len(pic_c),
           "as the lab" if not problems else "NOT as the lab"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
