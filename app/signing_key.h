// The Ed25519 signing key in <data-dir>/signing.pem (0600), generated on first start.
#pragma once
#include <memory>
#include <string>

#include "domain/signer.h"

namespace kl::app {

Result<std::shared_ptr<Signer>> LoadOrCreateSigningKey(const std::string& data_dir);

}  // namespace kl::app
