#pragma once
/// \file What the stream harnesses (RequestParserFuzzer, ResponseParserFuzzer) read from a fuzz input, and
/// the invariant check every harness uses.
///
/// Layout of one input (tests/fuzz/make_corpus.py writes the seed corpus in it):
///   byte 0      options, a bit field each harness defines (limits profile, take() or next(), ...)
///   byte 1      n: the number of chunk-length bytes that follow (n % 16)
///   n bytes     chunk lengths, each 1..256 (a byte b is b + 1), used cyclically over the stream;
///               n == 0 feeds the stream one byte at a time
///   the rest    the byte stream, as a peer would send it (pipelined messages, garbage, ...)
/// An input shorter than two bytes is a stream of its own bytes, fed whole.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace slowio::fuzz {

/// A failed invariant: says which and where on stderr, then aborts (libFuzzer saves the input as a crash).
[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "\nINVARIANT VIOLATED at %s:%d: %s\n", file, line, what);
    std::abort();
}

#define FUZZ_CHECK(cond)                                              \
    do {                                                              \
        if (!(cond)) ::slowio::fuzz::fail(#cond, __FILE__, __LINE__); \
    } while (0)

struct SplitInput {
    std::uint8_t options = 0;
    std::vector<std::size_t> chunks;  ///< empty: one byte at a time
    std::string_view stream;

    static SplitInput read(const std::uint8_t* data, std::size_t size) {
        SplitInput in;
        if (size < 2) {
            in.stream = {reinterpret_cast<const char*>(data), size};
            in.chunks.push_back(size == 0 ? 1 : size);
            return in;
        }
        in.options = data[0];
        std::size_t n = data[1] % 16;
        std::size_t pos = 2;
        for (; n > 0 && pos < size; --n, ++pos) in.chunks.push_back(std::size_t{data[pos]} + 1);
        in.stream = {reinterpret_cast<const char*>(data) + pos, size - pos};
        return in;
    }

    /// The stream cut at the chunk lengths (cyclically), each piece in a heap block of exactly its size, so
    /// AddressSanitizer sees a read one byte past the end of what one read() returned.
    std::vector<std::unique_ptr<char[]>> pieces(std::vector<std::size_t>& sizes) const {
        return cut(stream, chunks.empty() ? std::vector<std::size_t>{1} : chunks, sizes);
    }
    /// The whole stream in one heap block of exactly its size (one read() that got everything).
    std::vector<std::unique_ptr<char[]>> whole(std::vector<std::size_t>& sizes) const {
        return cut(stream, {stream.empty() ? 1 : stream.size()}, sizes);
    }

  private:
    static std::vector<std::unique_ptr<char[]>> cut(std::string_view s,
                                                    const std::vector<std::size_t>& lengths,
                                                    std::vector<std::size_t>& sizes) {
        std::vector<std::unique_ptr<char[]>> out;
        sizes.clear();
        std::size_t pos = 0;
        for (std::size_t k = 0; pos < s.size(); ++k) {
            const std::size_t n = std::min(lengths[k % lengths.size()], s.size() - pos);
            out.emplace_back(new char[n]);
            std::memcpy(out.back().get(), s.data() + pos, n);
            sizes.push_back(n);
            pos += n;
        }
        return out;
    }
};

}  // namespace slowio::fuzz
