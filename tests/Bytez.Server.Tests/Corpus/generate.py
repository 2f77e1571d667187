#!/usr/bin/env python3
"""Writes bad-requests.json: the bad-input corpus that BadRequestCorpusTests sends to a real server.

Each entry is one HTTP/1.1 request, kept as data so it can be reviewed:
  name        what the request tries
  method      HTTP method
  path        request target; {embed} {arctic} {gen} {onnxgen} {slow} name the test models
  headers     extra header lines (name -> value); Host, Authorization (unless "noAuth"), Connection: close and
              Content-Length (unless given, or Transfer-Encoding is) are added by the runner
  body        UTF-8 text, or bodyBase64 (raw bytes), or bodyRepeat {prefix, item, count, separator, suffix}
  raw         base64 of the whole request, sent as is (request-line and framing abuse)
  {repeat:TEXT:N} anywhere in a string stands for TEXT written N times (keeps big requests small here)
  halfClose   the client ends its sending side after the request (a client that sends nothing more)
  allowStatus a status at or above 500 that Kestrel sends itself (505 for an HTTP version it does not speak)
  kestrel     true where Kestrel itself answers before any middleware runs (docs/api.md lists these cases):
              the answer may then have no envelope, but must still be below 500
Run `python3 generate.py` here to rewrite the file after changing this script.
"""
import base64
import json
import os

E = []


def add(name, method, path, body=None, headers=None, **extra):
    entry = {"name": name, "method": method, "path": path}
    if headers:
        entry["headers"] = headers
    if body is not None:
        if isinstance(body, bytes):
            entry["bodyBase64"] = base64.b64encode(body).decode()
        else:
            entry["body"] = body
    entry.update(extra)
    E.append(entry)


def raw(name, data, kestrel=False, **extra):
    entry = {"name": name, "method": "RAW", "path": "", "raw": base64.b64encode(data).decode()}
    if kestrel:
        entry["kestrel"] = True
    entry.update(extra)
    E.append(entry)


JSON = {"Content-Type": "application/json"}
RUN_MODELS = ["{embed}", "{gen}", "{onnxgen}"]

# --- invalid JSON, on every route that reads a body -------------------------------------------------------------
invalid_json = [
    ("truncated object", '{"input": '),
    ("truncated string", '{"input": "abc'),
    ("trailing comma", '{"input": "a",}'),
    ("single quotes", "{'input': 'a'}"),
    ("unquoted key", '{input: "a"}'),
    ("comment", '{"input": "a" /* c */}'),
    ("two documents", '{"input": "a"} {"input": "b"}'),
    ("NaN literal", '{"input": NaN}'),
    ("bare word", "hello"),
    ("lone brace", "}"),
    ("control character in string", '{"input": "a\x01b"}'),
    ("bad escape", '{"input": "\\x41"}'),
    ("short unicode escape", '{"input": "\\u12"}'),
    ("leading zero number", '{"input": "a", "params": {"max_new_tokens": 012}}'),
]
body_routes = [("POST", "/models/v2/" + m) for m in RUN_MODELS] + [
    ("PUT", "/models/v2/{embed}"), ("PATCH", "/models/v2/{embed}"), ("POST", "/models/v2/request/nobody/nothing"),
    ("POST", "/model/run"), ("POST", "/model/load"), ("POST", "/model/status"), ("POST", "/model/delete"), ("POST", "/model/job"),
]
for method, path in body_routes:
    for label, text in invalid_json:
        add(f"{method} {path}: invalid JSON, {label}", method, path, text, JSON)

# --- wrong types for every run field ----------------------------------------------------------------------------
values = {"number": "42", "bool": "true", "object": '{"a": 1}', "array of numbers": "[1, 2]", "null": "null",
          "huge number": "1e999", "negative": "-1", "nested arrays": "[[[\"a\"]]]"}
for model in RUN_MODELS:
    for field in ["input", "text", "messages", "params", "stream", "json", "url", "base64", "question", "context", "candidate_labels"]:
        for label in (["number", "object", "array of numbers"] if field != "params" else ["number", "array of numbers", "bool"]):
            add(f"run {model}: {field} as {label}", "POST", f"/models/v2/{model}", f'{{"{field}": {values[label]}}}', JSON)

