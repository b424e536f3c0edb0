#!/bin/sh
# gen-ring.sh N [NAME] - print a ring of N nodes (format v1) for `make
# bench BIG=1`: nodes n1..nN, each joined to the next by a veth pair (n_k
# port a to n_k+1 port b, nN back to n1), and N/5 chords between nodes
# far apart on the ring (chord J: port cJ at both ends); no bridge, no
# route, every pair of ends in namespaces of the lab.  Link K (ring
# links 1..N, then the chords) is 10.64.0.0/10's /31 number K-1 and
# fd20::/64's /127 number K-1 (its first end the even address; address
# I is fd20::H:L, H and L I's upper and lower 16 bits).
# N >= 3, N <= 1,000,000.
set -eu
n=${1:?usage: gen-ring.sh N [NAME]}
name=${2:-ring$n}
if [ "$n" -lt 3 ] || [ "$n" -gt 1000000 ]; then
	echo "gen-ring.sh: 3 <= N <= 1000000" >&2
	exit 2
fi
awk -v n="$n" -v name="$name" '
function v4(i) { return sprintf("10.%d.%d.%d/31", 64 + int(i / 65536), int(i / 256) % 256, i % 256) }
function v6(i) { return sprintf("\"fd20::%x:%x/127\"", int(i / 65536), i % 65536) }
function end(node, port, i) {
	ifs[node, ++nif[node]] = sprintf("      %s: {addresses: [%s, %s]}", port, v4(i), v6(i))
}
BEGIN {
	k = 0
	for (a = 1; a <= n; a++) {
		b = a % n + 1
		end(a, "a", 2 * k); end(b, "b", 2 * k + 1)
		links[k] = sprintf("  - [n%d:a, n%d:b]", a, b)
		k++
	}
	for (j = 1; j <= int(n / 5); j++) {
		a = (j * 37) % n + 1
		b = (a + int(n / 3) + j % 101) % n + 1
		if (a == b)
			continue
		end(a, "c" j, 2 * k); end(b, "c" j, 2 * k + 1)
		links[k] = sprintf("  - [n%d:c%d, n%d:c%d]", a, j, b, j)
		k++
	}
	printf "version: 1\nname: %s\nnodes:\n", name
	for (a = 1; a <= n; a++) {
		printf "  n%d:\n    interfaces:\n", a
		for (f = 1; f <= nif[a]; f++)
			print ifs[a, f]
	}
	print "links:"
	for (i = 0; i < k; i++)
		print links[i]
}'
