#include "http/org_request.h"

#include "http/json_input.h"

namespace kl::http {

const BodyShape kCreateOrgBody{{{"id"}, {"name"}, {"status"}}};
const BodyShape kUpdateOrgBody{{{"name"}, {"status"}}};

CreateOrgInput ReadCreateOrg(const nlohmann::json& body, FieldErrors& errors) {
  FieldReader f(body);
  CreateOrgInput in{f.String("id"), f.String("name"), f.String("status")};
  errors.insert(f.errors().begin(), f.errors().end());
  return in;
}

UpdateOrgInput ReadUpdateOrg(const nlohmann::json& body, FieldErrors& errors) {
  FieldReader f(body);
  UpdateOrgInput in{f.String("name"), f.String("status")};
  errors.insert(f.errors().begin(), f.errors().end());
  return in;
}

}  // namespace kl::http
