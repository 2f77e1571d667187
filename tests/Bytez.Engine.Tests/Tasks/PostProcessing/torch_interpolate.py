"""The reference for TorchInterpolateTests: torch.nn.functional.interpolate of float32 planes, asked over stdin.

Each request is one JSON line {"mode", "h", "w", "oh", "ow", "n"} followed by n bytes of little-endian float32
(the plane, row-major); the answer is one JSON line {"n"} (or {"n": 0, "error"}) followed by the result's bytes.
"""
import json
import sys

import numpy as np
import torch

stdin = sys.stdin.buffer
stdout = sys.stdout.buffer
while True:
    line = stdin.readline()
    if not line:
        break
    request = json.loads(line)
    data = stdin.read(request["n"])
    try:
        plane = np.frombuffer(data, dtype="<f4").reshape(request["h"], request["w"]).copy()
        tensor = torch.from_numpy(plane)[None, None]
        out = torch.nn.functional.interpolate(
            tensor, size=(request["oh"], request["ow"]), mode=request["mode"], align_corners=False)
        payload = out[0, 0].numpy().astype("<f4").tobytes()
        stdout.write((json.dumps({"n": len(payload)}) + "\n").encode())
        stdout.write(payload)
    except Exception as e:  # the test fails with the message
        stdout.write((json.dumps({"n": 0, "error": repr(e)}) + "\n").encode())
    stdout.flush()
