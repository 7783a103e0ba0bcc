// A digest of every projection column family (keys and values in order): two folds of the same
// log give the same digest, so replay and verify can compare projections cheaply.
#pragma once
#include <string>

#include "storage/database.h"

namespace kl::projections {

std::string ProjectionDigest(const storage::Database& db);

}  // namespace kl::projections
