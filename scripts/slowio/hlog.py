"""HdrHistogram interval logs (loadgen --hlog): read, merge and write them with the standard library.

The histograms are HdrHistogram's compressed V2 encoding (cookie 0x1c849314, zlib, base64) with 2 significant
digits and a lowest value of 1 ns: the layout of loadgen's LatencyHistogram (256 unit buckets, then 128 per
power of two), so a bucket index here is the same bucket there, and percentiles are computed by loadgen's rule
(the ceil(p * N)-th value, reported as its bucket's midpoint, clamped to the recorded max). This decoder is
written from HdrHistogram's published format, not from loadgen's C++; the tests also read loadgen's logs with
HdrHistogram's own JavaScript port (tests/hlog/check_hlog.js).
"""

from __future__ import annotations

import base64
import math
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from . import InputError

ENCODING_COOKIE = 0x1C849313
COMPRESSED_COOKIE = 0x1C849314
SIGNIFICANT_DIGITS = 2
HIGHEST_NS = 3_600_000_000_000  # 1 h, loadgen's highest trackable value
_SUB_BUCKET_BITS = 7
_LINEAR = 1 << (_SUB_BUCKET_BITS + 1)  # 256
_SUB = 1 << _SUB_BUCKET_BITS  # 128
_HEADER = struct.Struct(">iiiiqqd")  # cookie, payload length, offset, digits, lowest, highest, ratio


def index_of(value_ns: int) -> int:
    """The bucket of a value (HdrHistogram's counts index for this layout)."""
    if value_ns < _LINEAR:
        return value_ns
    exponent = value_ns.bit_length() - 1
    mantissa = value_ns >> (exponent - _SUB_BUCKET_BITS)
    return _LINEAR + (exponent - _SUB_BUCKET_BITS - 1) * _SUB + (mantissa - _SUB)


def lower_bound_of(index: int) -> int:
    """The smallest value in bucket ``index``."""
    if index < _LINEAR:
        return index
    octave, rest = divmod(index - _LINEAR, _SUB)
    return (_SUB + rest) << (octave + 1)


def width_of(index: int) -> int:
    """How many values bucket ``index`` holds."""
    return 1 if index < _LINEAR else 1 << ((index - _LINEAR) // _SUB + 1)


@dataclass
class Histogram:
    """Bucket counts (index -> count) plus the exact max when known (from Interval_Max or a loadgen JSON)."""

    counts: dict[int, int] = field(default_factory=dict)
    max_ns: int = 0

    @property
    def count(self) -> int:
        """Number of recorded values."""
        return sum(self.counts.values())

    def add(self, other: "Histogram") -> None:
        """Adds ``other``'s buckets into this one (exact: the buckets are the same everywhere)."""
        for i, c in other.counts.items():
            self.counts[i] = self.counts.get(i, 0) + c
        self.max_ns = max(self.max_ns, other.max_ns)

    def _top(self) -> int:
        """The max, or the highest bucket's top when no max is known."""
        if self.max_ns:
            return self.max_ns
        top = max(self.counts) if self.counts else 0
        return lower_bound_of(top) + width_of(top) - 1

    def value_at_percentile(self, pct: float) -> int:
        """loadgen's rule: the ceil(pct/100 * N)-th smallest value, as its bucket's midpoint, at most the max."""
        n = self.count
        if n == 0:
            return 0
        low = lower_bound_of(min(self.counts))
        if pct <= 0:
            return low
        if pct >= 100:
            return self._top()
        rank = min(max(math.ceil(pct / 100.0 * n), 1), n)
        seen = 0
        for i in sorted(self.counts):
            seen += self.counts[i]
            if seen >= rank:
                mid = lower_bound_of(i) + (width_of(i) - 1) // 2
                return min(max(mid, low), self._top())
        return self._top()

    def mean(self) -> float:
        """Mean of the bucket midpoints (within a bucket's width of the exact mean)."""
        n = self.count
        if n == 0:
            return 0.0
        return sum((lower_bound_of(i) + (width_of(i) - 1) / 2) * c for i, c in self.counts.items()) / n

    def stdev(self) -> float:
        """Population standard deviation of the bucket midpoints."""
        n = self.count
        if n == 0:
            return 0.0
        m = self.mean()
        var = sum(((lower_bound_of(i) + (width_of(i) - 1) / 2) - m) ** 2 * c for i, c in self.counts.items()) / n
        return math.sqrt(var)

    def summary_us(self) -> dict[str, float]:
        """loadgen's JSON latency block (count, min, p50 ... p9999, max, mean, stdev), in microseconds."""
        us = lambda ns: ns / 1e3  # noqa: E731
        return {"count": self.count, "min": us(self.value_at_percentile(0)),
                **{k: us(self.value_at_percentile(p)) for k, p in
                   (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9), ("p9999", 99.99))},
                "max": us(self.value_at_percentile(100)), "mean": us(self.mean()), "stdev": us(self.stdev())}


