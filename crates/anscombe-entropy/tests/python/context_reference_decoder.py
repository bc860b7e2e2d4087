"""A decoder of anscombe-context streams written from spec/anscombe-context-codec.md alone
(plain Python, slow and literal), to check that the text defines the format the Rust coder
writes: every golden stream must decode to its input array.

Usage: context_reference_decoder.py VECTORS_DIR
Prints one line per vector; exits 1 on any mismatch.
"""
import sys
from pathlib import Path

import numpy as np

M = 2048
L = 1 << 15


class Invalid(Exception):
    pass


def geometry(shape):
    """Section 3: frames, rows, width."""
    if len(shape) == 0:
        return 1, 1, 1
    if len(shape) == 1:
        return 1, 1, shape[0]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    return shape[0], int(np.prod(shape[1:-1])), shape[-1]


def leb128(data, at):
    """Section 4.2."""
    value = 0
    for i in range(3):
        if at >= len(data):
            raise Invalid("truncated number")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << (7 * i)
        if byte & 0x80 == 0:
            return value, at
    raise Invalid("over-long number")


def frequencies(stored):
    """Section 5.2."""
    total = sum(stored)
    f = [0 if s == 0 else max(1, s * M // total) for s in stored]
    order = sorted((k for k in range(len(stored)) if stored[k] > 0), key=lambda k: (-f[k], k))
    while sum(f) != M:
        for k in order:
            if sum(f) < M:
                f[k] += 1
            elif f[k] > 1:
                f[k] -= 1
            if sum(f) == M:
                break
    return f


def tables(section):
    """Section 5.2: per context, a list of (f_k, c_k), or None."""
    if len(section) < 32:
        raise Invalid("truncated bitmap")
    bitmap, body, at = section[:32], section[32:], 0
    result = []
    for ctx in range(256):
        if not bitmap[ctx // 8] >> (ctx % 8) & 1:
            result.append(None)
            continue
        n, at = leb128(body, at)
        if not 1 <= n <= 256:
            raise Invalid("symbol count")
        stored = []
        for _ in range(n):
            s, at = leb128(body, at)
            stored.append(s)
        if not any(stored):
            raise Invalid("all-zero table")
        f = frequencies(stored)
        starts = [sum(f[:k]) for k in range(n)]
        result.append(list(zip(f, starts)))
    if at != len(body):
        raise Invalid("trailing table bytes")
    return result


def act(v):
    for bound, cls in ((0, 0), (1, 1), (2, 2), (4, 3), (7, 4), (11, 5), (19, 6)):
        if v <= bound:
            return cls
    return 7


def decode(stream, shape, width_bytes):
    """Sections 4 to 6 (K: the lanes of section 5.4, by version)."""
    if stream[:4] != b"ACTX":
        raise Invalid("magic")
    if len(stream) < 32:
        raise Invalid("truncated header")
    if stream[4] not in (1, 2):
        raise Invalid("version")
    K = 2 if stream[4] == 1 else 16
    B, mode, reserved = stream[5], stream[6], stream[7]
    F, R, W, t_len, c_len, E = (int.from_bytes(stream[o:o + 4], "little") for o in range(8, 32, 4))
    if B != width_bytes or (F, R, W) != geometry(shape) or reserved != 0 or mode not in (0, 1):
        raise Invalid("header fields")
    if len(stream) != 32 + t_len + c_len + E * B:
        raise Invalid("section lengths")
    N, MAX = F * R * W, (1 << (8 * B)) - 1
    tsec = stream[32:32 + t_len]
    csec = stream[32 + t_len:32 + t_len + c_len]
    raw = [int.from_bytes(stream[o:o + B], "little") for o in range(32 + t_len + c_len, len(stream), B)]
    if mode == 1:
        if t_len or c_len or E != N:
            raise Invalid("stored mode sections")
        return raw
    tabs = tables(tsec)
    if c_len % 2 or c_len < 4 * K:
        raise Invalid("coded section length")
    states = [int.from_bytes(csec[4 * j:4 * j + 4], "little") for j in range(K)]
    if not all(L <= x < 1 << 31 for x in states):
        raise Invalid("initial states")
    words = [int.from_bytes(csec[o:o + 2], "little") for o in range(4 * K, c_len, 2)]
    next_word, next_raw = 0, 0
    A = [[0] * W for _ in range(R)]
    D = [[0] * W for _ in range(R)]
    out = []
    i = 0
    for f in range(F):
        for y in range(R):
            for x in range(W):
                if f == 0 and y == 0:
                    P = out[-1] if x > 0 else 0
                    v = D[0][x - 1] if x > 0 else 0
                elif f == 0:
                    P = out[(y - 1) * W + x]
                    v = D[y - 1][x] + D[y - 1][max(x - 1, 0)]
                else:
                    P = (A[y][x] + 8) >> 4
                    v = D[y][x] + (D[y - 1][x] if y > 0 else 0)
                k = 0 if f == 0 else 1
                ctx = (k * 16 + min(max(P, 0), 15)) * 8 + act(v)
                table = tabs[ctx]
                if table is None:
                    raise Invalid("context without a table")
                lane = i % K
                xs = states[lane]
                slot = xs & (M - 1)
                sym = next(s for s, (fk, ck) in enumerate(table) if ck <= slot < ck + fk)
                fk, ck = table[sym]
                xs = fk * (xs >> 11) + slot - ck
                if xs < L:
                    if next_word >= len(words):
                        raise Invalid("out of words")
                    xs = (xs << 16) | words[next_word]
                    next_word += 1
                states[lane] = xs
                if sym == 255:
                    if next_raw >= len(raw):
                        raise Invalid("out of raw samples")
                    s = raw[next_raw]
                    next_raw += 1
                else:
                    s = P + (sym >> 1 if sym % 2 == 0 else -(sym >> 1) - 1)
                if not 0 <= s <= MAX:
                    raise Invalid("sample out of range")
                D[y][x] = min(abs(s - P), 65535)
                A[y][x] = 16 * s if f == 0 else A[y][x] + ((16 * s - A[y][x]) >> 2)
                out.append(s)
                i += 1
    if states != [L] * K or next_word != len(words) or next_raw != len(raw):
        raise Invalid("end conditions")
    return out


def main():
    vectors = Path(sys.argv[1])
    failures = 0
    for npy in sorted(vectors.glob("*.npy")):
        expected = np.load(npy)
        stream = (npy.with_suffix(".actx")).read_bytes()
        try:
            got = decode(stream, expected.shape, expected.dtype.itemsize)
            ok = got == [int(v) for v in expected.ravel()]
        except Invalid as e:
            ok, got = False, str(e)
        print(f"{npy.stem}: {'ok' if ok else 'MISMATCH'} ({expected.size} samples, {len(stream)} bytes)")
        failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
