# t-graph.sh - nstopo graph: Graphviz accepts the DOT of every example
# topology and test lab, and the DOT names every node, bridge, interface
# and address the plan makes, each interface a cell of its vertex where
# its edges end; the picture Graphviz draws is connected wherever the lab
# is (graphconn.py, from the plan), macvlans, ipvlans and vlans joined to
# their parents (the host's too), and no two vertices overlap; the
# Mermaid has one edge per link and valid, unique ids, also for names
# with '.', '-' and '_'.  Needs no root, but runs in the sandbox like
# every integration test.
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
# LANs of macvlans: on a router's interface (they and the router are one
# LAN), and on the host's NIC (the host is drawn, with its NIC); an
# ipvlan on a bridge; a lab in two parts that the picture keeps apart.
mac=$WORK/macvlan-lans.yaml
cat > "$mac" <<'EOF'
name: macvlan-lans
nodes:
  r:
    interfaces:
      lan0: {addresses: [10.7.0.1/24]}
  h1:
    interfaces:
      eth0: {addresses: [10.7.0.11/24]}
  h2:
    interfaces:
      eth0: {addresses: [10.7.0.12/24]}
  svc1: {}
  svc2: {}
  b1: {}
  lone1: {}
  lone2: {}
bridges:
  brb: {node: b1}
links:
  - {kind: dummy, endpoint: r:lan0}
  - {kind: macvlan, endpoint: h1:eth0, parent: r:lan0}
  - {kind: macvlan, endpoint: h2:eth0, parent: r:lan0, mode: private}
  - {kind: macvlan, endpoint: svc1:eth0, parent: host:eth0}
  - {kind: macvlan, endpoint: svc2:eth0, parent: host:eth0}
  - {kind: ipvlan, endpoint: b1:ip0, parent: b1:brb, mode: l3}
  - [lone1:e0, lone2:e0]
