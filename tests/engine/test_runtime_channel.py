"""The runtime's end of the channel: frames that arrive together, split or large are read whole and
in order (a frame read ahead with another is kept for the next receive)."""

from __future__ import annotations

import json
import subprocess
import sys

from console.engine.envvars import RUNTIME_DIR
from console.engine.runtime_dirs import private_lib

# Runs in a fresh interpreter: loads the runtime module (without running it) and reads frames
# written into a socket pair in the ways the engine (and a preboot setup) can send them.
CHECK = r"""
import importlib.util, json, os, socket, struct, sys, threading
runtime_dir, lib = sys.argv[1], sys.argv[2]
sys.argv = ["bootstrap.py", "--lib=" + lib]
spec = importlib.util.spec_from_file_location("lc_bootstrap", os.path.join(runtime_dir, "bootstrap.py"))
boot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boot)

def frame(header, body=b""):
    h = json.dumps(header).encode()
    return struct.pack("!II", len(h), len(body)) + h + body

ours, theirs = socket.socketpair()
channel = boot.Channel(theirs.fileno())
got = []
# two frames in one write, as a preboot setup followed at once by the key
ours.sendall(frame({"setup": 1}) + frame({"k": "key"}))
got.append(channel.receive())
got.append(channel.receive())
# one frame split in three writes: in the length, then in the header
data = frame({"id": "a"}, b'{"event": 1}')
ours.sendall(data[:3])
writer = threading.Timer(0.05, lambda: (ours.sendall(data[3:12]), ours.sendall(data[12:])))
writer.start()
got.append(channel.receive())
writer.join()
# a body larger than one read, followed by a small frame in the same stream
big = b"x" * (3 * 65536 + 17)
writer = threading.Thread(target=lambda: ours.sendall(frame({"id": "big"}, big) + frame({"id": "next"}, b"1")))
writer.start()
header, body = channel.receive()
big_ok = [header, len(body), body == big]
got.append(channel.receive())
writer.join()
ours.close()
got.append(channel.receive())  # the engine closed the channel
print(json.dumps({"frames": [[h, b if b is None else b.decode()] for h, b in got], "big": big_ok}))
"""


def test_frames_are_read_whole_and_in_order_however_they_arrive():
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHECK, RUNTIME_DIR, private_lib()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["frames"] == [
        [{"setup": 1}, ""],
        [{"k": "key"}, ""],
        [{"id": "a"}, '{"event": 1}'],
        [{"id": "next"}, "1"],
        [None, None],
    ]
    assert out["big"] == [{"id": "big"}, 3 * 65536 + 17, True]


ANSWERS = r"""
import importlib.util, json, os, socket, sys
runtime_dir, lib = sys.argv[1], sys.argv[2]
sys.argv = ["bootstrap.py", "--lib=" + lib]
spec = importlib.util.spec_from_file_location("lc_bootstrap", os.path.join(runtime_dir, "bootstrap.py"))
boot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boot)
ours, theirs = socket.socketpair()
channel = boot.Channel(theirs.fileno())
channel.key = "0123456789abcdef"
cases = [
    ("result", "6f1c2a4e-1d2b-4c7e-9f7a-0a1b2c3d4e5f", 0.01234, 12345, b'"value1"', "application/json"),
    ("error", "id-1", 1e-07, 0, b'{"errorType": "X"}', None),
    ("result", 'a "quoted" \\ id \u00e9 \u2028', 123456.789, 2 ** 40, b"", "text/plain; charset=utf-8"),
    ("result", 42, 1.5, 1, b"x", "application/json"),  # not a str id: the generic path
    ("result", "id", 2, 1, b"x", "application/json"),  # an int duration: the generic path
]
same = []
for kind, invoke_id, duration, memory, body, ct in cases:
    channel.answer(kind, invoke_id, duration, memory, body, ct)
    direct = ours.recv(1 << 20)
    header = {"t": kind, "id": invoke_id}
    if ct is not None:
        header["ct"] = ct
    header.update(d=duration, m=memory)
    channel.send(header, body)
    same.append(direct == ours.recv(1 << 20))
print(json.dumps(same))
"""


def test_an_answers_header_is_written_as_json_dumps_writes_it():
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", ANSWERS, RUNTIME_DIR, private_lib()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True] * 5
