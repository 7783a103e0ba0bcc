// The key that signs widget tokens (docs/widgets.md), kept for that purpose only: never the
// ledger's signing key. Embedded: <data-dir>/widget.pem (0600), generated on first start. A
// cluster node verifies tokens minted by any node, so the operator provisions one file to every
// node (--widget-key); a cluster node without it serves no widget (the routes answer 503).
#pragma once
#include <memory>
#include <string>

#include "domain/status.h"
#include "http/compat/widgets/widget_token.h"

namespace kl::app {

// `key_file` set: that file (a P-256 private key in PEM). Else, when `generate`, the data dir's
// widget.pem, made when missing; else null (no widget on this node).
Result<std::shared_ptr<const http::widgets::WidgetTokenKey>> LoadWidgetKey(const std::string& data_dir,
                                                                           const std::string& key_file,
                                                                           bool generate);

}  // namespace kl::app
