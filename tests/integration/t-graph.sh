# t-graph.sh - nstopo graph: Graphviz accepts the DOT of every example
# topology, and the DOT names every node, bridge, interface and address
# the plan makes; the Mermaid has one edge per link and valid, unique
# ids, also for names with '.', '-' and '_'.  Needs no root, but runs in
# the sandbox like every integration test.
. "$TOP/tests/integration/lib.sh"

# A topology with names that need escaping, lo addresses, interfaces that
# are no veth ends, and a port the host already has.
odd=$WORK/odd-names.yaml
cat > "$odd" <<'EOF'
name: odd-names
namespace-prefix: "g.x-"
nodes:
  web.1:
    interfaces:
      eth0: {addresses: [10.1.0.1/24, "fd00:1::1/64"]}
      lo: {addresses: [10.255.0.1/32, "fd00:ff::1/128"]}
  db-2:
    interfaces:
      eth_0: {addresses: [10.1.0.2/24]}
      d.0: {addresses: [10.5.0.1/24]}
      v.10: {addresses: [10.10.0.2/24]}
  app_3:
    interfaces:
      e-1: {addresses: [10.2.0.3/24]}
  a-b: {}
  a_b: {}
  a.b: {}
  host:
    interfaces:
      br.x: {addresses: [10.2.0.254/24]}
      lo: {addresses: [10.255.0.254/32]}
bridges:
  br.x: {}
  br_y: {node: web.1, ports: [p.9]}
links:
  - [web.1:eth0, db-2:eth_0]
  - [app_3:e-1, br.x]
  - [a-b:x, br_y]
  - [a_b:x, br_y:p_1]
  - {endpoints: [a.b:x, br.x], mtu: 9000}
  - [br.x, br_y]
  - {kind: dummy, endpoint: db-2:d.0}
  - {kind: dummy, endpoint: web.1:p.9}
  - {kind: vlan, endpoint: db-2:v.10, parent: db-2:eth_0, id: 10}
EOF
files="$odd"
for f in topologies/*.yaml tests/integration/labs/*.yaml; do
	files="$files $TOP/$f"
done

# gcheck FORMAT GRAPHFILE PLANJSON: the graph names what the plan makes
cat > "$WORK/gcheck.py" <<'EOF'
import json, re, sys
fmt, gfile, pfile = sys.argv[1:4]
g = open(gfile).read()
plan = json.load(open(pfile))
problems = []
nodes, bridges, ifaces, addrs = set(), set(), set(), set()
veths = singles = 0
for op in plan["ops"]:
    if op["op"] == "netns.add":
        nodes.add(op["node"])
    elif op["op"] == "link.add":
        if op["type"] == "bridge":
            bridges.add(op["link"]["name"])
        elif op["type"] == "veth":
            veths += 1
        else:
            singles += 1
        if op["type"] != "bridge":
            ifaces.add(op["link"]["name"])
        if "peer" in op:
            ifaces.add(op["peer"]["name"])
    elif op["op"] == "addr.add":
        addrs.add((op["dev"], op["address"]))
    # The host is drawn when the lab has a veth end or an address there.
    if op["op"] == "addr.add" and op["netns"] == "host":
        nodes.add("host")
    if op["op"] == "link.add" and op["type"] == "veth" and \
       "host" in (op["netns"], op.get("peer", {}).get("netns")):
        nodes.add("host")
# Every word of every label: label texts split at line breaks and spaces.
if fmt == "dot":
    labels = re.findall(r'(?:label|taillabel|headlabel)="((?:[^"\\]|\\.)*)"', g)
    words = set(w for l in labels for w in re.split(r'\\n| ', l))
else:
    labels = re.findall(r'"([^"]*)"', g)
    words = set(w for l in labels for w in re.split(r'<br/>| |—', l))
for n in sorted(nodes):
    if n not in words:
        problems.append("node %s is not in any label" % n)
for b in sorted(bridges):
    if b not in words:
        problems.append("bridge %s is not in any label" % b)
for i in sorted(ifaces):
    if i not in words:
        problems.append("interface %s is not in any label" % i)
for dev, a in sorted(addrs):
    if a not in words:
        problems.append("address %s (dev %s) is not in any label" % (a, dev))
    if dev == "lo" and ("lo" not in words):
        problems.append("lo's address %s is not labelled as lo's" % a)
if fmt == "dot":
    edges = re.findall(r'^\t"(n|b):[^"]*" -- "(n|b):[^"]*" \[taillabel=', g, re.M)
    if len(edges) != veths:
        problems.append("%d veth edges for %d veth links" % (len(edges), veths))
    ends = re.findall(r'^\t"i:[^"]*" -- "n:[^"]*" \[style=dashed\];$', g, re.M)
    if len(ends) != singles:
        problems.append("%d interface vertices for %d single-ended links"
                        % (len(ends), singles))
    declared = re.findall(r'^\t("(?:[^"\\]|\\.)*") \[', g, re.M)
    for v in set(re.findall(r'("(?:[^"\\]|\\.)*") -- ', g) +
                 re.findall(r' -- ("(?:[^"\\]|\\.)*")', g)):
        if v not in declared:
            problems.append("edge end %s is not declared" % v)
    if len(declared) != len(set(declared)):
        problems.append("a vertex is declared twice")
else:
    lines = g.splitlines()
    if not lines or not lines[0].startswith("%% lab ") or lines[1] != "graph LR":
        problems.append("does not start with '%% lab NAME' and 'graph LR'")
    ids, edges = {}, []
    for l in lines[2:]:
        m = re.match(r'^    (\S+?)(\(\["|\["|\[/")(.*)("\]\)|"\]|"/\])$', l)
        if m:
            if m.group(1) in ids:
                problems.append("id %s declared twice" % m.group(1))
            ids[m.group(1)] = m.group(3)
            continue
        m = re.match(r'^    (\S+) (---\|"[^"]*"\||-\.-|---) (\S+)$', l)
        if m:
            edges.append((m.group(1), m.group(2), m.group(3)))
            continue
        problems.append("not a vertex nor an edge: %r" % l)
    for i in ids:
        if not re.match(r'^[A-Za-z][A-Za-z0-9_]*$', i):
            problems.append("id %r is not letters, digits and _" % i)
    for a, _, b in edges:
        for v in (a, b):
            if v not in ids:
                problems.append("edge end %s is not declared" % v)
    veth_edges = [e for e in edges if e[1].startswith('---|')]
    if len(veth_edges) != veths:
        problems.append("%d link edges for %d veth links" % (len(veth_edges), veths))
    single_edges = [e for e in edges if e[1] == '-.-' and e[0].startswith("i_")]
    if len(single_edges) != singles:
        problems.append("%d interface edges for %d single-ended links"
                        % (len(single_edges), singles))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF

have_dot=false
if command -v dot >/dev/null 2>&1; then
	have_dot=true
else
	case ${CI:-} in
	true | 1 | yes) bad "graphviz (dot) is not installed: scripts/install-deps.sh test installs it" ;;
	*) echo "skip dot -Tsvg checks: graphviz (dot) is not installed" ;;
	esac
fi

for f in $files; do
	name=${f##*/}
	"$NSTOPO" plan --json "$f" > "$WORK/plan.json"
	"$NSTOPO" graph "$f" > "$WORK/g.dot" 2>"$WORK/err"
	check_eq "$name: graph exits 0" "0 " "$? $(cat "$WORK/err")"
	check "$name: the DOT names every node, bridge, interface, address" \
		python3 "$WORK/gcheck.py" dot "$WORK/g.dot" "$WORK/plan.json"
	if $have_dot; then
		dot -Tsvg "$WORK/g.dot" > "$WORK/g.svg" 2>"$WORK/err"
		check_eq "$name: dot -Tsvg accepts it, without a warning" "0 " \
			"$? $(cat "$WORK/err")"
		check_match "$name: an SVG came out" '</svg>' "$(tail -n 2 "$WORK/g.svg")"
	fi
	"$NSTOPO" graph --format dot "$f" | cmp -s - "$WORK/g.dot"
	check_eq "$name: --format dot is the default" 0 $?
	"$NSTOPO" graph --format mermaid "$f" > "$WORK/g.mmd" 2>"$WORK/err"
	check_eq "$name: mermaid exits 0" "0 " "$? $(cat "$WORK/err")"
	check "$name: mermaid: one edge per link, valid unique ids, every name" \
		python3 "$WORK/gcheck.py" mermaid "$WORK/g.mmd" "$WORK/plan.json"
