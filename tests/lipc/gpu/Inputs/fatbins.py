"""Lists the CUDA fatbinaries embedded in a file: for each, its images as
(kind, sm) pairs, kind "elf" (machine code) or "ptx". A fatbinary is a
16-byte header (magic 0xBA55ED50, version, header size, payload size) and
entries, each a header (kind 1 PTX or 2 ELF, its own size, the payload's
size at byte 8, the sm at byte 28) and its payload. Prints one summary line
per distinct list, with a count, and the number of fatbinaries.

    fatbins.py FILE"""
import collections
import struct
import sys

MAGIC = struct.pack("<I", 0xBA55ED50)
KINDS = {1: "ptx", 2: "elf"}

data = open(sys.argv[1], "rb").read()
found = collections.Counter()
start = data.find(MAGIC)
while start >= 0:
    _, _, header, size = struct.unpack_from("<IHHQ", data, start)
    images, offset, end = [], start + header, start + header + size
    while offset < end:
        kind, _, entry_header, payload = struct.unpack_from("<HHIQ", data, offset)
        sm = struct.unpack_from("<I", data, offset + 28)[0]
        images.append(f"{KINDS.get(kind, kind)} sm_{sm}")
        offset += entry_header + payload
    found[", ".join(images)] += 1
    start = data.find(MAGIC, end)
for images, count in sorted(found.items()):
    print(f"{count} x [{images}]")
print(f"{sum(found.values())} fatbinaries")
