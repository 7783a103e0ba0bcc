// Clang's thread-safety annotations: state guarded by a mutex says so, and clang with
// -Wthread-safety refuses code that touches it without holding the mutex (scripts/ci.d/
// thread_safety.sh runs that check). Other compilers see nothing.
#pragma once

#if defined(__clang__)
#define KL_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KL_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) KL_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY KL_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) KL_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) KL_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) KL_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) KL_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) KL_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
