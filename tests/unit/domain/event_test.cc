// Event type names (domain/event.h): one per alternative of EventData, in its order.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "domain/event.h"

using namespace kl;

TEST_CASE("every event type has one distinct name, and EventTypeName follows the variant") {
  const auto& names = AllEventTypeNames();
  CHECK(names.size() == std::variant_size_v<EventData>);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  CHECK(std::string(EventTypeName(EventData{OrgCreated{}})) == "OrgCreated");
  CHECK(std::string(EventTypeName(EventData{KeyRevoked{}})) == "KeyRevoked");
  CHECK(std::string(EventTypeName(EventData{WebhookEnabled{}})) == "WebhookEnabled");
}
