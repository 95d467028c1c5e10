"""Protocol errors at the HTTP layer. What reaches glued's handler is answered in AWS's JSON error shape (a method
or path it does not serve, a body over the limit); what libmicrohttpd refuses before glued sees the request is
answered by libmicrohttpd itself, with its own short HTML body (no hook in libmicrohttpd 0.9 changes it): the
README lists those. Either way the server answers (or closes) and keeps serving."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase  # noqa: E402


def exchange(port, raw, timeout=10):
    """Raw bytes in, the first response's status line and body out (b'' if the server just closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        except (ConnectionResetError, socket.timeout):
            pass
        return data
    finally:
        s.close()


def status(data):
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None


class ProtocolErrorTest(ServerTestCase):
    def assertJsonError(self, data, code, typ):
        self.assertEqual(status(data), code, data[:300])
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Type: application/x-amz-json-1.1", head)
        self.assertIn(b"x-amzn-ErrorType: " + typ.encode(), head)
        self.assertIn(b'"__type":"' + typ.encode() + b'"', body)

    def test_answered_by_glued_in_json(self):
        p = self.server.port
        # a method or path glued does not serve
        self.assertJsonError(exchange(p, b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
                             404, "UnknownOperationException")
        self.assertJsonError(exchange(p, b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                             404, "UnknownOperationException")
        # a body announced past 4 MiB, refused before it is read
        self.assertJsonError(exchange(p, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.ListWorkflows\r\n"
                                         b"Content-Length: 5000000\r\nConnection: close\r\n\r\n{}"),
                             400, "InvalidInputException")
        self.assertStillServes()

    def test_answered_by_libmicrohttpd(self):
        p = self.server.port
        cases = [
            ("headers past the 64 KiB a connection may hold", 431,
             b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\nContent-Length: 2\r\n\r\n{}"),
            ("a Content-Length that is not a number", 400,
             b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"),
            ("a Content-Length past 2^64", 413,
             b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n{}"),
            ("broken chunked encoding", 400,
             b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
            ("an HTTP version other than 1.x", 505,
             b"POST / HTTP/2.0\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"),
            ("a request line that is not one", None, b"GARBAGE\r\n\r\n"),
        ]
        for what, code, raw in cases:
            with self.subTest(what):
                self.assertEqual(status(exchange(p, raw)), code)
                self.assertStillServes()
