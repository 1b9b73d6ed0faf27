#!/usr/bin/python3
"""A plain HTTP server for a test's own pages: serves DIR on 127.0.0.1, on a
port the system picks, and prints that port as its first line.

  static_server.py DIR
"""
import functools, http.server, sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
