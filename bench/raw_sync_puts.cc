// The durable-write ceiling of this disk: RocksDB puts with sync=true from N threads, as many as
// possible in a fixed time. keyledger's durable creates are compared against it (bench/run).
#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: raw_sync_puts DIR THREADS SECONDS\n");
    return 2;
  }
  std::string dir = argv[1];
  int threads = std::atoi(argv[2]);
  double seconds = std::atof(argv[3]);
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.enable_pipelined_write = true;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(options, dir, &db).ok()) return 1;
  std::atomic<bool> stop{false};
  std::atomic<long> puts{0};
  std::vector<std::thread> pool;
  std::string value(300, 'v');  // about the size of an encoded KeyCreated event
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      for (long i = 0; !stop; ++i) {
        if (db->Put(wo, "k" + std::to_string(t) + "-" + std::to_string(i), value).ok()) ++puts;
      }
    });
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f\n", puts / elapsed);
  delete db;
  std::filesystem::remove_all(dir);
  return 0;
}
