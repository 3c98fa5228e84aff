#!/usr/bin/env python3
"""A tiny threaded TCP echo server for manual runs and scripts/client-interactive.sh.

Usage: line-echo-server.py PORT [--upper]
Echoes every byte it receives (upper-cased with --upper) on 127.0.0.1:PORT, with TCP_NODELAY, until killed.
Bytes in, same bytes out is correct for line, length (upper aside) and raw framing alike.
The real servers (`dotnet run --project src/Servers -c Release -- --port P --framing line`) replace it.
"""
import socket
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data.upper() if UPPER else data)
        except ConnectionResetError:
            return  # the client left abruptly: its business, not the server's


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    UPPER = "--upper" in sys.argv[2:]
    with Server(("127.0.0.1", int(sys.argv[1])), Echo) as server:
        print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
