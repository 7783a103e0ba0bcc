// The stored encoding of an event: one Cap'n Proto message (events.capnp), envelope and
// typed payload, including the log-assigned seq, recorded_at and the four hashes.
#pragma once
#include <string>
#include <string_view>

#include "domain/event.h"
#include "domain/status.h"

namespace kl::events {

std::string Encode(const Event& event);
// Decodes bytes read back from disk (or anywhere): copies them into a word-aligned buffer and
// reads with bounded ReaderOptions; never throws, garbage yields a kInternal status. The bytes
// must be exactly one message (trailing bytes are refused), and an event type this build does
// not know (written by a newer one) is a kInternal status too.
Result<Event> Decode(std::string_view bytes);
// The same, into an existing event: every field of *out is overwritten, and strings already in it
// lend their storage (a replay decodes millions of events into recycled ones). On an error *out
// holds a mix of old and new fields.
Status DecodeInto(std::string_view bytes, Event* out);

}  // namespace kl::events