# --- parameters out of range ----------------------------------------------------------------------------------
params = [
    '{"max_new_tokens": -5}', '{"max_new_tokens": 1e999}', '{"max_new_tokens": 99999999999999999999}', '{"max_new_tokens": 1.5}',
    '{"max_new_tokens": "ten"}', '{"temperature": -1}', '{"temperature": 1e308}', '{"temperature": "hot"}', '{"top_k": -3}',
    '{"top_p": 7}', '{"top_p": -0.5}', '{"repetition_penalty": 0}', '{"seed": 1e40}', '{"seed": "x"}', '{"stop": 5}',
    '{"stop": [1, 2]}', '{"num_return_sequences": 100000}', '{"num_return_sequences": 0}', '{"min_new_tokens": 100000, "max_new_tokens": 2}',
    '{"max_length": -1}', '{"do_sample": "yes"}', '{"normalize": 3}', '{"truncate": "no"}', '{"prompt_name": 7}',
    '{"prompt": {"a": 1}}', '{"unknown_param": 1}', '{"": 1}', '{"max_new_tokens": null}',
]
for model in RUN_MODELS:
    for p in params:
        add(f"run {model}: params {p}", "POST", f"/models/v2/{model}", f'{{"input": "hi", "params": {p}}}', JSON)

# --- malformed chat messages ----------------------------------------------------------------------------------
messages = [
    '[1]', '[{}]', '[{"role": 1, "content": "a"}]', '[{"role": "user"}]', '[{"role": "user", "content": 5}]',
    '[{"role": "user", "content": [{"type": "image", "url": "x"}]}]', '[{"role": "user", "content": [{"type": "text"}]}]',
    '[{"role": "user", "content": [5]}]', '[{"role": "wizard", "content": "a"}]', '[]', '[{"role": "", "content": ""}]',
    '[{"role": "user", "content": {"text": "a"}}]', '[{"role": "user", "content": "a", "extra": [1, {"b": null}]}]',
]
for model in ["{gen}", "{onnxgen}", "{embed}"]:
    for m in messages:
        add(f"run {model}: messages {m}", "POST", f"/models/v2/{model}", f'{{"messages": {m}}}', JSON)
        add(f"run {model}: input as messages {m}", "POST", f"/models/v2/{model}", f'{{"input": {m}}}', JSON)

# --- lone surrogates and invalid UTF-8 in every string field ----------------------------------------------------
templates = [
    '{"input": "X"}', '{"text": "X"}', '{"url": "X"}', '{"input": "a", "params": {"prompt": "X"}}',
    '{"input": "a", "params": {"X": 1}}', '{"input": {"source_sentence": "X", "sentences": ["a"]}}',
    '{"messages": [{"role": "X", "content": "a"}]}', '{"messages": [{"role": "user", "content": "X"}]}',
    '{"input": ["a", "X"]}', '{"X": "a"}', '{"input": "a", "params": {"stop": ["X"]}}',
]
bad_strings = {"lone high surrogate": b"\\ud800", "lone low surrogate": b"\\udc00", "reversed pair": b"\\udc00\\ud800",
               "raw FF FE": b"\xff\xfe", "overlong slash": b"\xc0\xaf", "encoded surrogate": b"\xed\xa0\x80",
               "truncated sequence": b"\xe2\x82"}
for model in ["{embed}", "{gen}"]:
    for t in templates:
        for label, bad in bad_strings.items():
            if label in ("reversed pair", "overlong slash") and model == "{gen}":
                continue
            before, after = t.split("X")
            add(f"run {model}: {label} in {t}", "POST", f"/models/v2/{model}", before.encode() + bad + after.encode(), JSON)
