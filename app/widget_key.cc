#include "app/widget_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace kl::app {

using http::widgets::WidgetTokenKey;

namespace {
Result<std::shared_ptr<const WidgetTokenKey>> ReadKey(const std::string& path, std::ifstream& in) {
  std::stringstream ss;
  ss << in.rdbuf();
  auto key = WidgetTokenKey::FromPrivatePem(ss.str());
  if (!key.ok()) return Status(Code::kInternal, path + ": " + key.status().message());
  return key;
}
}  // namespace

Result<std::shared_ptr<const WidgetTokenKey>> LoadWidgetKey(const std::string& data_dir, const std::string& key_file,
                                                           bool generate) {
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    if (!in) return Status(Code::kInternal, "cannot read the widget key " + key_file);
    return ReadKey(key_file, in);
  }
  if (!generate) return std::shared_ptr<const WidgetTokenKey>();
  std::string path = data_dir + "/widget.pem";
  if (std::ifstream in(path); in) return ReadKey(path, in);
  auto pem = WidgetTokenKey::GeneratePrivatePem();
  if (!pem.ok()) return pem.status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status(Code::kInternal, "cannot create " + path);
  bool ok = ::write(fd, pem->data(), pem->size()) == static_cast<ssize_t>(pem->size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kInternal, "cannot write " + path);
  return WidgetTokenKey::FromPrivatePem(*pem);
}

}  // namespace kl::app
