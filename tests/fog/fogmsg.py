#!/usr/bin/python3
"""Independent encoder/decoder of fogforge v1 messages for the integration
tests (hand-written protobuf wire format, standard library only), so the
mosquitto_pub/mosquitto_sub interoperability test does not go through our C
codec.
  fogmsg.py task ID ROBOT BUNDLE DEADLINE_FROM_NOW_MS > task.bin
  fogmsg.py result < result.bin      -> JSON on stdout
  fogmsg.py mlp IN0 ... IN15         -> reference outputs of the built-in MLP
"""
import json
import struct
import sys
import time


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wt, payload):
    return varint((num << 3) | wt) + payload


def ld(num, data):
    return field(num, 2, varint(len(data)) + data)


def task(task_id, robot, bundle, deadline_ms, values):
    data = b"".join(struct.pack("<i", v) for v in values)
    tensor = field(1, 0, varint(0)) + ld(2, varint(len(values))) + ld(3, data)
    now_us = int(time.time() * 1e6)
    return (field(1, 0, varint(1)) + field(2, 0, varint(task_id)) + ld(3, robot.encode()) +
            ld(4, bundle.encode()) + field(6, 0, varint(now_us + int(deadline_ms * 1000))) +
            ld(8, tensor) + field(9, 0, varint(now_us)))


def read_varint(b, i):
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        tag, i = read_varint(b, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("bad wire type")
        yield num, v


def result(b):
    out = {"version": 0, "task_id": 0, "status": 0, "detail": "", "node_id": "", "tier": 0, "output": []}
    names = {1: "version", 2: "task_id", 4: "status", 8: "tier", 9: "queue_ns", 10: "compute_ns", 11: "network_ns"}
    for num, v in fields(b):
        if num in names:
            out[names[num]] = v
        elif num == 3:
            out["robot_id"] = v.decode()
        elif num == 5:
            out["detail"] = v.decode()
        elif num == 7:
            out["node_id"] = v.decode()
        elif num == 6:
            for n2, v2 in fields(v):
                if n2 == 3:
                    out["output"] = [struct.unpack("<i", v2[k:k + 4])[0] for k in range(0, len(v2), 4)]
    return out


def xorshift(s):
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s


def layer(nout, nin, seed):
    w, b = [], []
    for _ in range(nout * nin):
        seed = xorshift(seed)
        x = seed & 0xFF
        w.append(x - 256 if x > 127 else x)
    for _ in range(nout):
        seed = xorshift(seed)
        b.append(seed % 512 - 256)
    return [w[o * nin:(o + 1) * nin] for o in range(nout)], b


def sat8(v):
    return max(-128, min(127, v))


def mlp(x):
    dims = [(64, 16, 0x9e3779b9), (32, 64, 0x85ebca6b), (32, 32, 0xc2b2ae35), (5, 32, 0x27d4eb2f)]
    x = [sat8(v) for v in x]
    for k, (no, ni, seed) in enumerate(dims):
        w, b = layer(no, ni, seed)
        acc = [b[o] + sum(w[o][i] * x[i] for i in range(ni)) for o in range(no)]
        if k < 3:
            x = [0 if (a >> 7) < 0 else sat8(a >> 7) for a in acc]
        else:
            return acc


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "task":
        vals = [int(v) for v in sys.argv[6:]] or [(i * 13) % 200 - 100 for i in range(16)]
        sys.stdout.buffer.write(task(int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), vals))
    elif cmd == "result":
        print(json.dumps(result(sys.stdin.buffer.read())))
    elif cmd == "mlp":
        print(json.dumps(mlp([int(v) for v in sys.argv[2:18]])))
