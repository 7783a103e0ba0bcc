// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally as a request body arrives
// in pieces: each byte is looked at once, however the client splits its writes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace kl::http {

class ChunkedBody {
 public:
  enum class State { kMore, kDone, kMalformed, kTooLarge };

  explicit ChunkedBody(size_t max_body) : max_body_(max_body) {}

  // Reads from `in`, appending chunk data to `body`; returns how many bytes of `in` it used.
  // Stops at the end of the message (kDone: bytes after it belong to the next request) or at
  // the first error.
  size_t Feed(std::string_view in, std::string& body);
  State state() const { return state_; }

 private:
  enum class Phase { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailerStart, kTrailer, kEndLf };
  static constexpr size_t kMaxTrailerBytes = 8 * 1024;
  size_t max_body_;
  State state_ = State::kMore;
  Phase phase_ = Phase::kSize;
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  int size_digits_ = 0;
  size_t trailer_bytes_ = 0;
};

}  // namespace kl::http
