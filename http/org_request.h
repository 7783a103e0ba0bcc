// The bodies of the organization routes (docs/openapi.yaml, CreateOrgRequest and
// UpdateOrgRequest): their shapes and how they are read; type mistakes go into `errors`.
#pragma once
#include <nlohmann/json.hpp>

#include "domain/org.h"
#include "http/input_shape.h"

namespace kl::http {

extern const BodyShape kCreateOrgBody;
extern const BodyShape kUpdateOrgBody;

CreateOrgInput ReadCreateOrg(const nlohmann::json& body, FieldErrors& errors);
UpdateOrgInput ReadUpdateOrg(const nlohmann::json& body, FieldErrors& errors);

}  // namespace kl::http
