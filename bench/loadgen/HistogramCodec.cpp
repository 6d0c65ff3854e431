#include "HistogramCodec.hpp"

#include <zlib.h>

#include <array>
#include <bit>
#include <cstring>

namespace slowio::loadgen {

namespace {
constexpr std::size_t header_bytes = 40;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
std::uint32_t get_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint64_t get_u64(const std::uint8_t* p) {
    return (std::uint64_t{get_u32(p)} << 32) | get_u32(p + 4);
}

// HdrHistogram's ZigZagEncoding.putLong: 7 bits per byte for eight bytes, then a ninth byte with the top 8.
void put_zigzag(std::vector<std::uint8_t>& out, std::int64_t signed_value) {
    std::uint64_t v =
        (static_cast<std::uint64_t>(signed_value) << 1) ^ static_cast<std::uint64_t>(signed_value >> 63);
    for (int i = 0; i < 8; ++i) {
        if ((v >> 7) == 0) {
            out.push_back(static_cast<std::uint8_t>(v));
            return;
        }
        out.push_back(static_cast<std::uint8_t>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
}

bool get_zigzag(const std::uint8_t*& p, const std::uint8_t* end, std::int64_t& value) {
    std::uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
        if (p == end) return false;
        const std::uint8_t b = *p++;
        if (i == 8) {
            v |= std::uint64_t{b} << 56;
            break;
        }
        v |= std::uint64_t{b & 0x7Fu} << (7 * i);
        if ((b & 0x80) == 0) break;
    }
    value = static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
    return true;
}

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::vector<std::uint8_t> HistogramCodec::encode(const LatencyHistogram& h) {
    const auto& counts = h.counts();
    std::size_t limit = counts.size();
    while (limit > 0 && counts[limit - 1] == 0) --limit;
    std::vector<std::uint8_t> payload;
    for (std::size_t i = 0; i < limit;) {
        if (counts[i] != 0) {
            put_zigzag(payload, static_cast<std::int64_t>(counts[i]));
            ++i;
            continue;
        }
        std::int64_t zeros = 0;
        while (i < limit && counts[i] == 0) ++zeros, ++i;
        put_zigzag(payload, zeros > 1 ? -zeros : 0);
    }
    std::vector<std::uint8_t> out;
    out.reserve(header_bytes + payload.size());
    put_u32(out, encoding_cookie);
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u32(out, 0);  // normalizingIndexOffset
    put_u32(out, significant_digits);
    put_u64(out, 1);  // lowestDiscernibleValue: 1 ns
    put_u64(out, LatencyHistogram::max_value_ns);
    put_u64(out, std::bit_cast<std::uint64_t>(1.0));  // integerToDoubleValueConversionRatio
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::string HistogramCodec::encode_compressed_base64(const LatencyHistogram& h) {
    const auto raw = encode(h);
    uLongf deflated_size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> out(8 + deflated_size);
    // zlib format (header + adler32), as java.util.zip.Deflater writes it; compress2 fails only on memory.
    if (compress2(out.data() + 8, &deflated_size, raw.data(), static_cast<uLong>(raw.size()),
                  Z_DEFAULT_COMPRESSION) != Z_OK)
        throw std::bad_alloc();
    out.resize(8 + deflated_size);
    std::vector<std::uint8_t> head;
    put_u32(head, compressed_encoding_cookie);
    put_u32(head, static_cast<std::uint32_t>(deflated_size));
    std::memcpy(out.data(), head.data(), 8);
    return base64_encode(out);
}

std::optional<LatencyHistogram> HistogramCodec::decode_compressed_base64(std::string_view text,
                                                                         std::string& error) {
    const auto bytes = base64_decode(text);
    if (!bytes) return error = "not base64", std::nullopt;
    if (bytes->size() < 8 || get_u32(bytes->data()) != compressed_encoding_cookie)
        return error = "not a compressed V2 HdrHistogram (cookie)", std::nullopt;
    const std::uint32_t length = get_u32(bytes->data() + 4);
    if (length != bytes->size() - 8) return error = "compressed length does not match", std::nullopt;
    // The header says how long the payload is, so inflate the header first, then exactly that much more.
    std::vector<std::uint8_t> raw(header_bytes);
    uLongf raw_size = header_bytes;
    uLong src_size = length;
    int rc = uncompress2(raw.data(), &raw_size, bytes->data() + 8, &src_size);
    if ((rc != Z_OK && rc != Z_BUF_ERROR) || raw_size < header_bytes ||
        get_u32(raw.data()) != encoding_cookie)
        return error = "zlib data does not hold a V2 HdrHistogram", std::nullopt;
    const std::uint32_t payload = get_u32(raw.data() + 4);
    if (get_u32(raw.data() + 8) != 0 || get_u32(raw.data() + 12) != significant_digits ||
        get_u64(raw.data() + 16) != 1)
        return error = "histogram layout differs from loadgen's (offset 0, 2 digits, lowest 1)", std::nullopt;
    if (payload > 64u * 1024 * 1024) return error = "payload length implausible", std::nullopt;
    raw.resize(header_bytes + payload);
    raw_size = static_cast<uLongf>(raw.size());
    src_size = length;
    rc = uncompress2(raw.data(), &raw_size, bytes->data() + 8, &src_size);
    if (rc != Z_OK || raw_size != raw.size()) return error = "truncated zlib payload", std::nullopt;
    LatencyHistogram h;
    const std::uint8_t* p = raw.data() + header_bytes;
    const std::uint8_t* end = raw.data() + raw.size();
    std::size_t index = 0;
    const std::size_t max_index = LatencyHistogram::index_of(LatencyHistogram::max_value_ns);
    while (p < end) {
        std::int64_t v = 0;
        if (!get_zigzag(p, end, v)) return error = "truncated count", std::nullopt;
        if (v < 0) {
            index += static_cast<std::size_t>(-v);
            continue;
        }
        if (index > max_index) return error = "count beyond the highest trackable value", std::nullopt;
        h.record(LatencyHistogram::lower_bound_of(index), static_cast<std::uint64_t>(v));
        ++index;
    }
    return h;
}

std::string HistogramCodec::base64_encode(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t chunk = std::uint32_t{bytes[i]} << 16;
        if (n > 1) chunk |= std::uint32_t{bytes[i + 1]} << 8;
        if (n > 2) chunk |= bytes[i + 2];
        for (std::size_t k = 0; k < 4; ++k)
            out.push_back(k <= n ? alphabet[(chunk >> (18 - 6 * k)) & 0x3F] : '=');
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> HistogramCodec::base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::array<int, 256> value{};
    value.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t chunk = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
                chunk <<= 6;
                continue;
            }
            const int v = value[static_cast<unsigned char>(c)];
            if (v < 0 || pad) return std::nullopt;
            chunk = (chunk << 6) | static_cast<std::uint32_t>(v);
        }
        out.push_back(static_cast<std::uint8_t>(chunk >> 16));
        if (pad < 2) out.push_back(static_cast<std::uint8_t>(chunk >> 8));
        if (pad < 1) out.push_back(static_cast<std::uint8_t>(chunk));
    }
    return out;
}

}  // namespace slowio::loadgen