def _zigzag_decode(buf: bytes, pos: int) -> tuple[int, int]:
    """HdrHistogram's ZigZagEncoding.getLong: 7 bits per byte for eight bytes, a ninth with the top 8."""
    v = 0
    for i in range(9):
        if pos >= len(buf):
            raise ValueError("truncated count")
        b = buf[pos]
        pos += 1
        if i == 8:
            v |= b << 56
            break
        v |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            break
    return (v >> 1) ^ -(v & 1), pos


def _zigzag_encode(value: int) -> bytes:
    """HdrHistogram's ZigZagEncoding.putLong."""
    v = ((value << 1) ^ (value >> 63)) & 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    for _ in range(8):
        if v >> 7 == 0:
            out.append(v)
            return bytes(out)
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def decode(text: str) -> Histogram:
    """One compressed V2 histogram from its base64; ValueError naming what is wrong."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError("not base64") from None
    if len(raw) < 8:
        raise ValueError("too short")
    cookie, length = struct.unpack(">ii", raw[:8])
    if cookie != COMPRESSED_COOKIE:
        raise ValueError(f"cookie {cookie:#x} is not a compressed V2 histogram")
    try:
        body = zlib.decompress(raw[8:8 + length])
    except zlib.error as e:
        raise ValueError(f"zlib: {e}") from None
    cookie, payload_len, offset, digits, lowest, highest, _ratio = _HEADER.unpack(body[:_HEADER.size])
    if cookie != ENCODING_COOKIE:
        raise ValueError(f"inner cookie {cookie:#x} is not V2")
    if (offset, digits, lowest) != (0, SIGNIFICANT_DIGITS, 1):
        raise ValueError(f"layout (offset {offset}, {digits} digits, lowest {lowest}) is not loadgen's")
    payload = body[_HEADER.size:_HEADER.size + payload_len]
    if len(payload) != payload_len:
        raise ValueError("truncated payload")
    h, pos, index = Histogram(), 0, 0
    while pos < len(payload):
        v, pos = _zigzag_decode(payload, pos)
        if v < 0:
            index += -v
            continue
        if v:
            h.counts[index] = h.counts.get(index, 0) + v
        index += 1
    return h


def encode(h: Histogram) -> str:
    """A histogram as compressed V2 base64, as HdrHistogram's encodeIntoCompressedByteBuffer writes it."""
    payload = bytearray()
    top = max(h.counts) if h.counts else -1
    i = 0
    while i <= top:
        c = h.counts.get(i, 0)
        if c:
            payload += _zigzag_encode(c)
            i += 1
            continue
        zeros = 0
        while i <= top and not h.counts.get(i, 0):
            zeros, i = zeros + 1, i + 1
        payload += _zigzag_encode(-zeros if zeros > 1 else 0)
    body = _HEADER.pack(ENCODING_COOKIE, len(payload), 0, SIGNIFICANT_DIGITS, 1, HIGHEST_NS, 1.0) + bytes(payload)
    deflated = zlib.compress(body)
    return base64.b64encode(struct.pack(">ii", COMPRESSED_COOKIE, len(deflated)) + deflated).decode()


