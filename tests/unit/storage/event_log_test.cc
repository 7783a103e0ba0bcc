// EventLog::AppendAndWait (storage/event_log.h): the blocking form of Append for tools and
// tests, which answers with exactly what the log's callback said, whichever thread said it.
#include <catch2/catch.hpp>

#include <thread>

#include "storage/event_log.h"

using namespace kl;
using namespace kl::storage;

namespace {

// Answers every append from another thread, with `answer`.
class AnsweringLog final : public EventLog {
 public:
  explicit AnsweringLog(Status answer) : answer_(std::move(answer)) {}
  ~AnsweringLog() override {
    for (auto& t : threads_) t.join();
  }
  void Append(std::vector<Event> events, bool, AppendCallback done) override {
    threads_.emplace_back([answer = answer_, events = std::move(events), done = std::move(done)]() mutable {
      AppendResult r;
      r.status = answer;
      if (answer.ok()) r.events = std::move(events);
      done(std::move(r));
    });
  }
  Status Read(uint64_t, size_t, std::vector<Event>*) const override { return Status::Ok(); }
  Status ReadStream(const std::string&, uint64_t, size_t, std::vector<Event>*) const override { return Status::Ok(); }
  uint64_t HeadSeq() const override { return 0; }
  LogHead Head() const override { return {}; }
  LogStats Stats() const override { return {}; }
  void NotifyAfter(uint64_t, std::chrono::steady_clock::time_point, std::function<void(uint64_t)> ready) override {
    ready(0);
  }
  void Stop() override {}

 private:
  Status answer_;
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE("AppendAndWait returns the callback's answer, events and all") {
  AnsweringLog ok(Status::Ok());
  Event e;
  e.org_id = "acme";
  AppendResult r = ok.AppendAndWait({e, e}, true);
  CHECK(r.status.ok());
  CHECK(r.events.size() == 2);

  AnsweringLog refused(Status(Code::kConflict, "stale version"));
  AppendResult c = refused.AppendAndWait({e}, true);
  CHECK(c.status.code() == Code::kConflict);
  CHECK(c.events.empty());
}
