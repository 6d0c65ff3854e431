#!/usr/bin/env python3
"""Writes the seeds of tests/fuzz/corpus/.

    python3 tests/fuzz/make_corpus.py                  # the hand-made seeds
    python3 tests/fuzz/make_corpus.py --capture DIR    # also the /metrics seeds, from DIR/metrics_<server>.raw

A capture is the raw bytes of one `GET /metrics` response from a running server (README.md here says how);
it becomes a PrometheusTextFuzzer seed (the body) and a ResponseParserFuzzer seed (the whole response).
Seeds of the two stream harnesses carry the prefix FuzzInput.hpp describes: an options byte, n, then n
chunk-length bytes (each byte b stands for b + 1 bytes).
"""

import argparse
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def stream(options, chunks, data):
    """A stream-harness input: options, the chunk lengths (1..256 bytes each; [] = one byte at a time)."""
    assert len(chunks) < 16 and all(1 <= c <= 256 for c in chunks)
    return bytes([options, len(chunks)] + [c - 1 for c in chunks]) + data


def write(harness, name, data):
    d = CORPUS / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


# RequestParserFuzzer options: bits 0-1 the limits profile (0 defaults, 1 small, 2 tiny, 3 no body, one
# field), bit 2 take() instead of request() + next().
DEFAULTS, SMALL, TINY, NOBODY, TAKE = 0, 1, 2, 3, 4
GET = b"GET /users/42?x=1&y=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loadgen\r\nAccept: */*\r\n\r\n"
REQUESTS = {
    "get": (DEFAULTS, [], GET),
    "get_take_split": (TAKE, [3, 17, 1, 40], GET),
    "pipelined": (
        TAKE,
        [7, 3, 50],
        b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"
        b"POST /work?n=5 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /jobs?n=100 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
        b"GET /users/7 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    ),
    "chunked": (
        DEFAULTS,
        [5, 1],
        b"POST /work HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n"
        b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n",
    ),
    "http10_keepalive": (
        TAKE,
        [10],
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n",
    ),
    "leading_crlf": (DEFAULTS, [2, 2], b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
    "forms": (
        TAKE,
        [20, 20, 20],
        b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\nGET http://h/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n"
        b"HEAD /health HTTP/1.1\r\nHost:h\r\nX-Empty:\r\n\r\nDELETE /jobs/1 HTTP/1.1\r\nHost: h\r\n\r\n",
    ),
    "partial_tail": (DEFAULTS, [9], b"GET /health HTTP/1.1\r\nHost: h\r\n\r\nGET /users/1 HTTP/1.1\r\nHo"),
    # The codec's errors (each a status the README lists).
    "err_garbage": (DEFAULTS, [], b"GARBAGE\r\n\r\n"),
    "err_controls": (DEFAULTS, [4], b"\x01\x02\x03 garbage\r\n\r\n"),
    "err_no_host": (DEFAULTS, [3], b"GET / HTTP/1.1\r\n\r\n"),
    "err_two_hosts": (DEFAULTS, [30], b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    "err_space_before_colon": (DEFAULTS, [16], b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
    "err_obs_fold": (DEFAULTS, [18, 1], b"GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n"),
    "err_cl_and_te": (
        DEFAULTS,
        [25],
        b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ),
    "err_two_cl": (DEFAULTS, [], b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
    "err_bad_cl": (DEFAULTS, [40], b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"),
    "err_bad_chunk": (DEFAULTS, [40], b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    "err_unknown_method": (DEFAULTS, [2], b"FROB / HTTP/1.1\r\nHost: h\r\n\r\n"),
    "err_unknown_method_bad_header": (DEFAULTS, [16], b"BREW / HTTP/1.1\r\nHost : h\r\n\r\n"),
    "err_http2": (DEFAULTS, [], b"GET / HTTP/2.0\r\n\r\n"),
    "err_http09": (DEFAULTS, [8], b"GET / HTTP/0.9\r\n\r\n"),
    "err_version_x": (DEFAULTS, [8], b"GET / HTTP/1.x\r\n\r\n"),
    "err_no_colon": (DEFAULTS, [20], b"GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n"),
    "err_after_pipelined": (TAKE, [33], b"GET /health HTTP/1.1\r\nHost: h\r\n\r\nGARBAGE\r\n\r\n"),
    "err_bare_lf": (DEFAULTS, [5], b"GET / HTTP/1.1\nHost: h\n\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n"),
    # Limits (small profiles so a short input reaches them).
    "limit_target_414": (SMALL, [13], b"GET /" + b"a" * 70 + b" HTTP/1.1\r\nHost: h\r\n\r\n"),
    "limit_target_414_no_version": (TINY, [], b"GET /" + b"a" * 20),
    "limit_header_count_431": (SMALL, [11], b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
    "limit_header_bytes_431": (SMALL, [50], b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"v" * 130 + b"\r\n\r\n"),
    "limit_body_cl_413": (SMALL, [30], b"POST /work HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\n\r\n" + b"b" * 65),
    "limit_body_chunked_413": (
        TINY | TAKE,
        [6],
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
    ),
    "limit_nobody": (NOBODY, [9], b"POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"),
    "limit_at_edge": (SMALL | TAKE, [64], b"POST /" + b"e" * 50 + b" HTTP/1.1\r\nHost: h\r\nContent-Length: 64\r\n\r\n" + b"c" * 64),
}

# ResponseParserFuzzer options: bit 0 capture the body, bit 1 HEAD, bit 2 reuse after one response.
CAPTURE, HEAD, REUSE = 1, 2, 4
USER = b'{"id":7,"name":"user-7","email":"user7@example.com","created_at":"2024-01-07"}'
RESPONSES = {
    "ok_json": (
        CAPTURE,
        [],
        b"HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 07:06:39 GMT\r\nServer: slowio\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(USER)).encode() + b"\r\n\r\n" + USER,
    ),
    "not_found": (0, [20], b'HTTP/1.1 404 Not Found\r\nContent-Length: 21\r\n\r\n{"error":"not found"}'),
    "busy_close": (
        CAPTURE | REUSE,
        [30, 5],
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    ),
    "chunked_trailer": (
        CAPTURE,
        [7, 1],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n",
    ),
    "http10_until_close": (CAPTURE, [9], b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close"),
    "head": (HEAD, [12], b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
    "no_content": (REUSE, [], b"HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"),
    "not_modified": (CAPTURE, [4], b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
    "accepted": (CAPTURE, [40], b"HTTP/1.1 202 Accepted\r\nLocation: /jobs/3\r\nContent-Length: 8\r\n\r\n{\"id\":3}"),
    "continue_then_ok": (CAPTURE, [10], b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "truncated": (CAPTURE, [], b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
    "garbage": (0, [3], b"garbage\r\n\r\n"),
    "bad_status": (0, [], b"HTTP/1.1 0 OK\r\nContent-Length: 0\r\n\r\n"),
    "pipelined_two": (CAPTURE, [], b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
}

METRICS = {
    "handmade_labels.txt": b'# HELP threadpool_threads Threads.\n# TYPE threadpool_threads gauge\nthreadpool_threads 12\n'
    b'threadpool_queue_length{pool="a"} 3\nthreadpool_queue_length{pool="b}\\" x"} 4 1700000000\n'
    b"threadpool_busy_threads_total 99\neventloop_lag_max_seconds 2.5e-3\n"
    b"process_resident_memory_bytes 1.048576e+06\n",
    "handmade_special.txt": b"http_requests_in_flight +Inf\nhttp_connections_open NaN\njobs_queue_length -Inf\n"
    b"threadpool_threads 0x1p3\n  threadpool_busy_threads\t7\t\r\n\nx{} 1\n{a=\"b\"} 2\n",
    "handmade_crlf.txt": b"threadpool_threads 4\r\nthreadpool_threads{a=\"1\"} 5\r\n# comment\r\nbroken_line\r\n",
}

TEMPLATES = {
    "users": b"/users/{rand:1..10000}",
    "health": b"/health",
    "two": b"/users/{rand:1..3}/x?y={rand:0..9}",
    "negative": b"/jobs/{rand:-5..5}",
    "extremes": b"/{rand:-9223372036854775808..9223372036854775807}",
    "adjacent": b"/{rand:7..7}{rand:0..1}5",
    "work": b"/work?n={rand:1000..2000000}&x=%20",
    "bad_relative": b"users",
    "bad_order": b"/u/{rand:5..1}",
    "bad_empty_hi": b"/u/{rand:1..}",
    "bad_name": b"/u/{seq}",
    "bad_unclosed": b"/u/{rand:1..2",
    "bad_space": b"/a b",
    "bad_crlf": b"/a\r\nX-Injected: 1",
    "bad_overflow": b"/{rand:1..99999999999999999999}",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capture", type=pathlib.Path, help="directory with metrics_<server>.raw captures")
    args = ap.parse_args()
    for name, (opts, chunks, data) in REQUESTS.items():
        write("RequestParserFuzzer", name, stream(opts, chunks, data))
    for name, (opts, chunks, data) in RESPONSES.items():
        write("ResponseParserFuzzer", name, stream(opts, chunks, data))
    for name, data in METRICS.items():
        write("PrometheusTextFuzzer", name, data)
    for name, data in TEMPLATES.items():
        write("PathTemplateFuzzer", name, data)
    if args.capture:
        # A captured /metrics response, as the scraper reads it: captured body, cut in uneven reads.
        for raw in sorted(args.capture.glob("metrics_*.raw")):
            data = raw.read_bytes()
            write("ResponseParserFuzzer", raw.stem, stream(CAPTURE, [256, 100, 3], data))
            write("PrometheusTextFuzzer", raw.stem + ".txt", data.split(b"\r\n\r\n", 1)[1])


if __name__ == "__main__":
    main()
