#!/usr/bin/env python3
"""netkit.py - small TCP/UDP services and clients for t-relay.sh.

Services (run in a node, in the background; they serve until killed):
  tcp-echo ADDR PORT          echo until EOF, then shut down and close
  tcp-sink ADDR PORT          read until EOF, answer the sha256 hex of it
  tcp-source ADDR PORT FILE   send FILE, then close
  tcp-first ADDR PORT DIR     send "hello\\n" and shut down writing first,
                              then read until EOF; DIR/first.sha256 gets
                              the sha256 of what came
  udp-echo ADDR PORT          every datagram back to its sender
Clients (exit 0 when the check holds; a message on stderr when not):
  echo HOST PORT SIZE         SIZE bytes, half-close, all of them back
  sink HOST PORT FILE         FILE out, half-close, its sha256 back
  fetch HOST PORT             print the sha256 of what comes until EOF
  first HOST PORT SIZE        expect "hello\\n" then EOF, then send SIZE
                              bytes; print their sha256
  stall HOST PORT SECS        read nothing for SECS, then all; print the
                              sha256 and the length
  many HOST PORT N SIZE       N concurrent echo connections at once
  reset HOST PORT             connect, send, close with a reset (linger 0)
  refused HOST PORT           the connection must end without data
  udp HOST PORT N             N datagrams, each echoed
  udp-pair HOST PORT N        two sockets interleaved, each gets its own
  ready HOST PORT [udp]       wait (10 s) until HOST PORT answers
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listen_tcp(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(512)
    return s


def serve(s, handler):
    while True:
        c, _ = s.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def recv_all(c):
    h = hashlib.sha256()
    n = 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            return h, n
        h.update(b)
        n += len(b)


def tcp_echo(addr, port):
    def h(c):
        try:
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                c.sendall(b)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.close()
    serve(listen_tcp(addr, port), h)


def tcp_sink(addr, port):
    def h(c):
        try:
            dig, _ = recv_all(c)
            c.sendall(dig.hexdigest().encode() + b"\n")
        except OSError:
            pass
        c.close()
    serve(listen_tcp(addr, port), h)


def tcp_source(addr, port, path):
    def h(c):
        try:
            with open(path, "rb") as f:
                c.sendfile(f)
        except OSError:
            pass
        c.close()
    serve(listen_tcp(addr, port), h)


def tcp_first(addr, port, d):
    def h(c):
        try:
            c.sendall(b"hello\n")
            c.shutdown(socket.SHUT_WR)
            dig, _ = recv_all(c)
            with open(os.path.join(d, "first.sha256.tmp"), "w") as f:
                f.write(dig.hexdigest() + "\n")
            os.rename(os.path.join(d, "first.sha256.tmp"),
                      os.path.join(d, "first.sha256"))
        except OSError:
            pass
        c.close()
    serve(listen_tcp(addr, port), h)


def udp_echo(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        b, a = s.recvfrom(65536)
        s.sendto(b, a)


def dial(host, port, timeout=20):
    return socket.create_connection((host, int(port)), timeout=timeout)


def payload(size, seed=0):
    # Not periodic at any small period: blocks of a counter's hashes.
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha512(b"%d:%d" % (seed, i)).digest() * 8
        i += 1
    return bytes(out[:size])


def die(msg):
    sys.stderr.write("netkit: " + msg + "\n")
    sys.exit(1)


def echo(host, port, size, seed=0):
    data = payload(int(size), seed)
    c = dial(host, port)
    got = bytearray()

    def reader():
        while True:
            b = c.recv(1 << 16)
            if not b:
                return
            got.extend(b)
    t = threading.Thread(target=reader)
    t.start()
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    t.join(60)
    c.close()
    if bytes(got) != data:
        die("echo: sent %d bytes, got %d back%s" %
            (len(data), len(got), "" if len(got) != len(data) else
             " (different)"))


def sink(host, port, path):
    h = hashlib.sha256()
    c = dial(host, port, timeout=120)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    answer, _ = b"", None
    while True:
        b = c.recv(256)
        if not b:
            break
        answer += b
    c.close()
    if answer.decode().strip() != h.hexdigest():
        die("sink: sent sha256 %s, the service got %r" %
            (h.hexdigest(), answer))


def fetch(host, port):
    c = dial(host, port, timeout=120)
    dig, n = recv_all(c)
    c.close()
    print(dig.hexdigest(), n)


def stall(host, port, secs):
    """Connect, read nothing for SECS, then read all: print its sha256."""
    c = dial(host, port, timeout=120)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    time.sleep(float(secs))
    dig, n = recv_all(c)
    c.close()
    print(dig.hexdigest(), n)


def first(host, port, size):
    c = dial(host, port)
    got = b""
    while True:
        b = c.recv(64)
        if not b:
            break
        got += b
    if got != b"hello\n":
        die("first: got %r before EOF" % got)
    data = payload(int(size), 7)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
    print(hashlib.sha256(data).hexdigest())


def many(host, port, n, size):
    n, size = int(n), int(size)
    errors = []
    barrier = threading.Barrier(n)

    def one(i):
        try:
            data = payload(size, i)
            c = dial(host, port, timeout=60)
            barrier.wait(60)        # all n open at the same time
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            got = bytearray()
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                got.extend(b)
            c.close()
            if bytes(got) != data:
                errors.append("conn %d: %d of %d bytes" %
                              (i, len(got), size))
        except Exception as e:  # noqa: BLE001 - any failure counts
            errors.append("conn %d: %r" % (i, e))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    if errors:
        die("many: %d of %d failed: %s" % (len(errors), n,
                                           "; ".join(errors[:5])))


def reset(host, port):
    c = dial(host, port)
    c.sendall(b"x" * 100000)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    c.close()


def refused(host, port):
    # Accepted by the relay, then reset (at once or after a failed
    # connect); ECONNREFUSED would mean that nothing listens.
    try:
        c = dial(host, port, timeout=15)
    except ConnectionResetError:
        return
    try:
        b = c.recv(100)
    except ConnectionResetError:
        b = b""
    if b:
        die("refused: got data %r" % b)
    c.close()


def udp(host, port, n):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, int(port)))
    for i in range(int(n)):
        msg = payload(100 + i % 1000, i)
        s.send(msg)
        try:
            b = s.recv(65536)
        except socket.timeout:
            die("udp: datagram %d: no answer" % i)
        if b != msg:
            die("udp: datagram %d: answer differs" % i)


def udp_pair(host, port, n):
    a = socket.socket(family(host), socket.SOCK_DGRAM)
    b = socket.socket(family(host), socket.SOCK_DGRAM)
    for s in (a, b):
        s.settimeout(2)
        s.connect((host, int(port)))
    for i in range(int(n)):
        a.send(b"a%d" % i)
        b.send(b"b%d" % i)
        for s, tag in ((a, b"a"), (b, b"b")):
            try:
                got = s.recv(100)
            except socket.timeout:
                die("udp-pair: %s%d: no answer" % (tag.decode(), i))
            if got != tag + b"%d" % i:
                die("udp-pair: %r got %r" % (tag, got))


def ready(host, port, proto="tcp"):
    end = time.time() + 10
    while time.time() < end:
        try:
            if proto == "udp":
                udp(host, port, 1)
            else:
                dial(host, port, timeout=1).close()
            return
        except (OSError, SystemExit):
            time.sleep(0.05)
    die("ready: %s %s does not answer" % (host, port))


CMDS = {
    "tcp-echo": tcp_echo, "tcp-sink": tcp_sink, "tcp-source": tcp_source,
    "tcp-first": tcp_first, "udp-echo": udp_echo, "echo": echo,
    "sink": sink, "fetch": fetch, "first": first, "many": many,
    "reset": reset, "stall": stall, "refused": refused, "udp": udp, "udp-pair": udp_pair,
    "ready": ready,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    CMDS[sys.argv[1]](*sys.argv[2:])
