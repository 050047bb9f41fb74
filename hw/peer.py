"""The reference implementation's validation path, run by tcpreport bench
as a peer: a plain loop that unpacks each 24-byte descriptor with struct and
checks its magic and the low 16 bits of zlib.crc32 over bytes 0-21.

Usage: peer.py DBFILE LIMIT REPEAT

Reads the first LIMIT records of the descriptor database DBFILE and times
REPEAT passes over them. Prints one JSON object describing the run, then one
per pass: {"valid": N, "seconds": S}.
"""
import json
import struct
import sys
import time
import zlib


def main():
    path, limit, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, "rb") as f:
        magic, _version, size, count, offset = struct.unpack(">8sHHIQ", f.read(24))
        if magic != b"TCPDB\x00\x01\x00" or size != 24:
            sys.exit("%s: not a descriptor database" % path)
        n = min(count, limit)
        f.seek(offset)
        data = f.read(n * 24)
    if len(data) != n * 24:
        sys.exit("%s: truncated" % path)
    print(json.dumps({"python": sys.version.split()[0], "descriptors": n}), flush=True)
    for _ in range(repeat):
        start = time.perf_counter()
        valid = 0
        for off in range(0, n * 24, 24):
            desc = data[off:off + 24]
            (magic, version, name_hash, flags, exec_ms, mem_mb, out_kb,
             name_len, checksum) = struct.unpack(">4sH4sIHHHHH", desc)
            if magic == b"TCP\x02" and checksum == zlib.crc32(desc[:22]) & 0xFFFF:
                valid += 1
        seconds = time.perf_counter() - start
        print(json.dumps({"valid": valid, "seconds": seconds}), flush=True)


main()