for path, t in [("/model/run", '{"model": "X", "input": "a"}'), ("/model/load", '{"model": "X"}'), ("/model/job", '{"model": "X"}'),
                ("/model/status", '{"model": "X"}'), ("/model/delete", '{"model": "X"}'),
                ("/models/v2/request/nobody/nothing", '{"revision": "X"}'), ("/models/v2/request/nobody/nothing", '{"webhook": "X"}')]:
    for label in ["lone high surrogate", "raw FF FE"]:
        before, after = t.split("X")
        add(f"POST {path}: {label} in {t}", "POST", path, before.encode() + bad_strings[label] + after.encode(), JSON)
for method in ["PUT", "PATCH"]:
    for label in ["lone high surrogate", "raw FF FE"]:
        add(f"{method} cluster: {label} in config", method, "/models/v2/{embed}", b'{"config": {"a": "' + bad_strings[label] + b'"}}', JSON)

# --- deep nesting, huge arrays, huge strings, many keys -----------------------------------------------------------
for depth in [65, 1000, 100000]:
    add(f"run: arrays nested {depth} deep", "POST", "/models/v2/{embed}", None, JSON,
        bodyRepeat={"prefix": '{"input": ', "item": "[", "count": depth, "separator": "", "suffix": "]" * 0 + '"a"'})
    add(f"run: objects nested {depth} deep in params", "POST", "/models/v2/{gen}", None, JSON,
        bodyRepeat={"prefix": '{"input": "a", "params": ', "item": '{"a": ', "count": depth, "separator": "", "suffix": "1"})
