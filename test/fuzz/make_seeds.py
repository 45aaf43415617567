#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (corpus/frames, corpus/handshake): valid
and nearly valid inputs in the wire format of runtime/messages.hpp and
runtime/transport/handshake.hpp. Run from anywhere; rewrites the seed files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def fnv(name):
    h = 1469598103934665603
    for c in name.encode():
        h ^= c
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def u8(v): return struct.pack('<B', v)
def i32(v): return struct.pack('<i', v)
def u64(v): return struct.pack('<Q', v)
def i64(v): return struct.pack('<q', v)
def f64(v): return struct.pack('<d', v)
def string(s): return u64(len(s)) + s
def rrid(whence, n): return i32(whence) + u64(n)
def frame(t, body): return u64(len(body) + 1) + u8(t) + body


CALL, CALL_FETCH, CALL_WAIT, REMOTE_DO, RESULT = 1, 2, 3, 4, 5
REF_FETCH, REF_PUT, REF_ADD, REF_DEL = 6, 7, 8, 9
JOIN_PGRP, JOIN_COMPLETE, PEER_ADDED, PEER_REMOVED, EXIT, OUTPUT, INTERRUPT = 10, 11, 12, 13, 14, 15, 16

frames = {
    'call_fetch_string': frame(CALL_FETCH, u64(1) + u64(fnv('fuzz_length_of')) + string(b'hello')),
    'call_vectors': frame(CALL, rrid(2, 1) + u64(fnv('fuzz_sum')) + u64(2) + u64(2) + f64(1) + f64(2) + u64(1) + f64(3)),
    'call_wait_map': frame(CALL_WAIT, rrid(2, 2) + u64(2) + u64(fnv('fuzz_count')) + u64(1) + string(b'a') + u64(2) + i32(1) + i32(2)),
    'remote_do_optional': frame(REMOTE_DO, u64(fnv('fuzz_value_or')) + u8(0) + i32(5)),
    'call_fetch_future': frame(CALL_FETCH, u64(3) + u64(fnv('fuzz_ready')) + rrid(2, 9) + i32(2) + u8(0)),
    'call_fetch_channel': frame(CALL_FETCH, u64(4) + u64(fnv('fuzz_where')) + rrid(1, 7) + i32(1) + u8(0)),
    'refs': frame(REF_ADD, rrid(1, 5) + i32(2) + i64(1)) + frame(REF_PUT, rrid(1, 5) + u64(5) + u64(7) + b'1234567' + rrid(1, 6) + i32(1) + u64(7))
            + frame(REF_FETCH, rrid(1, 5) + u64(6) + u8(0)) + frame(REF_DEL, rrid(1, 5) + i32(2) + i64(1)),
    'ref_fetch_isready': frame(REF_FETCH, rrid(3, 1) + u64(8) + u8(2)),
    'result_error': frame(RESULT, u64(99) + u8(1) + string(b'std::runtime_error') + string(b'boom') + i32(2)),
    'join_complete_output': frame(JOIN_COMPLETE, i32(4242)) + frame(OUTPUT, u8(1) + string(b'a line\n')),
    'unexpected_join': frame(JOIN_PGRP, i32(3) + u8(0) + u64(1) + i32(4) + string(b'127.0.0.1') + i32(9000) + i32(1)),
    'streamed_call': u64(2 << 20) + u8(CALL_FETCH) + u64(5) + u64(fnv('fuzz_length_of')) + u64((2 << 20) - 17) + b'x' * 4000,
    'forged_length': frame(OUTPUT, u8(1) + u64(547000000)),
}
handshake = {
    'accept_hello': u8(0) + b'WEFTHELO' + struct.pack('<I', 2) + b'0.1.0'.ljust(16, b'\0') + bytes(range(32)) + i32(2)
                    + b'WEFTAUTH' + bytes(32),
    'accept_old_version': u8(0) + b'WEFTHELO' + struct.pack('<I', 0) + b'0.0.1'.ljust(16, b'\0') + bytes(32) + i32(2),
    'connect_accept': u8(1) + b'WEFTACPT' + struct.pack('<I', 2) + b'0.1.0'.ljust(16, b'\0') + bytes(32) + bytes(32) + i32(2)
                      + b'WEFTOKAY' + struct.pack('<I', 0),  # OKAY, then an empty OFFER
    'connect_refuse': u8(1) + b'WEFTRFSE' + struct.pack('<I', 12) + b'wrong cookie',
}
for name, seeds in (('frames', frames), ('handshake', handshake)):
    d = os.path.join(HERE, 'corpus', name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        data = v if name == 'handshake' else u8(0) + v  # frames: first byte picks the peer
        with open(os.path.join(d, k), 'wb') as f:
            f.write(data)
