#!/usr/bin/python3
"""A test DC/OS IAM login service, plugged into fake_master.py (--iam-pubkey).

What it mimics (DC/OS service-account login, as Mesos-DNS uses it):
  POST /acs/api/v1/auth/login  {"uid": UID, "token": <RS256 JWT {uid, exp}>}
      200 {"token": T}   when the JWT's signature verifies with the service
                         account's public key, alg is RS256, uid matches and
                         exp lies in the future
      401 {"title": ..., "description": ..., "code": ...} otherwise
  Requests to the master then carry "Authorization: token=T"; T is valid
  until its own exp (token_ttl seconds) or until revoke() (as when the IAM
  signing key rotates).

T itself is a JWT {uid, exp} (signed with a throw-away HMAC key, as the
real service signs its tokens with its own key) so a client can read exp.

Counters: logins (successful), login_failures, rejected (requests to the
master refused for a missing/invalid/expired token).
"""

import base64
import hashlib
import hmac
import json
import os
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

LOGIN_PATH = "/acs/api/v1/auth/login"  # fake_master.IAM_LOGIN_PATH


def _b64url_decode(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def _b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class FakeIAM:
    def __init__(self, pubkey_pem, uid, token_ttl=3600):
        key = serialization.load_pem_public_key(pubkey_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the service account key must be RSA")
        self.key = key
        self.uid = uid
        self.token_ttl = float(token_ttl)
        self.logins = 0
        self.login_failures = 0
        self.rejected = 0
        self.last_failure = ""
        self._tokens = {}  # token -> expiry (epoch seconds)
        self._secret = os.urandom(32)
        self._lock = threading.Lock()

    # -- the login endpoint --

    def _verify(self, req):
        """Returns None when the login JWT is good, else the reason."""
        if not isinstance(req, dict) or req.get("uid") != self.uid:
            return "unknown uid"
        parts = str(req.get("token", "")).split(".")
        if len(parts) != 3:
            return "token is not a JWT"
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            sig = _b64url_decode(parts[2])
        except ValueError:
            return "token is not a JWT"
        if header.get("alg") != "RS256":
            return "alg must be RS256"
        try:
            self.key.verify(sig, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(),
                            hashes.SHA256())
        except InvalidSignature:
            return "bad signature"
        if claims.get("uid") != self.uid:
            return "uid claim does not match"
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= time.time():
            return "exp missing or in the past"
        return None

    def login(self, body):
        """(status, body bytes) for a POST to LOGIN_PATH."""
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = None
        why = self._verify(req)
        with self._lock:
            if why:
                self.login_failures += 1
                self.last_failure = why
                return 401, json.dumps({"title": "Unauthorized", "description": why,
                                        "code": "ERR_INVALID_SERVICE_LOGIN_TOKEN"}).encode()
            exp = int(time.time() + self.token_ttl)
            payload = _b64url(json.dumps({"uid": self.uid, "exp": exp}).encode())
            head = _b64url(b'{"alg":"HS256","typ":"JWT"}')
            mac = hmac.new(self._secret, (head + "." + payload).encode(), hashlib.sha256)
            token = head + "." + payload + "." + _b64url(mac.digest())
            self._tokens[token] = exp
            self.logins += 1
        return 200, json.dumps({"token": token}).encode()

    # -- what the master checks --

    def authorized(self, header):
        token = None
        if header and header.startswith("token="):
            token = header[len("token="):]
        with self._lock:
            exp = self._tokens.get(token)
            ok = exp is not None and exp > time.time()
            if not ok:
                self.rejected += 1
        return ok

    def revoke(self):
        with self._lock:
            self._tokens.clear()

    def stats(self):
        with self._lock:
            return {"logins": self.logins, "login_failures": self.login_failures,
                    "rejected": self.rejected, "last_failure": self.last_failure}
