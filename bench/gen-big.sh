#!/bin/sh
# gen-big.sh N BRIDGES [NAME] - print a large topology (format v1) for
# `make bench BIG=1`: bridges br0..br(BRIDGES-1) in the host namespace and
# nodes h1..hN, node I on bridge (I-1) % BRIDGES, each with eth0 joined to
# its bridge.  Bridge B is its own subnet, 10.(100+B).0.0/16 and
# fd00:(B+1)::/64; the J-th node on it gets host number J in both, so every
# address is unique.  A bridge takes at most 1023 ports (the kernel's limit):
# N <= 1023 * BRIDGES.
set -eu
n=${1:?usage: gen-big.sh N BRIDGES [NAME]}
nb=${2:?usage: gen-big.sh N BRIDGES [NAME]}
name=${3:-big$n}
per=$(((n + nb - 1) / nb))
if [ "$per" -gt 1023 ]; then
	echo "gen-big.sh: $per ports per bridge, over the kernel's 1023" >&2
	exit 2
fi
echo "version: 1"
echo "name: $name"
echo "bridges:"
b=0
while [ "$b" -lt "$nb" ]; do echo "  br$b: {}"; b=$((b + 1)); done
echo "nodes:"
i=1
while [ "$i" -le "$n" ]; do
	b=$(((i - 1) % nb))
	j=$(((i - 1) / nb + 1))
	printf '  h%d:\n    interfaces:\n      eth0: {addresses: [10.%d.%d.%d/16, "fd00:%x::%x/64"]}\n' \
		"$i" $((100 + b)) $((j / 256)) $((j % 256)) $((b + 1)) "$j"
	i=$((i + 1))
done
echo "links:"
i=1
while [ "$i" -le "$n" ]; do
	printf '  - [h%d:eth0, br%d]\n' "$i" $(((i - 1) % nb))
	i=$((i + 1))
done
