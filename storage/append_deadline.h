// The latest moment an append may still enter a commit group. An append whose deadline passes
// while it waits in the log's queue is refused with kUnavailable and never written: a caller
// that hears "not applied" can rely on it. Once an append is in a group it is never refused for
// its deadline; its caller hears the group's real outcome however long the commit takes.
//
// The deadline travels with the thread rather than through every Append call: whoever serves a
// request sets it for the span of the request's synchronous work (http/server.cc), and every
// append made there carries it. Appends made elsewhere (background workers, CLIs) have none.
#pragma once
#include <chrono>

namespace kl::storage {

using AppendDeadline = std::chrono::steady_clock::time_point;
inline constexpr AppendDeadline kNoAppendDeadline = AppendDeadline::max();

namespace detail {
inline thread_local AppendDeadline current_append_deadline = kNoAppendDeadline;
}

// The deadline appends made on this thread get now.
inline AppendDeadline CurrentAppendDeadline() { return detail::current_append_deadline; }

// Sets this thread's append deadline for the scope's lifetime, then restores the previous one.
class ScopedAppendDeadline {
 public:
  explicit ScopedAppendDeadline(AppendDeadline deadline) : saved_(detail::current_append_deadline) {
    detail::current_append_deadline = deadline;
  }
  ~ScopedAppendDeadline() { detail::current_append_deadline = saved_; }
  ScopedAppendDeadline(const ScopedAppendDeadline&) = delete;
  ScopedAppendDeadline& operator=(const ScopedAppendDeadline&) = delete;

 private:
  AppendDeadline saved_;
};

}  // namespace kl::storage
