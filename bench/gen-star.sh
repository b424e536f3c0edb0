#!/bin/sh
# Copied unchanged from the shared benchmark kit (shared/bench/gen-star.sh).
# gen-star.sh N [NAME] - print the benchmark "star" topology (format v1):
# bridge br0 in the host namespace, nodes h1..hN, each with eth0 joined
# to br0, an IPv4 /16 and an IPv6 /64 address.  floor.c builds the same.
n=${1:?usage: gen-star.sh N [NAME]}
name=${2:-star$n}
echo "version: 1"
echo "name: $name"
echo "bridges:"
echo "  br0: {}"
echo "nodes:"
i=1
while [ "$i" -le "$n" ]; do
	printf '  h%d:\n    interfaces:\n      eth0: {addresses: [10.%d.%d.%d/16, "fd00::%x/64"]}\n' \
		"$i" $((100 + i / 65536)) $((i / 256 % 256)) $((i % 256)) "$i"
	i=$((i + 1))
done
echo "links:"
i=1
while [ "$i" -le "$n" ]; do
	printf '  - [h%d:eth0, br0]\n' "$i"
	i=$((i + 1))
done
