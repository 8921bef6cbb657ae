"""Writes a changed copy of a safetensors checkpoint, for the tests of what a
compiled binary accepts at load.

usage: edit_checkpoint.py IN OUT EDIT...
  key=value       sets metadata `key` (the string as given, UTF-8)
  -key            removes metadata `key`
  huge            every weight 3e38: finite, but the model's arithmetic overflows
  f64             every tensor stored as F64 (same values)
  header:OLD:NEW  replaces bytes OLD (Python escapes, e.g. \\xff) in the header text
"""
import json
import struct
import sys

source, target, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
data = open(source, "rb").read()
size = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8 : 8 + size])
tensors = bytearray(data[8 + size :])
replacements = []
for edit in edits:
    if edit == "huge":
        tensors = bytearray(struct.pack("<f", 3e38) * (len(tensors) // 4))
    elif edit == "f64":
        widened = bytearray()
        entries = sorted((e["data_offsets"][0], name) for name, e in header.items() if name != "__metadata__")
        for begin, name in entries:
            entry = header[name]
            values = tensors[entry["data_offsets"][0] : entry["data_offsets"][1]]
            start = len(widened)
            for (v,) in struct.iter_unpack("<f", values):
                widened += struct.pack("<d", v)
            entry["dtype"], entry["data_offsets"] = "F64", [start, len(widened)]
        tensors = widened
    elif edit.startswith("header:"):
        _, old, new = edit.split(":")
        decode = lambda s: s.encode("latin-1").decode("unicode_escape").encode("latin-1")
        replacements.append((decode(old), decode(new)))
    elif edit.startswith("-"):
        del header["__metadata__"][edit[1:]]
    else:
        key, value = edit.split("=", 1)
        header["__metadata__"][key] = value
text = json.dumps(header, ensure_ascii=False).encode("utf-8")
for old, new in replacements:
    assert old in text, old
    text = text.replace(old, new, 1)
text += b" " * (-len(text) % 8)
open(target, "wb").write(struct.pack("<Q", len(text)) + text + tensors)