done

# The odd names: ids that tell a-b, a_b and a.b apart.
g=$("$NSTOPO" graph --format mermaid "$odd")
check_match "mermaid: a-b" '^    n_a_2db\["a-b"\]$' "$g"
check_match "mermaid: a_b" '^    n_a_5fb\["a_b"\]$' "$g"
check_match "mermaid: a.b" '^    n_a_2eb\["a\.b"\]$' "$g"
check_match "mermaid: a node with lo's addresses" \
	'^    n_web_2e1\["web\.1<br/>lo 10\.255\.0\.1/32<br/>lo fd00:ff::1/128"\]$' "$g"
check_match "mermaid: the host's lo" 'n_host\["host<br/>lo 10\.255\.0\.254/32"\]' "$g"
check_match "mermaid: a bridge in a node" '^    b_br_5fy -\.- n_web_2e1$' "$g"
check_match "mermaid: a vlan" \
	'^    i_db_2d2_3av_2e10\[/"vlan v\.10<br/>10\.10\.0\.2/24<br/>id 10<br/>on db-2:eth_0"/\]$' "$g"
g=$("$NSTOPO" graph "$odd")
check_match "dot: quoted ids keep the names" '^	"n:web\.1" \[label="web\.1\\nlo 10\.255\.0\.1/32' "$g"
check_match "dot: bridge to bridge" '^	"b:br\.x" -- "b:br_y" \[taillabel="to-br_y", headlabel="to-br\.x"\];$' "$g"
check_match "dot: the mtu of a link" 'label="mtu 9000"' "$g"
check_match "dot: a dummy that is a bridge port" '^	"i:web\.1:p\.9" -- "b:br_y";$' "$g"

# Usage.
out=$("$NSTOPO" graph --format svg "$odd" 2>&1)
check_eq "unknown format: exit 2" 2 $?
check_eq "unknown format: says which exist" \
	"nstopo graph: unknown format 'svg' (dot or mermaid)" "$out"
printf 'nodes:\n  a: {mtu: 1}\n' > "$WORK/bad.yaml"
"$NSTOPO" graph "$WORK/bad.yaml" >/dev/null 2>&1
check_eq "invalid file: exit 2" 2 $?
finish
