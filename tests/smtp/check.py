#!/usr/bin/env python3
"""Prints the received messages of a sink directory, one line each, decoded with the standard
library's e-mail parser (so that okaeri's encoding is checked by an independent implementation):

    NNNN|to|subject|text-part-first-line|has-html|list-unsubscribe|subject-header-raw-is-encoded
"""
import email
import email.policy
import glob
import os
import sys

d = sys.argv[1]
for path in sorted(glob.glob(os.path.join(d, "*.eml"))):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = None
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    raw_subject = [l for l in raw.split(b"\r\n") if l.startswith(b"Subject:")][0]
    ok_lines = all(len(l) <= 998 for l in raw.split(b"\r\n"))
    print("|".join([
        os.path.basename(path)[:4],
        str(msg["To"].addresses[0].addr_spec),
        str(msg["Subject"]),
        (text or "").strip().split("\n")[0],
        "html" if html and "<br>" in html else "nohtml",
        str(msg.get("List-Unsubscribe", "")),
        "encoded" if b"=?UTF-8?B?" in raw_subject else "plain",
        "lines-ok" if ok_lines else "long-lines",
        "unsub-in-body" if text and "/unsubscribe?token=" in text else "no-unsub-in-body",
    ]))
