#!/usr/bin/env python3
"""origin.py - a small HTTP/TCP origin whose behaviour is switched at run time.

Used by the health-check tests: `origin.py PORT CTLFILE [BIND]` serves on BIND:PORT
(default 127.0.0.1) and re-reads CTLFILE (one word) every 20 ms
(`origin.py PORT CTLFILE BIND BODY`: BODY replaces "OK" in answers, to tell origins apart):

  up        200 OK, body "OK\n" (the default when the file is missing or empty)
  refuse    listening socket closed: connects are refused
  hang      accepts, reads, never answers, never closes
  slow      answers 200 after 3 s
  500       answers "500 Internal Server Error"
  404       answers "404 Not Found"
  wrongbody 200 OK with body "WRONG\n"
  big       200 OK then an endless body (tests bounded reads)
  close     accepts and closes at once without answering

Every request line received is appended to CTLFILE.log, so tests can see what was sent.
"""
import os
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
CTL = sys.argv[2]
BIND = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
BODY = (sys.argv[4] if len(sys.argv) > 4 else "OK").encode() + b"\n"
LOG = CTL + ".log"
mode = "up"
lock = threading.Lock()


def read_mode():
    try:
        with open(CTL) as f:
            w = f.read().strip()
        return w or "up"
    except OSError:
        return "up"


def reply(conn, status, body):
    head = "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n" \
           "Connection: close\r\n\r\n" % (status, len(body))
    conn.sendall(head.encode() + body)


def handle(conn):
    m = mode
    try:
        conn.settimeout(10)
        if m == "close":
            return
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        with lock:
            with open(LOG, "a") as f:
                f.write(line + "\n")
        m = mode
        if m == "hang":
            time.sleep(3600)
        elif m == "slow":
            time.sleep(3)
            reply(conn, "200 OK", BODY)
        elif m == "500":
            reply(conn, "500 Internal Server Error", b"boom\n")
        elif m == "404":
            reply(conn, "404 Not Found", b"nope\n")
        elif m == "wrongbody":
            reply(conn, "200 OK", b"WRONG\n")
        elif m == "big":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            blob = b"x" * 65536
            while True:
                conn.sendall(blob)
        else:
            reply(conn, "200 OK", BODY)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listener():
    s = socket.socket(socket.AF_INET6 if ":" in BIND else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((BIND, PORT))
    s.listen(128)
    s.settimeout(0.02)
    return s


def main():
    global mode
    srv = None
    while True:
        mode = read_mode()
        if mode == "refuse":
            if srv:
                srv.close()
                srv = None
            time.sleep(0.02)
            continue
        if srv is None:
            try:
                srv = listener()
            except OSError:
                time.sleep(0.05)
                continue
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        except OSError:
            continue
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
