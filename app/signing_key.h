// The ledger's Ed25519 signing key: by default <data-dir>/signing.pem (0600), generated on first
// start; with `serve --signing-key FILE`, that file, provisioned by the operator (the same on
// every node of a cluster, docs/cluster.md) and never written by keyledger.
#pragma once
#include <memory>
#include <string>

#include "domain/signer.h"

namespace kl::app {

// `key_file` empty: <data_dir>/signing.pem, made when missing. Otherwise that file, which must
// hold an Ed25519 private key in PEM.
Result<std::shared_ptr<Signer>> LoadOrCreateSigningKey(const std::string& data_dir, const std::string& key_file = "");

}  // namespace kl::app