add("PUT cluster: config nested 200 deep", "PUT", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"config": ', "item": "[", "count": 200, "separator": "", "suffix": ""})
add("v1 run: nested 500 deep", "POST", "/model/run", None, JSON,
    bodyRepeat={"prefix": '{"model": "{embed}", "input": ', "item": "[", "count": 500, "separator": "", "suffix": ""})
add("run: 100000 texts", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"input": [', "item": '"a"', "count": 100000, "separator": ",", "suffix": "]}"})
add("run: 1000 texts of 30 KB (the 153 s request)", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"input": [', "item": '"{repeat:lorem ipsum :2500}"', "count": 1000, "separator": ",", "suffix": "]}"})
add("run: 250 texts of 30 KB", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"input": [', "item": '"{repeat:lorem ipsum :2500}"', "count": 250, "separator": ",", "suffix": "]}"})
add("run: 100000 sentences", "POST", "/models/v2/{arctic}", None, JSON,
    bodyRepeat={"prefix": '{"input": {"source_sentence": "a", "sentences": [', "item": '"b"', "count": 100000, "separator": ",", "suffix": "]}}"})
add("run: 100000 messages", "POST", "/models/v2/{gen}", None, JSON,
    bodyRepeat={"prefix": '{"messages": [', "item": '{"role": "user", "content": "a"}', "count": 100000, "separator": ",", "suffix": "]}"})
add("run: 1 MB prompt", "POST", "/models/v2/{gen}", None, JSON,
    bodyRepeat={"prefix": '{"input": "', "item": "hello ", "count": 170000, "separator": "", "suffix": '"}'})
add("run: 1 MB prompt for the ONNX decoder", "POST", "/models/v2/{onnxgen}", None, JSON,
    bodyRepeat={"prefix": '{"input": "', "item": "hello ", "count": 170000, "separator": "", "suffix": '"}'})
add("run: 8 MB single text to embed", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"input": "', "item": "abcdefgh ", "count": 900000, "separator": "", "suffix": '"}'})
add("run: 100000 params keys", "POST", "/models/v2/{gen}", None, JSON,
    bodyRepeat={"prefix": '{"input": "a", "params": {', "item": '"k": 1', "count": 100000, "separator": ",", "suffix": "}}"})
add("run: 100000 stop strings", "POST", "/models/v2/{gen}", None, JSON,
    bodyRepeat={"prefix": '{"input": "a", "params": {"max_new_tokens": 2, "stop": [', "item": '"zz"', "count": 100000, "separator": ",", "suffix": "]}}"})
add("run: 100000 unknown top-level fields", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{', "item": '"f": [1,2,3]', "count": 100000, "separator": ",", "suffix": ', "input": "a"}'})
add("run: 40 MB body (over the 36 MiB limit)", "POST", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"input": "', "item": "{repeat:x:1024}", "count": 40 * 1024, "separator": "", "suffix": '"}'})
add("PUT cluster: 100000 config keys", "PUT", "/models/v2/{embed}", None, JSON,
    bodyRepeat={"prefix": '{"config": {', "item": '"k": 1', "count": 100000, "separator": ",", "suffix": "}}"})

# --- unknown and misplaced fields; valid JSON, wrong shape --------------------------------------------------------
for model in RUN_MODELS:
    for b in ['[]', '"input"', '42', 'null', 'true', '{"Input": "a"}', '{"input": null}', '{"inputs": "a"}',
              '{"input": "a", "stream": true, "json": false}', '{"input": {"text": 5}}', '{"input": {"source_sentence": 1}}',
              '{"input": {"source_sentence": "a"}}', '{"input": {}}', '{"input": ""}', '{"input": [""]}', '{"input": "a", "model": "x"}']:
        add(f"run {model}: body {b}", "POST", f"/models/v2/{model}", b, JSON)

# --- cluster routes ---------------------------------------------------------------------------------------------
cluster_bodies = ['{"timeout": -1}', '{"timeout": 1e999}', '{"timeout": "ten"}', '{"capacity": {"min": 5, "max": 1}}',
                  '{"capacity": {"min": -1}}', '{"capacity": {"max": 100000}}', '{"capacity": 3}', '{"status": "maybe"}',
                  '{"status": 5}', '{"config": 5}', '[]', '"x"', '{"timeout": 99999999999}', '{"unknown": 1}']
for method in ["PUT", "PATCH"]:
    for b in cluster_bodies:
        add(f"{method} cluster: {b}", method, "/models/v2/{gen}", b, JSON)
for method in ["PUT", "GET", "PATCH", "DELETE"]:
    for path in ["/models/v2/nobody/nothing", "/models/v2/..%2F../etc", "/models/v2/a/b/c", "/models/v2/%00/x", "/models/v2/org/"]:
        add(f"{method} {path}: unknown or malformed model", method, path, "{}" if method in ("PUT", "PATCH") else None, JSON,
            **({"kestrel": True} if "%00" in path else {}))

# --- model requests -----------------------------------------------------------------------------------------------
for method in ["POST", "GET", "DELETE"]:
    for mid in ["bad..id/x", "-x/y", "a/{repeat:b:200}", "x/%2e%2e", "%E2%80%8F/x", "x/y%00"]:
        add(f"{method} request/{mid}", method, f"/models/v2/request/{mid}", **({"kestrel": True} if "%00" in mid else {}))
for b in ['{"revision": 3}', '{"revision": "../../etc"}', '{"revision": "{repeat:a:5000}"}', '{"webhook": "ftp://x"}',
          '{"webhook": "http://127.0.0.1/x"}', '{"webhook": "not a url"}', '{"webhook": 5}', '{"priority": 1}', '[]', '"x"']:
    add(f"POST request: body {b[:40]}", "POST", "/models/v2/request/nobody/nothing", b, JSON)

# --- v1 -------------------------------------------------------------------------------------------------------------
for path in ["/model/run", "/model/load", "/model/status", "/model/delete", "/model/job"]:
    for b in ['{}', '{"model": 5}', '{"model": null}', '{"model": ""}', '{"model": "nobody/nothing"}', '{"model": "../../x"}',
              '[]', '{"model": "{embed}", "concurrency": -1, "expirationPeriodSeconds": 1e999}']:
        add(f"POST {path}: {b}", "POST", path, b, JSON)
    add(f"GET {path}: wrong method", "GET", path)
add("v1 run: model and bad input", "POST", "/model/run", '{"model": "{embed}", "input": 42}', JSON)
add("v1 run: stream a non-text task", "POST", "/model/run", '{"model": "{embed}", "input": "a", "stream": true}', JSON)
add("v1 list: odd task filter", "GET", "/model/list?task=%00%ff")
add("v1 instances: POST", "POST", "/model/instances", "{}", JSON)

# --- list routes, query strings ---------------------------------------------------------------------------------
for q in ["?task=%ff%fe", "?task={repeat:a:4000}", "?modelId=%00", "?task=a?modelId=b?c=d", "?task[]=x&task=y", "?%zz", "?task=%ED%A0%80"]:
    add(f"list/models{q[:30]}", "GET", "/models/v2/list/models" + q)
for path in ["/models/v2/list/tasks", "/models/v2/list/clusters", "/models/v2/list/requests"]:
    add(f"{path}: with a body", "GET", path, '{"a": 1}', JSON)
    add(f"{path}: POST", "POST", path, "{}", JSON)

# --- metrics and health -----------------------------------------------------------------------------------------
for path in ["/metrics", "/health/live", "/health/ready"]:
    add(f"{path}: POST", "POST", path, "{}", JSON)
    add(f"{path}: query junk", "GET", path + "?%ff=%00")
    add(f"{path}: DELETE", "DELETE", path)

# --- content types and auth -------------------------------------------------------------------------------------
for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
           "application/json; charset=latin1", "image/png", "", "application/json, text/html", "*/*"]:
    add(f"run: content type '{ct}'", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": ct})
add("run: form body", "POST", "/models/v2/{embed}", "input=a&params=b", {"Content-Type": "application/x-www-form-urlencoded"})
add("run: UTF-16 body", "POST", "/models/v2/{embed}", '{"input": "a"}'.encode("utf-16"), {"Content-Type": "application/json; charset=utf-16"})
add("run: UTF-8 BOM", "POST", "/models/v2/{embed}", b'\xef\xbb\xbf{"input": "a"}', JSON)
add("run: gzip claimed, plain sent", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Content-Encoding": "gzip"})
for auth in ["", "Key", "Key wrong", "Bearer", "Basic dXNlcjpwYXNz", "Key {repeat:k:10000}", "Key \u00e9"]:
    add(f"run: Authorization '{auth[:20]}'", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Authorization": auth}, noAuth=True)
add("run: no Authorization", "POST", "/models/v2/{embed}", '{"input": "a"}', JSON, noAuth=True)

# --- header abuse -------------------------------------------------------------------------------------------------
add("40 KB header (over our 32 KB limit: 431 envelope)", "GET", "/models/v2/list/tasks", headers={"X-Big": "{repeat:a:40000}"})
add("150 header fields (over our 100: 431 envelope)", "GET", "/models/v2/list/tasks", headers={f"X-H{i}": "v" for i in range(150)})
add("200 KB header (over Kestrel's limit)", "GET", "/models/v2/list/tasks", headers={"X-Big": "{repeat:a:200000}"}, kestrel=True)
add("500 header fields (over Kestrel's limit)", "GET", "/models/v2/list/tasks", headers={f"X-H{i}": "v" for i in range(500)}, kestrel=True)
add("Content-Length not a number", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Content-Length": "abc"}, kestrel=True)
add("negative Content-Length", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Content-Length": "-5"}, kestrel=True)
add("Expect: 100-continue", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Expect": "100-continue"})
add("Expect: something else", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "Expect": "teapot"})
add("X-HTTP-Method-Override", "POST", "/models/v2/{embed}", '{"input": "a"}', {"Content-Type": "application/json", "X-HTTP-Method-Override": "DELETE"})
add("Accept-Encoding junk", "GET", "/models/v2/list/tasks", headers={"Accept-Encoding": "br;q=x, *;q=-1"})
add("Range header", "GET", "/models/v2/list/models", headers={"Range": "bytes=5-1"})

# --- path tricks --------------------------------------------------------------------------------------------------
for p in ["/models/v2/../../etc/passwd", "/models/v2/%2e%2e/%2e%2e/etc/passwd", "/models/v2//{embed}", "/models/v2/{embed}/",
          "/models/v2/sentence-transformers%2Fall-MiniLM-L6-v2", "/MODELS/V2/LIST/TASKS", "/models/v2/list/tasks;x=y",
          "/models/v2/list/tasks%00", "/models/v2/%ff%fe/x", "/models/v2/{repeat:a:5000}/b", "/models/v2/a%20b/c",
          "/models/v2/list/models#frag", "/model/../models/v2/list/tasks", "/models/v3/list/tasks", "/", "/favicon.ico"]:
    add(f"path {p[:60]}", "POST" if "{embed}" in p else "GET", p, '{"input": "a"}' if "{embed}" in p else None, JSON if "{embed}" in p else None,
        **({"kestrel": True} if "%00" in p else {}))
add("request target of 20 KB (over our 8 KB limit: 414 envelope)", "GET", "/models/v2/list/models?task={repeat:a:20000}")
add("request target of 100 KB (over Kestrel's limit)", "GET", "/models/v2/list/models?task={repeat:a:100000}", kestrel=True)

# --- raw request lines and framing ----------------------------------------------------------------------------------
raw("lowercase method", b"get /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
raw("unknown method", b"FROB /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nConnection: close\r\n\r\n")
raw("HTTP/1.0 without Host", b"GET /models/v2/list/tasks HTTP/1.0\r\nAuthorization: Key {key}\r\n\r\n")
raw("HTTP/1.1 without Host", b"GET /models/v2/list/tasks HTTP/1.1\r\nConnection: close\r\n\r\n", kestrel=True)
raw("two Host headers", b"GET /models/v2/list/tasks HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", kestrel=True)
raw("HTTP/2.0 request line", b"GET /models/v2/list/tasks HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True, allowStatus=505)
raw("HTTP/9.9", b"GET /models/v2/list/tasks HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True, allowStatus=505)
raw("no version", b"GET /models/v2/list/tasks\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True)
raw("absolute-form target", b"GET http://other.example/models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nConnection: close\r\n\r\n", kestrel=True)
raw("asterisk target on GET", b"GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True)
raw("space in target", b"GET /models/v2/list tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True)
raw("NUL in target", b"GET /models/v2/list/tasks\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", kestrel=True)
raw("bare LF line endings", b"GET /models/v2/list/tasks HTTP/1.1\nHost: x\nAuthorization: Key {key}\nConnection: close\n\n")
raw("header without colon", b"GET /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nConnection: close\r\n\r\n", kestrel=True)
raw("header with space before colon", b"GET /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nX-A : b\r\nConnection: close\r\n\r\n", kestrel=True)
raw("obsolete line folding", b"GET /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\nConnection: close\r\n\r\n", kestrel=True)
raw("non-ASCII header value", b"GET /models/v2/list/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nX-A: \xff\xfe\r\nConnection: close\r\n\r\n", kestrel=True)
raw("Content-Length and chunked together",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\n{\"input\": \"abc\"}\r\n0\r\n\r\n")
raw("two different Content-Lengths",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{\"a\":1}", kestrel=True)
raw("truncated body (Content-Length 100, 15 sent)",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"input\": \"abc\"")
raw("truncated chunked body",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\n{\"input\": ")
raw("chunk size not hex",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{\"input\": \"a\"}\r\n0\r\n\r\n")
raw("chunk size overflows",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{\"input\": \"a\"}\r\n0\r\n\r\n")
raw("chunk longer than its size",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{\"input\": \"a\"}\r\n0\r\n\r\n")
raw("chunked with extensions and trailers",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nE;ext=1\r\n{\"input\": \"a\"}\r\n0\r\nX-Trailer: 1\r\n\r\n")
raw("unknown transfer coding",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n{\"input\": \"a\"}", kestrel=True)
raw("chunked body split with invalid UTF-8",
    b"POST /models/v2/{embed} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{\"inp\r\n9\r\nut\": \"\xff\xfe\"}\r\n0\r\n\r\n")
raw("empty request", b"\r\n\r\n", kestrel=True, halfClose=True)
raw("garbage bytes", bytes(range(256)) + b"\r\n\r\n", kestrel=True)
raw("TLS client hello on plain port", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64, kestrel=True)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "bad-requests.json"), "w", encoding="utf-8") as f:
    f.write("[\n")
    f.write(",\n".join(json.dumps(e, ensure_ascii=True) for e in E))
    f.write("\n]\n")
print(len(E), "requests")
