#!/usr/bin/env python3
"""mcast.py recv IF GROUP PORT SECS | send IF GROUP PORT - multicast check
for the research runs: recv joins GROUP on IF (an MLD report goes out) and
prints OK and the delay when a datagram arrives within SECS, else FAIL;
send sends one datagram to GROUP out of IF every 0.1 s for 2 s."""
import socket, struct, sys, time
what, ifname, group, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
idx = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
if what == "recv":
    secs = float(sys.argv[5])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", idx))
    s.settimeout(secs)
    t0 = time.monotonic()
    try:
        s.recvfrom(100)
        print(f"mcast recv OK after {time.monotonic() - t0:.3f} s")
    except socket.timeout:
        print("mcast recv FAIL")
        sys.exit(1)
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    for _ in range(20):
        s.sendto(b"x", (group, port, 0, idx))
        time.sleep(0.1)
