#!/bin/sh
# gen-campus.sh ROUTERS HOSTS [NAME] - print a routed campus (format v1)
# for `make bench BIG=1`: routers r1..rR on one core bridge in the host
# namespace (10.0.0.0/16, fd10::/64), each with a LAN bridge of its own
# (lanI, inside rI, the router's address on it) holding HOSTS hosts hI-1..hI-HOSTS.  LAN I is
# 10.I.0.0/16 and fd10:I::/64, router .1/::1, host J at J+1 in both.
# Every router has a route to every other LAN through the core; every host
# a default route (IPv4 and IPv6) via its router.  A bridge takes at most
# 1023 ports: HOSTS <= 1022 (the router's port is one), ROUTERS <= 250.
set -eu
nr=${1:?usage: gen-campus.sh ROUTERS HOSTS [NAME]}
nh=${2:?usage: gen-campus.sh ROUTERS HOSTS [NAME]}
name=${3:-campus$((nr * nh))}
if [ "$nh" -gt 1022 ] || [ "$nr" -gt 250 ]; then
	echo "gen-campus.sh: at most 250 routers of 1022 hosts" >&2
	exit 2
fi
echo "version: 1"
echo "name: $name"
echo "bridges:"
echo "  core: {}"
r=1
while [ "$r" -le "$nr" ]; do echo "  lan$r: {node: r$r}"; r=$((r + 1)); done
echo "nodes:"
r=1
while [ "$r" -le "$nr" ]; do
	printf '  r%d:\n    sysctl: {net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1}\n' "$r"
	printf '    interfaces:\n'
	printf '      core0: {addresses: [10.0.0.%d/16, "fd10::%x/64"]}\n' "$r" "$r"
	printf '      lan%d: {addresses: [10.%d.0.1/16, "fd10:%x::1/64"]}\n' "$r" "$r" "$r"
	printf '    routes:\n'
	o=1
	while [ "$o" -le "$nr" ]; do
		[ "$o" = "$r" ] || printf '      - {to: 10.%d.0.0/16, via: 10.0.0.%d}\n      - {to: "fd10:%x::/64", via: "fd10::%x"}\n' \
			"$o" "$o" "$o" "$o"
		o=$((o + 1))
	done
	j=1
	while [ "$j" -le "$nh" ]; do
		k=$((j + 1))
		printf '  h%d-%d:\n    interfaces:\n      eth0: {addresses: [10.%d.%d.%d/16, "fd10:%x::%x/64"]}\n' \
			"$r" "$j" "$r" $((k / 256)) $((k % 256)) "$r" "$k"
		printf '    routes:\n      - {to: default, via: 10.%d.0.1}\n      - {to: default, via: "fd10:%x::1"}\n' "$r" "$r"
		j=$((j + 1))
	done
	r=$((r + 1))
done
echo "links:"
r=1
while [ "$r" -le "$nr" ]; do
	echo "  - [r$r:core0, core]"
	j=1
	while [ "$j" -le "$nh" ]; do
		echo "  - [h$r-$j:eth0, lan$r]"
		j=$((j + 1))
	done
	r=$((r + 1))
done
