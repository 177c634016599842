#!/usr/bin/env python3
"""Independent reference for tests/golden.rs: builds two protocol-v2 frames byte by byte
from the layout tables in src/lib.rs, with its own bitwise CRC-32C and its own COBS, and
prints them as Rust arrays. Run: python3 adapters/link/tests/golden_vectors.py"""
import struct

VERSION = 2  # protocol version (header byte 0)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)  # 0x1EDC6F41 reflected
    return crc ^ 0xFFFFFFFF


def cobs(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for byte in data:
        if byte == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(byte)
            if len(block) == 254:
                out += b"\xff" + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out) + b"\x00"


def frame(frame_type: int, seq: int, body: bytes) -> tuple[bytes, bytes]:
    data = struct.pack("<BBH", VERSION, frame_type, seq) + body
    payload = data + struct.pack("<I", crc32c(data))
    return payload, b"\x00" + cobs(payload)  # a delimiter on both sides


def rust(name: str, b: bytes) -> str:
    hexes = ", ".join(f"0x{x:02x}" for x in b)
    return f"const {name}: [u8; {len(b)}] = [{hexes}];"


assert crc32c(b"123456789") == 0xE3069283

# SampleBlock, seq 7: 1000 Hz, 0.01 mmHg and 0.01 mL/min per LSB, first index 1000,
# samples (-123.45 mmHg, 2.50 mL/min) and (no reading, 0).
block = struct.pack("<Hff", 1000, 0.01, 0.01) + struct.pack("<QB", 1000, 2)
block += struct.pack("<hh", -12345, 250) + struct.pack("<hh", -32768, 0)
payload, wire = frame(0x02, 7, block)
print(rust("BLOCK_PAYLOAD", payload))
print(rust("BLOCK_WIRE", wire))

# Hint, seq 0x0100: sample 90 000, expression (1), letdown detected (0), no cue (0),
# ramp 2 cycles, -180 mmHg, 60 cpm, confidence 0.75.
hint = struct.pack("<QBBBBfff", 90_000, 1, 0, 0, 2, -180.0, 60.0, 0.75)
payload, wire = frame(0x11, 0x0100, hint)
print(rust("HINT_PAYLOAD", payload))
print(rust("HINT_WIRE", wire))

# Settings, seq 3: stimulation -70 mmHg at 105 cpm, expression -140 mmHg at 55 cpm,
# maximum -160 mmHg.
settings = struct.pack("<fffff", -70.0, 105.0, -140.0, 55.0, -160.0)
payload, wire = frame(0x03, 3, settings)
print(rust("SETTINGS_PAYLOAD", payload))
print(rust("SETTINGS_WIRE", wire))

# Test vectors for the crate docs ("Test vectors"): every frame type, as hex on the wire.
vectors = [
    # Hello, seq 0: 1000 Hz, 0.01 mmHg and 0.01 mL/min per LSB, up to 16 samples per block,
    # next sample index 0.
    ("hello", frame(0x01, 0, struct.pack("<HffBQ", 1000, 0.01, 0.01, 16, 0))[1]),
    ("sample_block", frame(0x02, 7, block)[1]),
    ("settings", frame(0x03, 3, settings)[1]),
    ("hint", frame(0x11, 0x0100, hint)[1]),
    # Ack, seq 42: last seq 7, 8 frames received, 1 dropped (a CRC error), 16 samples
    # missing, none overrun or discarded, no oversize bytes, next sample index 1002, room
    # for 4064 samples.
    (
        "ack",
        frame(
            0x12,
            42,
            struct.pack("<HIIIIIIQI", 7, 8, 1, 16, 0, 0, 0, 1002, 4064)
            + struct.pack("<8I", 0, 0, 0, 1, 0, 0, 0, 0),
        )[1],
    ),
    # Heartbeat, seq 9: uptime 123 456 ms.
    ("heartbeat", frame(0x20, 9, struct.pack("<I", 123_456))[1]),
]
for name, wire in vectors:
    print(f"//! {name}: " + " ".join(f"{x:02x}" for x in wire))
