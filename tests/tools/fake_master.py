#!/usr/bin/python3
"""A test Mesos master: serves GET /master/state the way a Mesos 1.x master
does, with fault modes switchable at runtime. Standard library only.

What it mimics (Apache Mesos src/master/http.cpp, readonly_handler.cpp):
  GET /master/state        200 application/json; gzip when the client sends
                           Accept-Encoding: gzip
  GET /master/state.json   404 (the .json aliases are gone since Mesos 1.8)
  GET /master/redirect     307, Location: //<leader host:port>
  a non-leading master     307, Location: //<leader host:port>/master/state
  no leader elected        503
  HTTP authentication      401 with WWW-Authenticate: Basic realm="mesos"

The served document's top-level `leader` names this instance
(master@127.0.0.1:<port>) unless another leader is set.

Fault modes (set_mode(), the --mode flag, or POST /__fake__/mode with a JSON
body {"mode": "...", ...params}):
  ok            serve the state (default)
  http500       500 Internal Server Error
  no_leader     503 Service Unavailable
  unauthorized  401 with WWW-Authenticate, whatever the credentials
  invalid_json  200 with a body that is not JSON
  truncated     200 announcing the full Content-Length, then half the body
                and the connection is closed (param: fraction, default 0.5)
  hang          accept, read the request, never answer (bounded by
                param max_seconds, default 300, and by stop())
  slow          200, body dripped `bytes` bytes every `interval` seconds
                (params bytes=1024, interval=0.05)
  redirect      307 to another master (param to="127.0.0.1:PORT"), as a
                non-leading Mesos master answers; param location="..." sends
                that Location instead (any URL, for redirects no master makes).
                A POST to the IAM login path is redirected the same way (to
                the same path on `to`)
  other_leader  200, but the state's `leader` names another master (param
                leader="master@127.0.0.1:PORT"): a stale or non-leading view
  empty_leader  200, `leader` is ""
  endless_string  200, chunked, {"leader":"aaaa... without end: 64 KiB of
                "a" per chunk (gzip'd, sync-flushed, when the client accepts
                gzip) until the client goes away, stop(), or param
                max_seconds (default 60)
  huge          200, the state with a leading "padding" array of 1000-byte
                strings, at least param bytes (default 8 MiB) long: valid,
                just big. Chunked in 64 KiB pieces unless param
                content_length is true; gzip'd when the client accepts it,
                unless param gzip is false
Basic authentication (auth=(principal, secret) / --auth p:s) is orthogonal:
requests without those credentials get 401.
TLS (tls=(certfile, keyfile[, client_ca]) / --tls-cert F --tls-key F
[--tls-client-ca F]): serve https; with a client CA, a client certificate
signed by it is required (MesosHTTPSOn, CACertFile, CertFile/KeyFile).
DC/OS IAM (iam=FakeIAM(...) / --iam-pubkey FILE [--iam-uid U] [--iam-token-ttl S],
see fake_iam.py): POST /acs/api/v1/auth/login checks the service account's RS256
login JWT and hands out tokens; /master/state then wants "Authorization:
token=<token>" (401 otherwise). POST /__fake__/iam {"revoke": true} invalidates
every token issued so far, {"token_ttl": S} changes the lifetime of new ones.

GET /__fake__/stats returns {"requests": N, "state_requests": N, "mode": ...,
"last_headers": {...}, "streamed": N, "streamed_decoded": N} (headers of the
last request outside /__fake__/; body bytes the endless_string and huge modes
wrote on the wire; what endless_string wrote before compression), plus
"iam": {"logins", "login_failures", "rejected", "last_failure"} with IAM.

Command line: fake_master.py (--state FILE | --tasks N [--agents A]
[--frameworks F] [--seed S]) [--port 0] [--auth p:s] [--mode MODE]; prints
the bound port on stdout when ready, serves until SIGTERM/SIGINT.
In tests:  with FakeMaster(state=doc_bytes) as fm: fm.url, fm.set_mode(...)
"""

