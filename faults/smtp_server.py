#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A small SMTP server for the fault suite's mail scenario: a real peer on a
real socket that Odoo's ``ir.mail_server`` talks to with ``smtplib``.

It speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
and behaves as told by ``--mode-file``, a JSON file read at each connection:

``{"mode": "ok"}``
    Takes every message.
``{"mode": "slow", "delay": S}``
    Takes every message, waiting S seconds before each reply.
``{"mode": "ratelimit", "accept": K}``
    Takes K messages (counted across connections since the mode was set),
    then answers ``MAIL FROM`` with ``421 4.7.0`` and closes the connection,
    as rate-limiting servers do.

Each message taken is appended to ``--log`` as one JSON line (its
Message-Id, Subject and recipients). Prints ``LISTENING <port>`` once ready.

Usage: ``python3 faults/smtp_server.py --port P --mode-file F --log L``
"""

import argparse
import email
import email.policy
import json
import socketserver
import threading
import time


class State:
    lock = threading.Lock()
    accepted_in_mode = 0
    mode_seen = None


class Handler(socketserver.StreamRequestHandler):
    timeout = 120

    def setup(self):
        super().setup()
        try:
            with open(self.server.mode_file) as handle:
                self.mode = json.load(handle)
        except (OSError, ValueError):
            self.mode = {"mode": "ok"}
        with State.lock:
            if self.mode != State.mode_seen:
                State.mode_seen = self.mode
                State.accepted_in_mode = 0

    def reply(self, line):
        if self.mode.get("mode") == "slow":
            time.sleep(float(self.mode.get("delay", 1)))
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def read_line(self):
        line = self.rfile.readline()
        if not line:
            raise ConnectionError("client went away")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        self.reply("220 faults.example.com ESMTP test server")
        sender, recipients = None, []
        try:
            while True:
                line = self.read_line()
                verb = line[:4].upper()
                if verb == "EHLO":
                    self.wfile.write(b"250-faults.example.com\r\n")
                    self.reply("250 8BITMIME")
                elif verb == "HELO":
                    self.reply("250 faults.example.com")
                elif verb == "MAIL":
                    if self.rate_limited():
                        self.reply("421 4.7.0 Too many messages, try again later")
                        return
                    sender, recipients = line[10:], []
                    self.reply("250 2.1.0 Ok")
                elif verb == "RCPT":
                    recipients.append(line[8:].strip("<> "))
                    self.reply("250 2.1.5 Ok")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    self.take(self.read_data(), sender, recipients)
                    self.reply("250 2.0.0 Ok: queued")
                    sender, recipients = None, []
                elif verb == "RSET":
                    sender, recipients = None, []
                    self.reply("250 2.0.0 Ok")
                elif verb == "NOOP":
                    self.reply("250 2.0.0 Ok")
                elif verb == "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                else:
                    self.reply("502 5.5.2 Command not recognized")
        except ConnectionError:
            return

    def rate_limited(self):
        if self.mode.get("mode") != "ratelimit":
            return False
        with State.lock:
            return State.accepted_in_mode >= int(self.mode.get("accept", 0))

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                raise ConnectionError("client went away in DATA")
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    def take(self, data, sender, recipients):
        message = email.message_from_bytes(data, policy=email.policy.default)
        record = {
            "message_id": str(message.get("Message-Id", "")),
            "subject": str(message.get("Subject", "")),
            "from": sender,
            "to": recipients,
        }
        with State.lock:
            State.accepted_in_mode += 1
            with open(self.server.log_file, "a") as log:
                log.write(json.dumps(record) + "\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.mode_file = args.mode_file
    server.log_file = args.log
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
