#include "http/chunked_body.h"

namespace kl::http {

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

size_t ChunkedBody::Feed(std::string_view in, std::string& body) {
  size_t i = 0;
  auto fail = [&](State s) {
    state_ = s;
    return i;
  };
  while (i < in.size() && state_ == State::kMore) {
    char c = in[i];
    switch (phase_) {
      case Phase::kSize: {
        int d = HexDigit(c);
        if (d >= 0) {
          // 16 hex digits would already be more than any body we accept.
          if (++size_digits_ > 15) return fail(State::kTooLarge);
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(d);
          ++i;
        } else if (size_digits_ == 0) {
          return fail(State::kMalformed);
        } else if (c == ';' || c == ' ' || c == '\t') {
          phase_ = Phase::kExtension, ++i;  // chunk extensions are ignored (§7.1.1)
        } else if (c == '\r') {
          phase_ = Phase::kSizeLf, ++i;
        } else if (c == '\n') {
          phase_ = Phase::kSizeLf;  // a bare LF ends the line too
        } else {
          return fail(State::kMalformed);
        }
        if (remaining_ > max_body_ || body.size() + remaining_ > max_body_) return fail(State::kTooLarge);
        break;
      }
      case Phase::kExtension:
        if (c == '\n') {
          phase_ = Phase::kSizeLf;
        } else if (c == '\r' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) || c == '\t') {
          if (c == '\r') phase_ = Phase::kSizeLf;
          ++i;
        } else {
          return fail(State::kMalformed);
        }
        break;
      case Phase::kSizeLf:
        if (c != '\n') return fail(State::kMalformed);
        ++i;
        size_digits_ = 0;
        phase_ = remaining_ == 0 ? Phase::kTrailerStart : Phase::kData;
        break;
      case Phase::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - i));
        body.append(in.data() + i, take);
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) phase_ = Phase::kDataCr;
        break;
      }
      case Phase::kDataCr:
        if (c == '\r') {
          phase_ = Phase::kDataLf, ++i;
        } else if (c == '\n') {
          phase_ = Phase::kDataLf;
        } else {
          return fail(State::kMalformed);
        }
        break;
      case Phase::kDataLf:
        if (c != '\n') return fail(State::kMalformed);
        ++i;
        phase_ = Phase::kSize;
        break;
      case Phase::kTrailerStart:  // an empty line ends the message; anything else is a trailer field
        if (c == '\r') {
          phase_ = Phase::kEndLf, ++i;
        } else if (c == '\n') {
          phase_ = Phase::kEndLf;
        } else {
          phase_ = Phase::kTrailer;  // trailer fields are read and dropped
        }
        break;
      case Phase::kTrailer:
        if (++trailer_bytes_ > kMaxTrailerBytes) return fail(State::kTooLarge);
        if (c == '\n') phase_ = Phase::kTrailerStart;
        ++i;
        break;
      case Phase::kEndLf:
        if (c != '\n') return fail(State::kMalformed);
        ++i;
        state_ = State::kDone;
        break;
    }
  }
  return i;
}

}  // namespace kl::http