EOF
files="$odd $mac"
for f in topologies/*.yaml tests/integration/labs/*.yaml; do
	files="$files $TOP/$f"
done

# gcheck FORMAT GRAPHFILE PLANJSON: the graph names what the plan makes
cat > "$WORK/gcheck.py" <<'EOF'
import html, json, re, sys
fmt, gfile, pfile = sys.argv[1:4]
g = open(gfile).read()
plan = json.load(open(pfile))
problems = []
nodes, bridges, ifaces, addrs = set(), set(), set(), set()
veths = singles = parents = 0
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
            parents += "parent" in op
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
# Every word of every label: label texts split at line breaks and spaces;
# a DOT vertex's label is an HTML-like table.
if fmt == "dot":
    tables = re.findall(r'label=<(.*)>\];$', g, re.M)
    texts = [html.unescape(re.sub(r'<[^>]*>', ' ',
                                  t.replace('<BR/>', '\n')))
             for t in tables]
    texts += re.findall(r'label="((?:[^"\\]|\\.)*)"', g)
    words = set(w for l in texts for w in re.split(r'\\n|\n| ', l))
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
    edges = re.findall(r'^\t"(?:n|b):[^"]*" -- "(?:n|b):[^"]*" '
                       r'\[tailport="i_[^"]*", headport="i_[^"]*"(?:, label="mtu \d+")?\];$',
                       g, re.M)
    if len(edges) != veths:
        problems.append("%d veth edges for %d veth links" % (len(edges), veths))
    ends = re.findall(r'^\t"(?:n|b):[^"]*" -- "(?:n|b):[^"]*" '
                      r'\[tailport="i_[^"]*"(?:, headport="i_[^"]*")?, style=dashed\];$',
                      g, re.M)
    if len(ends) != parents:
        problems.append("%d edges to a parent for %d links with a parent"
                        % (len(ends), parents))
    # Each edge ends at a cell (a PORT) of the vertex it names.
    ports = {}
    for v, t in re.findall(r'^\t("(?:[^"\\]|\\.)*") \[label=<(.*)>\];$', g, re.M):
        ports[v] = set(html.unescape(p) for p in re.findall(r'PORT="([^"]*)"', t))
    for a, rest in re.findall(r'^\t("(?:[^"\\]|\\.)*") -- (.*)$', g, re.M):
        b = re.match(r'("(?:[^"\\]|\\.)*")', rest).group(1)
        for which, v in (("tailport", a), ("headport", b)):
            m = re.search(which + r'="((?:[^"\\]|\\.)*?)(?::[ns])?"', rest)
            if m and re.sub(r'\\(.)', r'\1', m.group(1)) not in ports.get(v, ()):
                problems.append("%s %s is no cell of %s" % (which, m.group(1), v))
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
        m = re.match(r'^    (\S+) (---\|"[^"]*"\||-\.-\|"on [^"]*"\||-\.-|---) (\S+)$', l)
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
    parent_edges = [e for e in edges if e[1].startswith('-.-|"on ')]
    if len(parent_edges) != parents:
        problems.append("%d parent edges for %d links with a parent"
                        % (len(parent_edges), parents))
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
		dot -Tjson "$WORK/g.dot" > "$WORK/g.json" 2>"$WORK/err"
		check "$name: the picture is connected where the lab is, nothing overlaps" \
			python3 "$TOP/tests/integration/graphconn.py" "$WORK/plan.json" "$WORK/g.json"
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
check_match "dot: quoted ids keep the names, lo's addresses in the head" \
	'^	"n:web\.1" \[label=<<TABLE .*<B>web\.1</B><BR/>lo 10\.255\.0\.1/32<BR/>lo fd00:ff::1/128</TD>' "$g"
check_match "dot: an interface is a cell, with its addresses" \
	'<TD PORT="i_eth0" [^>]*>eth0<BR/>10\.1\.0\.1/24<BR/>fd00:1::1/64</TD>' "$g"
check_match "dot: a link ends at its interfaces' cells" \
	'^	"n:web\.1" -- "n:db-2" \[tailport="i_eth0:s", headport="i_eth_0"\];$' "$g"
check_match "dot: bridge to bridge, port to port" \
	'^	"b:br\.x" -- "b:br_y" \[tailport="i_to-br_y", headport="i_to-br\.x:n"\];$' "$g"
check_match "dot: the mtu of a link" \
	'^	"n:a\.b" -- "b:br\.x" \[tailport="i_x:s", headport="i_g\.x-a\.b-x:n", label="mtu 9000"\];$' "$g"
check_match "dot: a dummy that is a bridge port is a cell of the bridge" \
	'^	"b:br_y" \[label=<<TABLE .*<TD PORT="i_p\.9" [^>]*>p\.9<BR/>dummy</TD>' "$g"
check_match "dot: a vlan, dashed to its parent" \
	'^	"n:db-2" -- "n:db-2" \[tailport="i_v\.10", headport="i_eth_0", style=dashed\];$' "$g"
check_match "dot: the host dashed" '^	"n:host" \[label=<<TABLE [^>]*STYLE="ROUNDED,DASHED"' "$g"
g=$("$NSTOPO" graph "$mac")
check_match "dot: a macvlan on a router's interface" \
	'^	"n:h1" -- "n:r" \[tailport="i_eth0", headport="i_lan0", style=dashed\];$' "$g"
check_match "dot: a macvlan on the host's NIC, which the host has" \
	'^	"n:svc1" -- "n:host" \[tailport="i_eth0", headport="i_eth0", style=dashed\];$' "$g"
check_eq "dot: the host's NIC is one cell, for both macvlans" 1 \
	"$(printf '%s\n' "$g" | grep '^	"n:host"' | grep -o 'PORT="i_eth0"' | wc -l)"
check_match "dot: an ipvlan on a bridge" \
	'^	"n:b1" -- "b:brb" \[tailport="i_ip0", style=dashed\];$' "$g"
g=$("$NSTOPO" graph --format mermaid "$mac")
check_match "mermaid: a macvlan on the host's NIC" '^    i_svc1_3aeth0 -\.-\|"on eth0"\| n_host$' "$g"
check_match "mermaid: a macvlan on a router's dummy" '^    i_h1_3aeth0 -\.-\|"on lan0"\| i_r_3alan0$' "$g"

# Usage.
out=$("$NSTOPO" graph --format svg "$odd" 2>&1)
check_eq "unknown format: exit 2" 2 $?
check_eq "unknown format: says which exist" \
	"nstopo graph: unknown format 'svg' (dot or mermaid)" "$out"
printf 'nodes:\n  a: {mtu: 1}\n' > "$WORK/bad.yaml"
"$NSTOPO" graph "$WORK/bad.yaml" >/dev/null 2>&1
check_eq "invalid file: exit 2" 2 $?
finish
