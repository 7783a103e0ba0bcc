#!/usr/bin/env bash
# CI job, compile only: clang's thread-safety analysis over every file that uses the annotated
# mutex (domain/mutex.h, domain/thread_annotations.h), warnings as errors. First it proves the
# check can fail: a member touched without its mutex must be refused.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang++ >/dev/null || { echo "thread-safety: clang++ is not installed" >&2; exit 1; }
flags=(-std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety -I.)

bad='#include "domain/mutex.h"
struct Counter { kl::Mutex mu; int n GUARDED_BY(mu) = 0; void Unguarded() { ++n; } };'
if clang++ "${flags[@]}" -x c++ - <<<"$bad" 2>/dev/null; then
  echo "thread-safety: an unguarded write was not refused; the check proves nothing" >&2
  exit 1
fi

# The headers that declare annotated state, and the sources that implement them (foo.h, foo.cc).
mapfile -t files < <(git ls-files 'domain/*' 'events/*' 'storage/*' 'projections/*' 'exports/*' 'webhooks/*' \
                       'http/*' 'app/*' | grep -E '\.h$' | xargs grep -l '"domain/mutex.h"' | grep -v '^domain/mutex.h$' |
                     while read -r h; do echo "$h"; [ -f "${h%.h}.cc" ] && echo "${h%.h}.cc"; done)
for f in "${files[@]}"; do
  case "$f" in
    *.cc) clang++ "${flags[@]}" "$f" ;;
    *.h) echo "#include \"$f\"" | clang++ "${flags[@]}" -x c++ - ;;
  esac
done
echo "thread-safety: ${#files[@]} files clean"
