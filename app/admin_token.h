// The admin token (docs/spec.md, Running): from KEYLEDGER_ADMIN_TOKEN, or generated once into
// <data-dir>/admin.token (mode 0600). Only its SHA-256 is kept in memory.
#pragma once
#include <string>

#include "domain/status.h"

namespace kl::app {

// Returns the hex SHA-256 of the token in force; `generated_path` is set when a file was used.
Result<std::string> LoadAdminTokenHash(const std::string& data_dir, std::string* token_file);

}  // namespace kl::app
