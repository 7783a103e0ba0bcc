// LD_PRELOAD shim for the fsync-failure test (tests/e2e/fsync_failure_test.cc): while the file
// named by KEYLEDGER_FAULT_SYNC_FILE exists, every way RocksDB 7.8 makes data durable on Linux
// fails with EIO without syncing: fdatasync (WAL and SST syncs), fsync (use_fsync, directories,
// MANIFEST), sync_file_range (bytes_per_sync; not its no-op probe, see below), syncfs. The
// file is checked on every call, so a test turns the fault on and off by creating and removing
// it while the server runs.
// Built without sanitizers: it is preloaded into sanitized servers too (see the test).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int sync_is_failing(void) {
  const char* control = getenv("KEYLEDGER_FAULT_SYNC_FILE");
  struct stat st;
  return control != NULL && stat(control, &st) == 0;
}

// Each wrapper fails while the control file exists, else calls the real function (looked up
// once; concurrent first lookups are harmless, they all find the same one).
#define FAILING_SYNC(name, params, args)                      \
  int name params {                                           \
    static int(*real) params;                                 \
    if (real == NULL) real = (int(*) params)dlsym(RTLD_NEXT, #name); \
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
  if (flags != 0 && sync_is_failing()) {
    errno = EIO;
    return -1;
  }
  return real(fd, offset, nbytes, flags);
}
