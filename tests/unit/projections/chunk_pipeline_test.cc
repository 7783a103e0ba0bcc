#include <catch2/catch.hpp>

#include <vector>

#include "projections/chunk_pipeline.h"

using namespace kl;

namespace {

// A log of given sequence numbers (gaps allowed) whose Read can be made to fail.
class FakeLog final : public storage::EventLog {
 public:
  explicit FakeLog(std::vector<uint64_t> seqs) {
    for (uint64_t s : seqs) {
      Event e;
      e.seq = s;
      events_.push_back(e);
    }
  }
  uint64_t fail_after = UINT64_MAX;  // a Read starting at or past this seq fails

  void Append(std::vector<Event>, bool, storage::AppendCallback) override {}
  Status Read(uint64_t after_seq, size_t limit, std::vector<Event>* out) const override {
    if (after_seq >= fail_after) return Status(Code::kInternal, "disk on fire");
    for (const Event& e : events_)
      if (e.seq > after_seq && out->size() < limit) out->push_back(e);
    return Status::Ok();
  }
  Status ReadStream(const std::string&, uint64_t, size_t, std::vector<Event>*) const override { return Status::Ok(); }
  uint64_t HeadSeq() const override { return events_.empty() ? 0 : events_.back().seq; }
  storage::LogHead Head() const override { return {}; }
  storage::LogStats Stats() const override { return {}; }
  void NotifyAfter(uint64_t, std::chrono::steady_clock::time_point, std::function<void(uint64_t)>) override {}

 private:
  std::vector<Event> events_;
};

// Every seq the pipeline hands out, in order, recycling each chunk as Rebuild does.
std::vector<uint64_t> Drain(projections::ChunkPipeline& pipeline) {
  std::vector<uint64_t> seqs;
  for (;;) {
    auto chunk = pipeline.Next();
    REQUIRE(chunk.ok());
    if (chunk->empty()) return seqs;
    for (const Event& e : *chunk) seqs.push_back(e.seq);
    pipeline.Recycle(std::move(*chunk));
  }
}

}  // namespace

TEST_CASE("chunk pipeline: several readers hand out every event once, in log order", "[projections]") {
  std::vector<uint64_t> all;
  for (uint64_t s = 1; s <= 1000; ++s) all.push_back(s);
  FakeLog log(all);
  for (size_t readers : {1, 2, 3, 8}) {
    INFO(readers << " readers");
    projections::ChunkPipeline pipeline(log, log.HeadSeq(), 7, readers);
    CHECK(Drain(pipeline) == all);
  }
}

TEST_CASE("chunk pipeline: gaps in the sequence neither repeat nor end it early", "[projections]") {
  // Chunks of 4: (0,4] (4,8] (8,12] ... (28,32]; (4,8] and most later ones are empty, and a read
  // from 0 with limit 4 would run into (8,12].
  std::vector<uint64_t> seqs = {1, 2, 3, 10, 11, 30};
  FakeLog log(seqs);
  projections::ChunkPipeline pipeline(log, log.HeadSeq(), 4, 2);
  CHECK(Drain(pipeline) == seqs);

  FakeLog empty({});
  projections::ChunkPipeline none(empty, 0, 4, 2);
  auto chunk = none.Next();
  REQUIRE(chunk.ok());
  CHECK(chunk->empty());
}

TEST_CASE("chunk pipeline: a read error ends the pipeline after the chunks before it", "[projections]") {
  std::vector<uint64_t> all;
  for (uint64_t s = 1; s <= 100; ++s) all.push_back(s);
  FakeLog log(all);
  log.fail_after = 30;  // the chunk (30,40] fails
  projections::ChunkPipeline pipeline(log, log.HeadSeq(), 10, 3);
  std::vector<uint64_t> seen;
  Status failed;
  for (;;) {
    auto chunk = pipeline.Next();
    if (!chunk.ok()) {
      failed = chunk.status();
      break;
    }
    REQUIRE_FALSE(chunk->empty());  // the error comes before any end
    for (const Event& e : *chunk) seen.push_back(e.seq);
  }
  CHECK(failed.message() == "disk on fire");
  CHECK(seen == std::vector<uint64_t>(all.begin(), all.begin() + 30));
}

TEST_CASE("chunk pipeline: abandoned part way, it stops its readers", "[projections]") {
  std::vector<uint64_t> all;
  for (uint64_t s = 1; s <= 10000; ++s) all.push_back(s);
  FakeLog log(all);
  {
    projections::ChunkPipeline pipeline(log, log.HeadSeq(), 10, 4);
    auto first = pipeline.Next();
    REQUIRE(first.ok());
    CHECK(first->front().seq == 1);
  }  // the destructor joins readers that are waiting for room
  SUCCEED("no reader was left waiting");
}
