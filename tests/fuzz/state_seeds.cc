// Writes the seed corpus of state_codec_fuzz: EncodeKey() of each key state of
// tests/fuzz/state_fixtures.h, plus the full state re-written by nlohmann's to_msgpack with what
// EncodeKey never writes but DecodeKey reads (nil optional fields, unknown fields of every
// shape, keys in nlohmann's (alphabetical) order), one file per state.
//
//   build-fuzz/fuzz_state_seeds tests/fuzz/corpus/state_codec
//
// Plain main(), no Catch2: it is a generator, not a test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "projections/state_codec.h"
#include "tests/fuzz/state_fixtures.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const char* names[] = {"minimal", "full", "gated"};
  int n = 0;
  auto write = [&](const std::string& name, const std::string& bytes) {
    if (!kl::projections::DecodeKey(bytes)) {
      std::fprintf(stderr, "seed %s does not decode\n", name.c_str());
      std::exit(1);
    }
    std::ofstream(std::string(argv[1]) + "/" + std::to_string(n++) + "-" + name + ".msgpack", std::ios::binary)
        << bytes;
  };
  for (const kl::KeyState& k : kl::fuzz::AllKeyStates()) write(names[n], kl::projections::EncodeKey(k));

  nlohmann::json dom = nlohmann::json::from_msgpack(kl::projections::EncodeKey(kl::fuzz::FullKeyState()));
  for (const char* optional : {"desc", "exp", "rr", "lui", "crat", "eww"}) dom[optional] = nullptr;
  dom["zz_future"] = nlohmann::json::parse(R"({"id":"not the id","perms":[1,2],"cr":{"remaining":"x"}})");
  dom["aa_future"] = nlohmann::json::array({"x", nlohmann::json::object({{"v", 9}}), nullptr, 1.5});
  dom["cr"]["future"] = true;
  std::vector<uint8_t> bytes = nlohmann::json::to_msgpack(dom);
  write("dom-nils-unknown", std::string(bytes.begin(), bytes.end()));

  std::printf("wrote %d encoded key states to %s\n", n, argv[1]);
  return 0;
}
