"""The preview's web server: the report page with its findings panel, and a server-sent event
each time the page changes.

The standard library's ``ThreadingHTTPServer`` is enough for one user's browser on 127.0.0.1 and
adds no dependency; server-sent events need nothing but a response that stays open, and the
browser's ``EventSource`` reconnects by itself. Every address is under a random secret path
(``/<token>/``): another local user can reach the port but not guess the report's address.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..paths import REPORT_DOCX, REPORT_PDF, TEMPLATES

HOST = "127.0.0.1"
KEEPALIVE = 15.0  # seconds between comments on an idle event stream, so a dead browser is noticed
ASSETS = TEMPLATES / "xxgk-preview"
DOWNLOADS = {REPORT_PDF: "application/pdf",
             REPORT_DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
EMPTY_PAGE = ('<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>预览</title></head>'
              '<body><main class="xxgk-report"></main></body></html>')


@dataclass(frozen=True)
class View:
    """What the page shows: the last good publication HTML, the findings to mark on it, the
    message of an unusable input (shown above the last good page), whether more sections are
    still running, the state of the PDF and Word files."""

    version: int = 0
    html: str | None = None
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    error: str | None = None
    updating: bool = True
    exports: str | None = None  # the state of the PDF and Word files, once asked for
    exported: str | None = None  # the publication HTML they were made from
    checked: Any = None  # validate.Checked of ``html``, for the exports

    def but(self, **changes: Any) -> View:
        return dataclasses.replace(self, **changes)


class PreviewServer:
    """Serves the current ``View`` at ``url`` until ``close``."""

    def __init__(self, port: int, folder: Path) -> None:
        self.token = secrets.token_urlsafe(18)
        self.folder = folder
        self.on_export: Callable[[], None] = lambda: None
        self.view = View()
        self.changed = threading.Condition()
        self.closing = False
        self.httpd = ThreadingHTTPServer((HOST, port), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="xxgk-serve")
        self.assets = {name: (ASSETS / name).read_text(encoding="utf-8") for name in ("preview.css", "preview.js")}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/{self.token}/"

    def start(self) -> None:
        self.thread.start()

    def publish(self, view: View) -> None:
        """Show ``view``; open pages are told only when it differs from what they show."""
        with self.changed:
            if _shown(view) == _shown(self.view):
                return
            self.view = view.but(version=self.view.version + 1)
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_version(self, seen: int) -> int | None:
        """Wait for a version other than ``seen``; None when the server closes (or on a
        keep-alive timeout, the same number)."""
        with self.changed:
            self.changed.wait_for(lambda: self.closing or self.view.version != seen, timeout=KEEPALIVE)
            return None if self.closing else self.view.version

    def page(self) -> str:
        view = self.view
        html = view.html or EMPTY_PAGE
        head = f"<style>{self.assets['preview.css']}</style><script>{self.assets['preview.js']}</script>"
        data = json.dumps({"version": view.version, "findings": view.findings}, ensure_ascii=False)
        tail = (panel(view) + '<script type="application/json" id="xxgk-preview-data">'
                + data.replace("<", "\\u003c") + "</script>")
        return html.replace("</head>", head + "</head>", 1).replace("</body>", tail + "</body>", 1)


def _shown(view: View) -> View:
    return dataclasses.replace(view, version=0, checked=None)


LEVELS = {"error": "错误", "warning": "提醒", "accepted": "已接受"}


def panel(view: View) -> str:
    """The side panel: state, the message of an unusable input, every finding, the exports."""
    if view.error:
        state = "参数文件或某一部分有问题，下方仍是上次成功生成的报告"
    elif view.html is None or view.updating:
        state = "正在更新其余部分…"
    else:
        state = "已是最新"
    parts = [f'<aside id="xxgk-preview" class="xxgk-preview"><p class="xxgk-preview-state">{escape(state)}</p>']
    if view.error:
        parts.append(f'<pre class="xxgk-preview-error" role="alert">{escape(view.error)}</pre>')
    count = sum(f["level"] == "error" for f in view.findings)
    parts.append(f"<h2>校验结果：{count} 个错误，{len(view.findings) - count} 个提醒或已接受</h2><ol>")
    for index, f in enumerate(view.findings):
        parts.append(
            f'<li class="xxgk-preview-{f["level"]}" data-finding="{index}"><b>{escape(f["rule"])}</b> '
            f'{LEVELS[f["level"]]} · {escape(f["location"])}<br>应为 {escape(f["expected"])}，实为 {escape(f["found"])}'
            f'<br><small>{escape(f["message"])}。{escape(f["hint"])}</small></li>')
    parts.append('</ol><form method="post" action="export"><button type="submit">生成 PDF 和 Word</button></form>')
    if view.exports:
        older = "（由较早的版本生成，需要时请再按一次）" if view.exported not in (None, view.html) else ""
        links = f' <a href="{REPORT_PDF}">PDF</a> <a href="{REPORT_DOCX}">Word</a>' if view.exported else ""
        parts.append(f'<p class="xxgk-preview-exports">{escape(view.exports + older)}{links}</p>')
    return "".join(parts) + "</aside>"


def _handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    prefix = f"/{server.token}/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            name = self._own()
            if name == "":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", server.page().encode("utf-8"))
            elif name == "events":
                self._events()
            elif name in DOWNLOADS and (server.folder / name).is_file():
                self._send(HTTPStatus.OK, DOWNLOADS[name], (server.folder / name).read_bytes())
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", "没有这个地址".encode())

        def do_POST(self) -> None:  # noqa: N802
            if self._own() != "export":
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", "没有这个地址".encode())
                return
            server.on_export()
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _own(self) -> str | None:
            """The name asked for under the secret prefix, or None for any other path."""
            path = self.path.split("?", 1)[0]
            return path[len(prefix):] if path.startswith(prefix) else None

        def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = server.view.version
            try:
                self.wfile.write(f"data: {seen}\n\n".encode())
                self.wfile.flush()
                while (version := server.next_version(seen)) is not None:
                    self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": ping\n\n")
                    self.wfile.flush()
                    seen = version
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page was closed or reloaded
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # a request log on the statistician's terminal would bury the address

    return Handler
