/// \file libFuzzer harness for loadgen's response parser (slowio::loadgen::ResponseParser).
///
/// The stream (see FuzzInput.hpp) is what a server sent on one connection, fed as Connection and Scraper
/// feed it: each read goes to feed() until it reports complete or error; when the stream ends first, the
/// peer's close goes to feed_eof(). It is fed twice — whole, and cut at the input's chunk lengths — and both
/// must agree. Invariants:
///   - after the stream and its end, the response is complete or an error, never still incomplete;
///   - complete: a status code in 100..999, and the result is stable (feeding more changes nothing);
///   - error: stays an error, and says why (error_text());
///   - whole and split agree on the result, the status code, keep-alive and the captured body.
///
/// Options byte: bit 0 capture the body (the scraper) or not (the load path), bit 1 the request was HEAD,
/// bit 2 the parser first reads one ordinary response and is reset(), as a kept-alive connection's is.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "FuzzInput.hpp"
#include "ResponseParser.hpp"

namespace {

using slowio::loadgen::ResponseParser;
using Status = ResponseParser::Status;

struct Outcome {
    Status before_eof = Status::incomplete;  ///< after the last read, before the peer's close
    Status end = Status::incomplete;         ///< after the close too
    unsigned status_code = 0;
    bool keep_alive = false;
    std::string body;
};

const char* name(Status s) {
    return s == Status::complete ? "complete" : s == Status::error ? "error" : "incomplete";
}

Outcome run(const std::vector<std::unique_ptr<char[]>>& reads, const std::vector<std::size_t>& sizes,
            std::uint8_t options) {
    const bool capture = (options & 1) != 0;
    const bool head = (options & 2) != 0;
    ResponseParser p(capture);
    if ((options & 4) != 0) {
        const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        FUZZ_CHECK(p.feed(first.data(), first.size()) == Status::complete);
    }
    p.reset(head);

    Outcome out;
    Status st = Status::incomplete;
    for (std::size_t k = 0; k < reads.size() && st == Status::incomplete; ++k) {
        st = p.feed(reads[k].get(), sizes[k]);
        FUZZ_CHECK(st == Status::incomplete || st == Status::complete || st == Status::error);
    }
    out.before_eof = st;
    if (st == Status::incomplete) st = p.feed_eof();
    out.end = st;
    FUZZ_CHECK(st == Status::complete || st == Status::error);  // the close decides: never left hanging

    if (st == Status::complete) {
        out.status_code = p.status_code();
        out.keep_alive = p.keep_alive();
        out.body = p.body();
        FUZZ_CHECK(out.status_code >= 100 && out.status_code <= 999);
        FUZZ_CHECK(capture || out.body.empty());
        FUZZ_CHECK(!head || out.body.empty());
        // Complete is final until reset(): more bytes, or another close, change nothing.
        const char more[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1\r\n\r\nx";
        FUZZ_CHECK(p.feed(more, sizeof more - 1) == Status::complete);
        FUZZ_CHECK(p.feed_eof() == Status::complete);
        FUZZ_CHECK(p.status_code() == out.status_code);
        FUZZ_CHECK(p.body() == out.body);
    } else {
        const char* why = p.error_text();
        FUZZ_CHECK(why != nullptr && why[0] != '\0' && std::strcmp(why, "success") != 0);
        const char more[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        FUZZ_CHECK(p.feed(more, sizeof more - 1) == Status::error);
    }
    // reset() makes the parser as good as new.
    p.reset(false);
    const std::string ok = "HTTP/1.1 204 No Content\r\n\r\n";
    FUZZ_CHECK(p.feed(ok.data(), ok.size()) == Status::complete);
    FUZZ_CHECK(p.status_code() == 204);
    FUZZ_CHECK(p.body().empty());
    return out;
}

void describe(const char* how, const Outcome& o) {
    std::fprintf(stderr, "%s: before eof %s, end %s, status %u, keep-alive %d, body %zu bytes\n", how,
                 name(o.before_eof), name(o.end), o.status_code, o.keep_alive ? 1 : 0, o.body.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = slowio::fuzz::SplitInput::read(data, size);
    std::vector<std::size_t> whole_sizes, split_sizes;
    const auto whole_reads = in.whole(whole_sizes);
    const auto split_reads = in.pieces(split_sizes);
    const Outcome whole = run(whole_reads, whole_sizes, in.options);
    const Outcome split = run(split_reads, split_sizes, in.options);

    // How the bytes were cut into reads changes nothing.
    const bool same = whole.before_eof == split.before_eof && whole.end == split.end &&
                      whole.status_code == split.status_code && whole.keep_alive == split.keep_alive &&
                      whole.body == split.body;
    if (!same) {
        describe("whole", whole);
        describe("split", split);
        FUZZ_CHECK(same && "whole and split reads give the same outcome");
    }
    return 0;
}
