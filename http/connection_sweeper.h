// A thread that visits every open connection at a fixed interval, so the front door can enforce
// its read and idle timeouts (http/server.cc) on its own clock rather than Pistache's: Pistache
// 0.0.5 keeps a request's header timeout running until the request is answered, so a request
// read completely whose commit outlasted the timeout was answered 408 although it was applied.
// Visits run on the sweeper's thread; a visit must take the connection's own lock.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <pthread.h>

namespace kl::http {

template <typename Conn>
class ConnectionSweeper {
 public:
  using Visit = std::function<void(const std::shared_ptr<Conn>&, std::chrono::steady_clock::time_point now)>;

  ConnectionSweeper(std::chrono::milliseconds interval, Visit visit)
      : interval_(interval), visit_(std::move(visit)), thread_([this] { Run(); }) {}
  ~ConnectionSweeper() { Stop(); }
  ConnectionSweeper(const ConnectionSweeper&) = delete;
  ConnectionSweeper& operator=(const ConnectionSweeper&) = delete;

  void Add(const std::shared_ptr<Conn>& conn) {
    std::lock_guard lock(mu_);
    conns_[conn.get()] = conn;
  }
  void Remove(const Conn* conn) {
    std::lock_guard lock(mu_);
    conns_.erase(conn);
  }
  // Stops the thread; no visit runs after this returns.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    pthread_setname_np(pthread_self(), "kl-conn-sweep");
    std::vector<std::shared_ptr<Conn>> visiting;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      visiting.clear();
      for (auto& [ptr, weak] : conns_)
        if (auto c = weak.lock()) visiting.push_back(std::move(c));
      lock.unlock();  // a visit may write to a socket: never under the registry's lock
      auto now = std::chrono::steady_clock::now();
      for (const auto& c : visiting) visit_(c, now);
      visiting.clear();  // connections are released here, not under the lock
      lock.lock();
    }
  }

  const std::chrono::milliseconds interval_;
  const Visit visit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::unordered_map<const Conn*, std::weak_ptr<Conn>> conns_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace kl::http
