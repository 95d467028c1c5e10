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

    def test_ambiguous_body_length_is_refused(self):
        """Two Content-Length headers that disagree, or one beside Transfer-Encoding: a proxy in front could frame
        the body otherwise and pass a request hidden in it. Refused before the body is read, with nothing answered
        for what follows on the connection."""
        p = self.server.port
        hidden = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.DeleteWorkflow\r\nContent-Length: 11\r\n\r\n{\"Name\":\"w\"}"
        cases = [
            ("Content-Length twice, disagreeing", b"Content-Length: 2\r\nContent-Length: %d\r\n" % (2 + len(hidden)),
             "Content-Length headers that disagree"),
            ("Content-Length beside Transfer-Encoding",
             b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (2 + len(hidden)), "Transfer-Encoding"),
            ("the same, Transfer-Encoding first",
             b"Transfer-Encoding: chunked\r\nContent-Length: 7\r\n", "Transfer-Encoding"),
        ]
        for what, headers, msg in cases:
            with self.subTest(what):
                data = exchange(p, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.ListWorkflows\r\n" + headers
                                + b"\r\n{}" + hidden)
                self.assertJsonError(data, 400, "InvalidInputException")
                self.assertIn(msg.encode(), data)
                self.assertEqual(data.count(b"HTTP/1.1 "), 1, data)
                self.assertStillServes()
        # the same length twice is one length (RFC 9112 allows it), and chunked alone is fine
        ok = exchange(p, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.ListWorkflows\r\n"
                         b"Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        self.assertEqual(status(ok), 200, ok[:300])
        ok = exchange(p, b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSGlue.ListWorkflows\r\n"
                         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
        self.assertEqual(status(ok), 200, ok[:300])

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
