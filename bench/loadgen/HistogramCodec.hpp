#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "LatencyHistogram.hpp"

namespace slowio::loadgen {

/// HdrHistogram's V2 serialisation of a LatencyHistogram, as HdrHistogram's encodeIntoCompressedByteBuffer
/// writes it and every port (Java, C, JavaScript, Python, Go) reads it: a 40-byte big-endian header (cookie,
/// payload length, normalizing offset 0, 2 significant digits, lowest value 1, highest 1 h in ns, ratio 1.0),
/// then the counts as ZigZag LEB128 with runs of zeros written as one negative number; the compressed form is
/// a second cookie, the length, and that buffer through zlib. No re-binning: with 2 significant digits and a
/// lowest value of 1, HdrHistogram's counts index is exactly LatencyHistogram's bucket index (256 unit
/// buckets, then 128 per power of two).
class HistogramCodec {
  public:
    static constexpr std::uint32_t encoding_cookie = 0x1c849313;  ///< V2, uncompressed
    static constexpr std::uint32_t compressed_encoding_cookie =
        0x1c849314;                               ///< V2, zlib ("HISTF..." in base64)
    static constexpr int significant_digits = 2;  ///< what our layout corresponds to

    /// The uncompressed V2 encoding (header + payload).
    static std::vector<std::uint8_t> encode(const LatencyHistogram& h);
    /// The compressed V2 encoding in standard base64: one hlog line's last field.
    static std::string encode_compressed_base64(const LatencyHistogram& h);
    /// Decodes what encode_compressed_base64 (or any HdrHistogram writer with our layout) produced. Each
    /// bucket's count is recorded at the bucket's lower bound, so counts and percentiles round-trip exactly,
    /// min/max/mean to bucket precision. nullopt and `error` for anything else.
    static std::optional<LatencyHistogram> decode_compressed_base64(std::string_view text,
                                                                    std::string& error);

    /// Standard base64 (RFC 4648, with padding).
    static std::string base64_encode(const std::vector<std::uint8_t>& bytes);
    /// Inverse of base64_encode; nullopt on a character outside the alphabet or a bad length.
    static std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
};

}  // namespace slowio::loadgen
