// LD_PRELOAD shim for the storage-fault tests (tests/e2e/fsync_failure_test.cc,
// tests/e2e/slow_commit_test.cc). Two faults, each on while its control file exists:
// - KEYLEDGER_FAULT_SYNC_FILE: every way RocksDB 7.8 makes data durable on Linux fails with EIO
//   without syncing: fdatasync (WAL and SST syncs), fsync (use_fsync, directories, MANIFEST),
//   sync_file_range (bytes_per_sync; not its no-op probe, see below), syncfs.
// - KEYLEDGER_FAULT_SYNC_DELAY_FILE: each of those calls first sleeps for the number of
//   milliseconds the file holds (a slow disk), then syncs. With KEYLEDGER_FAULT_SYNC_DELAY_SUFFIX
//   set (e.g. ".sst"), only syncs of files whose path ends so are slow (slow flushes, fast WAL).
// The files are checked on every call, so a test turns a fault on and off by creating and
// removing its file while the server runs.
// Built without sanitizers: it is preloaded into sanitized servers too (see the test).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int sync_is_failing(void) {
  const char* control = getenv("KEYLEDGER_FAULT_SYNC_FILE");
  struct stat st;
  return control != NULL && stat(control, &st) == 0;
}

// Whether `fd` names a file the delay applies to (every file, without a suffix set).
static int delay_applies_to(int fd) {
  const char* suffix = getenv("KEYLEDGER_FAULT_SYNC_DELAY_SUFFIX");
  if (suffix == NULL || *suffix == '\0') return 1;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  size_t len = strlen(suffix);
  return (size_t)n >= len && strcmp(path + n - len, suffix) == 0;
}

// Sleeps as long as the delay file says, if it exists and the delay applies to `fd`.
static void delay_if_slow(int fd) {
  const char* control = getenv("KEYLEDGER_FAULT_SYNC_DELAY_FILE");
  if (control == NULL || !delay_applies_to(fd)) return;
  int fd_control = open(control, O_RDONLY | O_CLOEXEC);
  if (fd_control < 0) return;
  char text[16] = {0};
  ssize_t n = read(fd_control, text, sizeof text - 1);
  close(fd_control);
  long ms = n > 0 ? strtol(text, NULL, 10) : 0;
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Each wrapper waits while the delay file exists, fails while the control file exists, else calls the real function (looked up
// once; concurrent first lookups are harmless, they all find the same one).
#define FAILING_SYNC(name, params, args)                      \
  int name params {                                           \
    static int(*real) params;                                 \
    if (real == NULL) real = (int(*) params)dlsym(RTLD_NEXT, #name); \
    delay_if_slow(fd);                                        \
    if (sync_is_failing()) {                                  \
      errno = EIO;                                            \
      return -1;                                              \
    }                                                         \
    return real args;                                         \
  }

FAILING_SYNC(fsync, (int fd), (fd))
FAILING_SYNC(fdatasync, (int fd), (fd))
FAILING_SYNC(syncfs, (int fd), (fd))

// sync_file_range with flags 0 does nothing, and RocksDB calls it so when it opens a file to
// learn whether the call exists; it asserts that the probe fails only with ENOSYS. A real
// disk never fails a no-op, so neither does the shim.
int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags) {
  static int (*real)(int, off_t, off_t, unsigned int);
  if (real == NULL) real = (int (*)(int, off_t, off_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
  if (flags != 0) delay_if_slow(fd);
  if (flags != 0 && sync_is_failing()) {
    errno = EIO;
    return -1;
  }
  return real(fd, offset, nbytes, flags);
}
