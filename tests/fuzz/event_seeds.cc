// Writes the seed corpus of event_codec_fuzz: Encode() of every fixture of the golden tests
// (one fully populated event of each type, sealed), one file per event, named by its type.
//
//   build-fuzz/fuzz_event_seeds tests/fuzz/corpus/event_codec
//
// Plain main(), no Catch2: it is a generator, not a test.
#include <cstdio>
#include <fstream>
#include <string>

#include "events/chain.h"
#include "events/codec.h"
#include "tests/unit/events/event_fixtures.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  int n = 0;
  for (kl::Event e : kl::test::AllFixtures()) {
    kl::events::Seal(e, e.prev_hash, e.org_prev_hash);
    // The index keeps two fixtures of one type apart.
    std::string path = std::string(argv[1]) + "/" + std::to_string(n++) + "-" + kl::EventTypeName(e.data) + ".capnp";
    std::ofstream(path, std::ios::binary) << kl::events::Encode(e);
  }
  std::printf("wrote %d encoded events to %s\n", n, argv[1]);
  return 0;
}
