"""The reference renderer: a chat template run by Python's jinja2 the way transformers' apply_chat_template runs it,
with the messages prepared the way vLLM prepares OpenAI messages (tool-call arguments given as a JSON string are
parsed to a mapping; a null content becomes an empty string).

Reads one JSON request on stdin: {"template", "messages", "tools", "add_generation_prompt", "bos_token",
"eos_token", "extra"}; writes {"text": ...} or {"error": ...} on stdout.
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def prepare(messages):
    out = []
    for m in messages:
        m = dict(m)
        if m.get("content") is None:
            m["content"] = ""
        elif isinstance(m["content"], list):
            m["content"] = "\n".join(b["text"] for b in m["content"])
        if m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list):
            calls = []
            for c in m["tool_calls"]:
                c = json.loads(json.dumps(c))
                args = c["function"].get("arguments")
                if not args:
                    c["function"]["arguments"] = {}
                elif isinstance(args, str):
                    try:
                        c["function"]["arguments"] = json.loads(args)
                    except ValueError:
                        pass
                calls.append(c)
            m["tool_calls"] = calls
        out.append(m)
    return out


def main():
    request = json.loads(sys.stdin.read())
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    try:
        template = env.from_string(request["template"])
        variables = dict(request.get("extra") or {})
        for token in ("bos_token", "eos_token"):
            if request.get(token) is not None:
                variables[token] = request[token]
        text = template.render(
            messages=prepare(request["messages"]),
            tools=request.get("tools"),
            documents=None,
            add_generation_prompt=request.get("add_generation_prompt", True),
            **variables,
        )
        print(json.dumps({"text": text}))
    except Exception as e:  # the test compares refusals too
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))


main()
