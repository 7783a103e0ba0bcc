// The per-token create limit (docs/widgets.md, Limits).
#include <catch2/catch.hpp>

#include "http/compat/widgets/widget_settings.h"

using namespace kl::http::widgets;

TEST_CASE("a token may create a configured number of keys per minute", "[http][widgets]") {
  CreateLimiter limiter(2);
  CHECK(limiter.TryCreate("t1", 0));
  CHECK(limiter.TryCreate("t1", 10));
  CHECK_FALSE(limiter.TryCreate("t1", 59999));
  CHECK(limiter.TryCreate("t2", 59999));  // each token its own budget
  CHECK(limiter.TryCreate("t1", 60000));  // a new window
}