import argparse
import base64
import gzip
import http.server
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_state  # noqa: E402

IAM_LOGIN_PATH = "/acs/api/v1/auth/login"  # DC/OS; served when an IAM is plugged in

LEADER_RE = re.compile(rb'"leader"\s*:\s*"(?:[^"\\]|\\.)*"')
MODES = {"ok", "http500", "no_leader", "unauthorized", "invalid_json", "truncated", "hang",
         "slow", "redirect", "other_leader", "empty_leader", "endless_string", "huge"}
CHUNK = 65536


class FakeMaster:
    """One fake master on 127.0.0.1; start() returns the bound port."""

    def __init__(self, state=None, state_file=None, host="127.0.0.1", port=0, auth=None,
                 mode="ok", iam=None, tls=None, **mode_params):
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("the fake master binds loopback only")
        if state_file is not None:
            with open(state_file, "rb") as f:
                state = f.read()
        if state is None:
            state = gen_state.generate(tasks=20, agents=3, frameworks=2, seed=1)
        self.host = host
        self.port = port
        self.auth = auth
        self.iam = iam
        self.tls = tls
        self.requests = 0
        self.state_requests = 0
        self.last_headers = {}
        self.streamed = 0
        self.streamed_decoded = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cache = {}
        self._state = state
        self._server = None
        self._thread = None
        self.set_mode(mode, **mode_params)

    # -- control --

    def set_mode(self, mode, **params):
        if mode not in MODES:
            raise ValueError("unknown mode %r (one of %s)" % (mode, ", ".join(sorted(MODES))))
        need = {"redirect": "to", "other_leader": "leader"}.get(mode)
        if mode == "redirect" and "location" in params:
            need = None
        if need and need not in params:
            raise ValueError("mode %s needs the parameter %r" % (mode, need))
        with self._lock:
            self.mode = mode
            self.params = dict(params)

    def set_state(self, state):
        with self._lock:
            self._state = state
            self._cache = {}

    @property
    def pid(self):
        return "master@%s:%d" % (self.host, self.port)

    @property
    def url(self):
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    def start(self):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET

        class Server(http.server.ThreadingHTTPServer):
            address_family = family
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((self.host, self.port), _Handler)
        self._server.master = self
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls[0], self.tls[1])
            if len(self.tls) > 2 and self.tls[2]:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(self.tls[2])
            # The handshake happens in the handler thread, not in accept().
            self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self.port

    def stop(self):
        self._stop.set()  # releases hanging and dripping handlers
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- documents --

    def body(self, leader, compress):
        """The state with `leader` as its leader, gzip'd or not (cached)."""
        key = (leader, compress)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            state = self._state
        new = b'"leader":' + json.dumps(leader).encode()
        doc, n = LEADER_RE.subn(lambda m: new, state, count=1)
        if n == 0:  # no leader in the document: add one
            doc = re.sub(rb"^\s*\{", b"{" + new + b",", state, count=1)
        if compress:
            doc = gzip.compress(doc, compresslevel=6)
        with self._lock:
            self._cache[key] = doc
        return doc

    def huge_body(self, leader, size):
        """The state behind a "padding" array making it >= size bytes (cached)."""
        key = ("huge", leader, size)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        base = self.body(leader, False).lstrip()
        item = b'"' + b"x" * 1000 + b'",'
        n = max(0, size - len(base)) // len(item) + 1
        doc = b'{"padding":[' + item * n + b'""],' + base[1:]
        with self._lock:
            self._cache[key] = doc
        return doc

    def count_streamed(self, wire, decoded):
        with self._lock:
            self.streamed += wire
            self.streamed_decoded += decoded


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like libprocess
    server_version = "libprocess-fake"

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def _send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _authorized(self, fm):
        if fm.iam and not fm.iam.authorized(self.headers.get("Authorization")):
            return False
        if not fm.auth:
            return True
        want = "Basic " + base64.b64encode(("%s:%s" % fm.auth).encode()).decode()
        return self.headers.get("Authorization") == want

    def do_POST(self):
        fm = self.server.master
        n = int(self.headers.get("Content-Length") or 0)
        json_hdr = [("Content-Type", "application/json")]
        with fm._lock:
            mode, params = fm.mode, dict(fm.params)
        if self.path == IAM_LOGIN_PATH and mode == "redirect":
            self.rfile.read(n)  # the connection may be reused
            loc = params.get("location") or "//%s%s" % (params["to"], IAM_LOGIN_PATH)
            return self._send(307, headers=[("Location", loc)])
        if self.path == IAM_LOGIN_PATH and fm.iam:
            code, body = fm.iam.login(self.rfile.read(n))
            return self._send(code, body, json_hdr)
        if self.path == "/__fake__/iam" and fm.iam:
            try:
                req = json.loads(self.rfile.read(n) or b"{}")
                if req.get("revoke"):
                    fm.iam.revoke()
                if "token_ttl" in req:
                    fm.iam.token_ttl = float(req["token_ttl"])
            except (ValueError, TypeError, AttributeError) as e:
                return self._send(400, str(e).encode())
            return self._send(200, b"{}", json_hdr)
        if self.path != "/__fake__/mode":
            return self._send(404)
        try:
            req = json.loads(self.rfile.read(n) or b"{}")
            mode = req.pop("mode")
            fm.set_mode(mode, **req)
        except (ValueError, KeyError, TypeError) as e:
            return self._send(400, str(e).encode())
        self._send(200, b"{}", [("Content-Type", "application/json")])

    def do_GET(self):
        fm = self.server.master
        path = self.path.split("?", 1)[0]
        with fm._lock:
            fm.requests += 1
            if not path.startswith("/__fake__/"):  # the control API is not a client
                fm.last_headers = dict(self.headers.items())
            mode, params = fm.mode, dict(fm.params)
        if path == "/__fake__/stats":
            stats = {"requests": fm.requests, "state_requests": fm.state_requests,
                     "mode": mode, "last_headers": fm.last_headers, "streamed": fm.streamed,
                     "streamed_decoded": fm.streamed_decoded}
            if fm.iam:
                stats["iam"] = fm.iam.stats()
            body = json.dumps(stats).encode()
            return self._send(200, body, [("Content-Type", "application/json")])
        if path == "/master/redirect":
            target = params.get("to") if mode == "redirect" else "%s:%d" % (fm.host, fm.port)
            return self._send(307, headers=[("Location", "//" + target)])
        if path != "/master/state":  # includes /master/state.json: gone since 1.8
            return self._send(404)
        with fm._lock:
            fm.state_requests += 1
        if not self._authorized(fm) or mode == "unauthorized":
            return self._send(401, headers=[("WWW-Authenticate", 'Basic realm="mesos"')])
        return self._state(fm, mode, params)

    def _state(self, fm, mode, params):
        json_hdr = ("Content-Type", "application/json")
        if mode == "http500":
            return self._send(500, b"Internal Server Error")
        if mode == "no_leader":
            return self._send(503, b"No leader elected")
        if mode == "redirect":
            loc = params.get("location") or "//%s/master/state" % params["to"]
            return self._send(307, headers=[("Location", loc)])
        if mode == "hang":
            fm._stop.wait(timeout=float(params.get("max_seconds", 300)))
            self.close_connection = True
            return None
        if mode == "invalid_json":
            return self._send(200, b'{"leader":"master@127.0.0.1:5050","slaves":[}', [json_hdr])
        leader = {"other_leader": params.get("leader"), "empty_leader": ""}.get(mode, fm.pid)
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "")
        headers = [json_hdr] + ([("Content-Encoding", "gzip")] if gz else [])
        if mode == "endless_string":
            return self._endless(fm, headers, gz, float(params.get("max_seconds", 60)))
        if mode == "huge":
            doc = fm.huge_body(leader, int(params.get("bytes", 8 << 20)))
            if not params.get("gzip", True):
                gz, headers = False, [json_hdr]
            return self._huge(fm, doc, headers, gz, bool(params.get("content_length")))
        body = fm.body(leader, gz)
        if mode == "truncated":
            return self._truncated(body, headers, float(params.get("fraction", 0.5)))
        if mode == "slow":
            return self._drip(fm, body, headers, int(params.get("bytes", 1024)),
                              float(params.get("interval", 0.05)))
        return self._send(200, body, headers)

    # -- chunked transfer encoding (how libprocess streams) --

    def _chunked_start(self, headers):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _endless(self, fm, headers, gz, max_seconds):
        comp = zlib.compressobj(6, zlib.DEFLATED, 31) if gz else None
        self._chunked_start(headers)
        data, end = b'{"leader":"' + b"a" * CHUNK, time.monotonic() + max_seconds
        try:
            while not fm._stop.is_set() and time.monotonic() < end:
                wire = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH) if comp else data
                self._chunk(wire)
                fm.count_streamed(len(wire), len(data))
                data = b"a" * CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _huge(self, fm, doc, headers, gz, content_length):
        body = gzip.compress(doc, compresslevel=1) if gz else doc
        try:
            if content_length:
                self._send(200, body, headers)
                fm.count_streamed(len(body), len(doc))
                return
            self._chunked_start(headers)
            for off in range(0, len(body), CHUNK):
                if fm._stop.is_set():
                    break
                self._chunk(body[off:off + CHUNK])
                fm.count_streamed(min(CHUNK, len(body) - off), 0)  # wire bytes only
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _truncated(self, body, headers, fraction):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:int(len(body) * fraction)])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _drip(self, fm, body, headers, step, interval):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for off in range(0, len(body), max(1, step)):
                self.wfile.write(body[off:off + step])
                self.wfile.flush()
                if fm._stop.wait(timeout=interval):
                    self.close_connection = True
                    return
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description="Fake Mesos master serving /master/state.")
    ap.add_argument("--state", help="state document file (default: generated)")
    ap.add_argument("--tasks", type=int, default=20)
    ap.add_argument("--agents", type=int)
    ap.add_argument("--frameworks", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--auth", help="principal:secret required via basic auth")
    ap.add_argument("--mode", default="ok", choices=sorted(MODES))
    ap.add_argument("--param", action="append", default=[], metavar="K=V",
                    help="mode parameter, e.g. --param to=127.0.0.1:5051")
    ap.add_argument("--tls-cert", help="serve https with this PEM certificate (chain)")
    ap.add_argument("--tls-key", help="its PEM private key")
    ap.add_argument("--tls-client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--iam-pubkey", help="PEM public key of the IAM service account: "
                    "serve the DC/OS login endpoint and require its tokens")
    ap.add_argument("--iam-uid", default="mesos-dns", help="the service account's uid")
    ap.add_argument("--iam-token-ttl", type=float, default=3600.0,
                    help="lifetime of issued tokens, seconds")
    args = ap.parse_args()
    state = None
    if not args.state:
        state = gen_state.generate(tasks=args.tasks, agents=args.agents,
                                   frameworks=args.frameworks, seed=args.seed)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    params = dict(p.split("=", 1) for p in args.param)
    iam = None
    if args.iam_pubkey:
        import fake_iam  # needs python3-cryptography, only for IAM
        with open(args.iam_pubkey, "rb") as f:
            iam = fake_iam.FakeIAM(f.read(), args.iam_uid, args.iam_token_ttl)
    tls = (args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    fm = FakeMaster(state=state, state_file=args.state, host=args.host, port=args.port,
                    auth=auth, mode=args.mode, iam=iam, tls=tls, **params)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    port = fm.start()
    print(port, flush=True)
    while not done.wait(timeout=1.0):
        pass
    fm.stop()


if __name__ == "__main__":
    main()