@dataclass
class Interval:
    """One interval line: its tag, absolute start (s since the epoch), length (s) and histogram."""

    tag: str
    start_s: float
    length_s: float
    histogram: Histogram


@dataclass
class HlogFile:
    """An interval log: its BaseTime (s since the epoch) and its intervals in file order."""

    base_time_s: float
    intervals: list[Interval]

    def tags(self) -> list[str]:
        """The tags present, in order of first appearance."""
        return list(dict.fromkeys(iv.tag for iv in self.intervals))

    def inside(self, tag: str, start_s: float = -math.inf, end_s: float = math.inf) -> list[Interval]:
        """The ``tag`` intervals lying wholly inside [start_s, end_s) (absolute seconds; 1 us of slack for the
        log's millisecond timestamps)."""
        return [iv for iv in self.intervals
                if iv.tag == tag and iv.start_s >= start_s - 1e-6 and iv.start_s + iv.length_s <= end_s + 1e-6]

    def total(self, tag: str, start_s: float = -math.inf, end_s: float = math.inf) -> Histogram:
        """The sum of the ``tag`` intervals lying wholly inside [start_s, end_s)."""
        h = Histogram()
        for iv in self.inside(tag, start_s, end_s):
            h.add(iv.histogram)
        return h


def read(path: Path) -> HlogFile:
    """Parses an interval log (format 1.3; StartTime/BaseTime as HistogramLogReader reads them)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise InputError(f"cannot read hlog {path}: {e.strerror}") from None
    start = base = None
    intervals: list[Interval] = []
    for n, line in enumerate(lines, 1):
        if line.startswith("#[StartTime:"):
            start = float(line.split()[1])
        elif line.startswith("#[BaseTime:"):
            base = float(line.split()[1])
        elif not line or line.startswith("#") or line.startswith('"StartTimestamp"'):
            continue
        else:
            fields = line.split(",")
            tag = ""
            if fields[0].startswith("Tag="):
                tag = fields.pop(0)[4:]
            if len(fields) != 4:
                raise InputError(f"hlog {path}:{n}: expected start,length,max,histogram")
            if base is None:  # HistogramLogReader's rule: relative stamps are more than a year before StartTime
                base = start if start is not None and float(fields[0]) < start - 365 * 24 * 3600 else 0.0
            try:
                h = decode(fields[3])
            except ValueError as e:
                raise InputError(f"hlog {path}:{n}: {e}") from None
            h.max_ns = round(float(fields[2]) * 1e6)  # Interval_Max is in ms (values are ns)
            intervals.append(Interval(tag, base + float(fields[0]), float(fields[1]), h))
    if base is None:
        raise InputError(f"hlog {path}: no interval histograms")
    return HlogFile(base, intervals)


def write(path: Path, base_time_s: float, intervals: list[Interval], comment: str = "") -> None:
    """Writes an interval log as loadgen does (1.3 header, StartTime = BaseTime, stamps relative to it)."""
    date = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(base_time_s))
    out = ["#[Histogram log format version 1.3]"]
    if comment:
        out.append(f"#[{comment}]")
    out += [f"#[StartTime: {base_time_s:.3f} (seconds since epoch), {date}]",
            f"#[BaseTime: {base_time_s:.3f} (seconds since epoch)]",
            '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"']
    for iv in intervals:
        out.append(f"Tag={iv.tag},{iv.start_s - base_time_s:.3f},{iv.length_s:.3f},{iv.histogram.max_ns / 1e6:.3f},"
                   f"{encode(iv.histogram)}")
    Path(path).write_text("\n".join(out) + "\n")
