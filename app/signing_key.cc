#include "app/signing_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace kl::app {

namespace {
Result<std::shared_ptr<Signer>> ReadKey(const std::string& path, std::ifstream& in) {
  std::stringstream ss;
  ss << in.rdbuf();
  auto signer = Signer::FromPrivatePem(ss.str());
  if (!signer.ok()) return Status(Code::kInternal, path + ": " + signer.status().message());
  return signer;
}
}  // namespace

Result<std::shared_ptr<Signer>> LoadOrCreateSigningKey(const std::string& data_dir, const std::string& key_file) {
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    if (!in) return Status(Code::kInternal, "cannot read the signing key " + key_file);
    return ReadKey(key_file, in);
  }
  std::string path = data_dir + "/signing.pem";
  if (std::ifstream in(path); in) return ReadKey(path, in);
  auto signer = Signer::Generate();
  if (!signer.ok()) return signer;
  std::string pem = (*signer)->PrivatePem();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status(Code::kInternal, "cannot create " + path);
  bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kInternal, "cannot write " + path);
  return signer;
}

}  // namespace kl::app
