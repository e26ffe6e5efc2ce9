"""A 企业微信-compatible work platform on 127.0.0.1 for tests (粤政易 and 政务微信 follow its
API): ``gettoken``, ``message/send`` (personal work messages), and the web login —
``/wwlogin/sso/login`` (the authorize page, which sends the browser straight back to the
``redirect_uri`` with a one-time ``code`` for ``login_as`` and the ``state`` it was given) and
``auth/getuserinfo`` (a code for the person's ``userid``)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CORP, SECRET, AGENT = "ww-test-corp", "s3cret", 1000002


class Platform:
    """``failures`` queued (status, body) answers are given to message/send before it
    accepts; an accepted message is recorded once per msgid. ``login_as`` is the userid the
    authorize page vouches for; ``userinfo_error`` (errcode, errmsg) makes getuserinfo refuse."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.accepted: list[dict] = []
        self.refused = 0
        self.failures: list[tuple[int, dict]] = []
        self.login_as = ""
        self.userinfo_error: tuple[int, str] | None = None
        self.authorize_queries: list[dict] = []
        self.codes: dict[str, str] = {}  # code → userid, each usable once
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorize(self, query: dict) -> None:
                platform.authorize_queries.append(query)
                code = f"code-{len(platform.codes) + 1}"
                platform.codes[code] = platform.login_as
                back = query["redirect_uri"]
                back += ("&" if "?" in back else "?") + urllib.parse.urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("Location", back)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _getuserinfo(self, query: dict) -> None:
                if query.get("access_token") not in platform.tokens[-1:]:
                    return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                if platform.userinfo_error:
                    errcode, errmsg = platform.userinfo_error
                    return self._answer(200, {"errcode": errcode, "errmsg": errmsg})
                userid = platform.codes.pop(query.get("code", ""), None)
                if userid is None:
                    return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
                self._answer(200, {"errcode": 0, "errmsg": "ok", "userid": userid})

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/wwlogin/sso/login":
                    return self._authorize(query)
                if url.path == "/cgi-bin/auth/getuserinfo":
                    return self._getuserinfo(query)
                if url.path != "/cgi-bin/gettoken" or (query.get("corpid"), query.get("corpsecret")) != (CORP, SECRET):
                    return self._answer(200, {"errcode": 40013, "errmsg": "invalid corpid"})
                token = f"token-{len(platform.tokens) + 1}"
                platform.tokens.append(token)
                self._answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                token = dict(urllib.parse.parse_qsl(url.query)).get("access_token")
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/cgi-bin/message/send" or token not in platform.tokens[-1:]:
                    return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                if platform.failures:
                    platform.refused += 1
                    return self._answer(*platform.failures.pop(0))
                assert body["agentid"] == AGENT and body["enable_duplicate_check"] == 1
                platform.accepted.append(body)
                self._answer(200, {"errcode": 0, "errmsg": "ok", "msgid": f"m{len(platform.accepted)}"})

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
