#include "events/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "events/events.capnp.h"
#include "events/sanitize.h"

namespace kl::events {

namespace s = schema;

namespace {

// ---- writing ------------------------------------------------------------------------------
// Every string is written with its explicit length: the std::string conversion Cap'n Proto
// offers stops at the first NUL, and a shortened field would no longer match its hash.
capnp::Text::Reader Txt(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

void Put(s::OptText::Builder b, const std::optional<std::string>& v) {
  if (v) b.setValue(Txt(*v));
}
void Put(s::OptText::Builder b, const std::optional<std::optional<std::string>>& v) {
  if (!v) return;
  if (*v) b.setValue(Txt(**v));
  else b.setNull();
}
void Put(s::OptInt64::Builder b, const std::optional<Millis>& v) {
  if (v) b.setValue(*v);
}
void Put(s::OptInt64::Builder b, const std::optional<std::optional<Millis>>& v) {
  if (!v) return;
  if (*v) b.setValue(**v);
  else b.setNull();
}
template <typename InitFn>
void PutList(InitFn init, const std::vector<std::string>& v) {
  auto list = init(static_cast<unsigned>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) list.set(static_cast<unsigned>(i), Txt(v[i]));
}
void PutCredits(s::Credits::Builder b, const Credits& c) {
  b.setRemaining(c.remaining);
  if (c.refill) {
    b.setHasRefill(true);
    b.setRefillAmount(c.refill->amount);
    b.setRefillInterval(Txt(c.refill->interval));
  }
}
void Put(s::OptCredits::Builder b, const std::optional<Credits>& v) {
  if (v) PutCredits(b.initValue(), *v);
}
void Put(s::OptCredits::Builder b, const std::optional<std::optional<Credits>>& v) {
  if (!v) return;
  if (*v) PutCredits(b.initValue(), **v);
  else b.setNull();
}
void Put(s::OptRateLimit::Builder b, const std::optional<RateLimit>& v) {
  if (!v) return;
  auto r = b.initValue();
  r.setLimit(v->limit);
  r.setWindowMs(v->window_ms);
}
void Put(s::OptRateLimit::Builder b, const std::optional<std::optional<RateLimit>>& v) {
  if (!v) return;
  if (*v) Put(b, *v);
  else b.setNull();
}

// metadata is stored as JSON text. dump() (not the canonical form) keeps 1.0 a float, so the
// served JSON is unchanged by a round-trip. dump() throws on invalid UTF-8, and the rendering
// sanitises anyway (sanitize.h), so the stored text is the sanitised value: its rendering, and
// thus the event's hash, is the same before and after a round-trip.
std::string MetadataText(const nlohmann::json& metadata) {
  nlohmann::json safe = metadata;
  SanitizeJson(safe);
  return safe.dump();
}

struct PayloadWriter {
  s::Event::Payload::Builder p;
  void operator()(const OrgCreated& d) {
    auto b = p.initOrgCreated();
    b.setName(Txt(d.name));
    b.setStatus(Txt(d.status));
  }
  void operator()(const OrgUpdated& d) {
    auto b = p.initOrgUpdated();
    Put(b.initName(), d.name);
    Put(b.initStatus(), d.status);
  }
  void operator()(const KeyCreated& d) {
    auto b = p.initKeyCreated();
    b.setName(Txt(d.name));
    Put(b.initDescription(), d.description);
    b.setSecretHashHex(Txt(d.secret_hash_hex));
    b.setObfuscatedValue(Txt(d.obfuscated_value));
    b.setPrefix(Txt(d.prefix));
    b.setEnvironment(Txt(d.environment));
    PutList([&](unsigned n) { return b.initPermissions(n); }, d.permissions);
    b.setPermissionSet(Txt(d.permission_set));
    auto o = b.initOwner();
    o.setType(Txt(d.owner.type));
    o.setId(Txt(d.owner.id));
    Put(b.initProjectId(), d.project_id);
    b.setMetadataJson(Txt(MetadataText(d.metadata)));
    Put(b.initExpiresAt(), d.expires_at);
    Put(b.initRotatedFrom(), d.rotated_from);
    b.setEnabled(d.enabled);
    PutList([&](unsigned n) { return b.initIpAllowlist(n); }, d.ip_allowlist);
    Put(b.initCredits(), d.credits);
    Put(b.initRatelimit(), d.ratelimit);
    Put(b.initIdempotencyKeySha256(), d.idempotency_key_sha256);
    Put(b.initRequestSha256(), d.request_sha256);
    b.setImported(d.imported);
    Put(b.initMigrationId(), d.migration_id);
    PutList([&](unsigned n) { return b.initRoles(n); }, d.roles);
  }
  void operator()(const KeyUpdated& d) {
    auto b = p.initKeyUpdated();
    Put(b.initName(), d.name);
    Put(b.initDescription(), d.description);
    if (d.permissions) PutList([&](unsigned n) { return b.initPermissions().initValue(n); }, *d.permissions);
    Put(b.initExpiresAt(), d.expires_at);
    if (d.metadata) b.initMetadataJson().setValue(Txt(MetadataText(*d.metadata)));
    if (d.ip_allowlist) PutList([&](unsigned n) { return b.initIpAllowlist().initValue(n); }, *d.ip_allowlist);
    Put(b.initCredits(), d.credits);
    Put(b.initRatelimit(), d.ratelimit);
  }
  void operator()(const KeyUsed& d) {
    auto b = p.initKeyUsed();
    b.setCount(d.count);
    b.setFirstAt(d.first_at);
    b.setLastAt(d.last_at);
    b.setIp(Txt(d.ip));
    b.setUserAgent(Txt(d.user_agent));
    b.setCreditsSpent(d.credits_spent);
  }
  void operator()(const KeyUseRejected& d) {
    auto b = p.initKeyUseRejected();
    b.setCode(Txt(d.code));
    b.setCount(d.count);
    b.setFirstAt(d.first_at);
    b.setLastAt(d.last_at);
    b.setIp(Txt(d.ip));
    b.setUserAgent(Txt(d.user_agent));
  }
  void operator()(const KeyRevoked& d) { Put(p.initKeyRevoked().initReason(), d.reason); }
  void operator()(const KeyExpired& d) { p.initKeyExpired().setExpiresAt(d.expires_at); }
  void operator()(const KeyRotated& d) {
    auto b = p.initKeyRotated();
    b.setNewKeyId(Txt(d.new_key_id));
    b.setGraceUntil(d.grace_until);
  }
  void operator()(const KeyDisabled& d) { Put(p.initKeyDisabled().initReason(), d.reason); }
  void operator()(const KeyEnabled& d) { Put(p.initKeyEnabled().initReason(), d.reason); }
  void operator()(const KeyCreditsRefilled& d) {
    auto b = p.initKeyCreditsRefilled();
    b.setAmount(d.amount);
    b.setRemaining(d.remaining);
  }
  void operator()(const KeyExpiringSoon& d) {
    auto b = p.initKeyExpiringSoon();
    b.setExpiresAt(d.expires_at);
    b.setWindow(Txt(d.window));
  }
  void operator()(const KeyCreditsLow& d) {
    auto b = p.initKeyCreditsLow();
    b.setRemaining(d.remaining);
    b.setThreshold(d.threshold);
  }
  void operator()(const KeyLeakReported& d) {
    auto b = p.initKeyLeakReported();
    b.setUrl(Txt(d.url));
    b.setSource(Txt(d.source));
  }
  void operator()(const WebhookCreated& d) {
    auto b = p.initWebhookCreated();
    b.setWebhookId(Txt(d.webhook_id));
    b.setUrl(Txt(d.url));
    PutList([&](unsigned n) { return b.initEventTypes(n); }, d.event_types);
    Put(b.initDescription(), d.description);
    b.setSecretHashHex(Txt(d.secret_hash_hex));
  }
  void operator()(const WidgetTokenMinted& d) {
    auto b = p.initWidgetTokenMinted();
    b.setTokenId(Txt(d.token_id));
    Put(b.initUserId(), d.user_id);
    PutList([&](unsigned n) { return b.initScopes(n); }, d.scopes);
    b.setExpiresAt(d.expires_at);
  }
  void operator()(const WebhookDeleted& d) { p.initWebhookDeleted().setWebhookId(Txt(d.webhook_id)); }
  void operator()(const WebhookDisabled& d) {
    auto b = p.initWebhookDisabled();
    b.setWebhookId(Txt(d.webhook_id));
    b.setReason(Txt(d.reason));
  }
  void operator()(const WebhookEnabled& d) { p.initWebhookEnabled().setWebhookId(Txt(d.webhook_id)); }
  void operator()(const RoleCreated& d) {
    auto b = p.initRoleCreated();
    b.setRole(Txt(d.role));
    PutList([&](unsigned n) { return b.initPermissions(n); }, d.permissions);
    Put(b.initDescription(), d.description);
  }
  void operator()(const RoleUpdated& d) {
    auto b = p.initRoleUpdated();
    b.setRole(Txt(d.role));
    if (d.permissions) PutList([&](unsigned n) { return b.initPermissions().initValue(n); }, *d.permissions);
    Put(b.initDescription(), d.description);
  }
  void operator()(const RoleDeleted& d) { p.initRoleDeleted().setRole(Txt(d.role)); }
  void operator()(const RoleGranted& d) { p.initRoleGranted().setRole(Txt(d.role)); }
  void operator()(const RoleRevoked& d) { p.initRoleRevoked().setRole(Txt(d.role)); }
  void operator()(const ExportCreated& d) {
    auto b = p.initExportCreated();
    b.setExportId(Txt(d.export_id));
    b.setFormat(Txt(d.format));
    Put(b.initFrom(), d.from);
    Put(b.initTo(), d.to);
    b.setEventCount(d.event_count);
    b.setFirstSeq(d.first_seq);
    b.setLastSeq(d.last_seq);
    b.setFileSha256(Txt(d.file_sha256));
  }
};

// ---- reading ------------------------------------------------------------------------------
std::string Str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
std::optional<std::string> Opt(s::OptText::Reader r) {
  if (r.isValue()) return Str(r.getValue());
  return std::nullopt;
}
std::optional<std::optional<std::string>> Tri(s::OptText::Reader r) {
  if (r.isValue()) return std::optional<std::string>(Str(r.getValue()));
  if (r.isNull()) return std::optional<std::string>();
  return std::nullopt;
}
std::optional<Millis> Opt(s::OptInt64::Reader r) {
  if (r.isValue()) return r.getValue();
  return std::nullopt;
}
std::optional<std::optional<Millis>> Tri(s::OptInt64::Reader r) {
  if (r.isValue()) return std::optional<Millis>(r.getValue());
  if (r.isNull()) return std::optional<Millis>();
  return std::nullopt;
}
std::vector<std::string> List(capnp::List<capnp::Text>::Reader l) {
  std::vector<std::string> out;
  out.reserve(l.size());
  for (auto t : l) out.push_back(Str(t));
  return out;
}
Credits GetCredits(s::Credits::Reader r) {
  Credits c;
  c.remaining = r.getRemaining();
  if (r.getHasRefill()) c.refill = CreditRefill{r.getRefillAmount(), Str(r.getRefillInterval())};
  return c;
}
std::optional<std::optional<Credits>> Tri(s::OptCredits::Reader r) {
  if (r.isValue()) return std::optional<Credits>(GetCredits(r.getValue()));
  if (r.isNull()) return std::optional<Credits>();
  return std::nullopt;
}
std::optional<std::optional<RateLimit>> Tri(s::OptRateLimit::Reader r) {
  if (r.isValue()) return std::optional<RateLimit>(RateLimit{r.getValue().getLimit(), r.getValue().getWindowMs()});
  if (r.isNull()) return std::optional<RateLimit>();
  return std::nullopt;
}
template <typename T>
std::optional<T> Flat(std::optional<std::optional<T>> v) {
  return v ? *v : std::nullopt;
}
nlohmann::json ParseMetadata(capnp::Text::Reader t) {
  // The API accepts metadata nested at most 32 deep; deeper stored metadata is corrupt or forged,
  // and would overflow the stack of everything that walks it recursively (render, hash, codec).
  constexpr int kMaxDepth = 64;
  auto shallow = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxDepth) throw std::runtime_error("stored metadata is nested too deep");
    return true;
  };
  // Most keys carry no metadata: no parser for that.
  if (t.size() == 2 && t[0] == '{' && t[1] == '}') return nlohmann::json::object();
  auto j = nlohmann::json::parse(std::string_view(t.cStr(), t.size()), shallow, false);
  if (j.is_discarded()) throw std::runtime_error("stored metadata is not JSON");
  return j;
}

EventData ReadPayload(s::Event::Payload::Reader p) {
  switch (p.which()) {
    case s::Event::Payload::ORG_CREATED: {
      auto r = p.getOrgCreated();
      return OrgCreated{Str(r.getName()), Str(r.getStatus())};
    }
    case s::Event::Payload::ORG_UPDATED: {
      auto r = p.getOrgUpdated();
      return OrgUpdated{Opt(r.getName()), Opt(r.getStatus())};
    }
    case s::Event::Payload::KEY_CREATED: {
      auto r = p.getKeyCreated();
      KeyCreated d;
      d.name = Str(r.getName());
      d.description = Opt(r.getDescription());
      d.secret_hash_hex = Str(r.getSecretHashHex());
      d.obfuscated_value = Str(r.getObfuscatedValue());
      d.prefix = Str(r.getPrefix());
      d.environment = Str(r.getEnvironment());
      d.permissions = List(r.getPermissions());
      d.permission_set = Str(r.getPermissionSet());
      d.owner = Owner{Str(r.getOwner().getType()), Str(r.getOwner().getId())};
      d.project_id = Opt(r.getProjectId());
      d.metadata = ParseMetadata(r.getMetadataJson());
      d.expires_at = Opt(r.getExpiresAt());
      d.rotated_from = Opt(r.getRotatedFrom());
      d.enabled = r.getEnabled();
      d.ip_allowlist = List(r.getIpAllowlist());
      d.credits = Flat(Tri(r.getCredits()));
      d.ratelimit = Flat(Tri(r.getRatelimit()));
      d.idempotency_key_sha256 = Opt(r.getIdempotencyKeySha256());
      d.request_sha256 = Opt(r.getRequestSha256());
      d.imported = r.getImported();
      d.migration_id = Opt(r.getMigrationId());
      d.roles = List(r.getRoles());
      return d;
    }
    case s::Event::Payload::KEY_UPDATED: {
      auto r = p.getKeyUpdated();
      KeyUpdated d;
      d.name = Opt(r.getName());
      d.description = Tri(r.getDescription());
      if (r.getPermissions().isValue()) d.permissions = List(r.getPermissions().getValue());
      d.expires_at = Tri(r.getExpiresAt());
      if (r.getMetadataJson().isValue()) d.metadata = ParseMetadata(r.getMetadataJson().getValue());
      if (r.getIpAllowlist().isValue()) d.ip_allowlist = List(r.getIpAllowlist().getValue());
      d.credits = Tri(r.getCredits());
      d.ratelimit = Tri(r.getRatelimit());
      return d;
    }
    case s::Event::Payload::KEY_USED: {
      auto r = p.getKeyUsed();
      return KeyUsed{r.getCount(), r.getFirstAt(), r.getLastAt(), Str(r.getIp()), Str(r.getUserAgent()),
                     r.getCreditsSpent()};
    }
    case s::Event::Payload::KEY_USE_REJECTED: {
      auto r = p.getKeyUseRejected();
      return KeyUseRejected{Str(r.getCode()), r.getCount(), r.getFirstAt(), r.getLastAt(), Str(r.getIp()),
                            Str(r.getUserAgent())};
    }
    case s::Event::Payload::KEY_REVOKED: return KeyRevoked{Opt(p.getKeyRevoked().getReason())};
    case s::Event::Payload::KEY_EXPIRED: return KeyExpired{p.getKeyExpired().getExpiresAt()};
    case s::Event::Payload::KEY_ROTATED:
      return KeyRotated{Str(p.getKeyRotated().getNewKeyId()), p.getKeyRotated().getGraceUntil()};
    case s::Event::Payload::KEY_DISABLED: return KeyDisabled{Opt(p.getKeyDisabled().getReason())};
    case s::Event::Payload::KEY_ENABLED: return KeyEnabled{Opt(p.getKeyEnabled().getReason())};
    case s::Event::Payload::KEY_CREDITS_REFILLED:
      return KeyCreditsRefilled{p.getKeyCreditsRefilled().getAmount(), p.getKeyCreditsRefilled().getRemaining()};
    case s::Event::Payload::KEY_EXPIRING_SOON:
      return KeyExpiringSoon{p.getKeyExpiringSoon().getExpiresAt(), Str(p.getKeyExpiringSoon().getWindow())};
    case s::Event::Payload::KEY_CREDITS_LOW:
      return KeyCreditsLow{p.getKeyCreditsLow().getRemaining(), p.getKeyCreditsLow().getThreshold()};
    case s::Event::Payload::KEY_LEAK_REPORTED:
      return KeyLeakReported{Str(p.getKeyLeakReported().getUrl()), Str(p.getKeyLeakReported().getSource())};
    case s::Event::Payload::WEBHOOK_CREATED: {
      auto r = p.getWebhookCreated();
      return WebhookCreated{Str(r.getWebhookId()), Str(r.getUrl()), List(r.getEventTypes()), Opt(r.getDescription()),
                            Str(r.getSecretHashHex())};
    }
    case s::Event::Payload::WIDGET_TOKEN_MINTED: {
      auto r = p.getWidgetTokenMinted();
      return WidgetTokenMinted{Str(r.getTokenId()), Opt(r.getUserId()), List(r.getScopes()), r.getExpiresAt()};
    }
    case s::Event::Payload::WEBHOOK_DELETED: return WebhookDeleted{Str(p.getWebhookDeleted().getWebhookId())};
    case s::Event::Payload::WEBHOOK_ENABLED: return WebhookEnabled{Str(p.getWebhookEnabled().getWebhookId())};
    case s::Event::Payload::WEBHOOK_DISABLED:
      return WebhookDisabled{Str(p.getWebhookDisabled().getWebhookId()), Str(p.getWebhookDisabled().getReason())};
    case s::Event::Payload::ROLE_CREATED: {
      auto r = p.getRoleCreated();
      return RoleCreated{Str(r.getRole()), List(r.getPermissions()), Opt(r.getDescription())};
    }
    case s::Event::Payload::ROLE_UPDATED: {
      auto r = p.getRoleUpdated();
      RoleUpdated d;
      d.role = Str(r.getRole());
      if (r.getPermissions().isValue()) d.permissions = List(r.getPermissions().getValue());
      d.description = Tri(r.getDescription());
      return d;
    }
    case s::Event::Payload::ROLE_DELETED: return RoleDeleted{Str(p.getRoleDeleted().getRole())};
    case s::Event::Payload::ROLE_GRANTED: return RoleGranted{Str(p.getRoleGranted().getRole())};
    case s::Event::Payload::ROLE_REVOKED: return RoleRevoked{Str(p.getRoleRevoked().getRole())};
    case s::Event::Payload::EXPORT_CREATED: {
      auto r = p.getExportCreated();
      return ExportCreated{Str(r.getExportId()), Str(r.getFormat()), Opt(r.getFrom()), Opt(r.getTo()),
                           r.getEventCount(), r.getFirstSeq(), r.getLastSeq(), Str(r.getFileSha256())};
    }
  }
  throw std::runtime_error("unknown event type (written by a newer keyledger?)");
}

Hash32 GetHash(capnp::Data::Reader d) {
  if (d.size() != 32) throw std::runtime_error("a stored hash is not 32 bytes");
  Hash32 h;
  std::memcpy(h.data(), d.begin(), 32);
  return h;
}

}  // namespace

std::string Encode(const Event& e) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<s::Event>();
  b.setSeq(e.seq);
  b.setRecordedAt(e.recorded_at);
  b.setPrevHash(capnp::Data::Reader(e.prev_hash.data(), 32));
  b.setHash(capnp::Data::Reader(e.hash.data(), 32));
  b.setOrgPrevHash(capnp::Data::Reader(e.org_prev_hash.data(), 32));
  b.setOrgHash(capnp::Data::Reader(e.org_hash.data(), 32));
  b.setId(Txt(e.id));
  b.setOrgId(Txt(e.org_id));
  Put(b.initKeyId(), e.key_id);
  b.setStreamVersion(e.stream_version);
  auto a = b.initActor();
  a.setType(Txt(e.actor.type));
  a.setId(Txt(e.actor.id));
  b.setRequestId(Txt(e.request_id));
  std::visit(PayloadWriter{b.initPayload()}, e.data);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Status DecodeInto(std::string_view bytes, Event* out) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return Status(Code::kInternal, "an encoded event must be a whole number of 8-byte words");
  // RocksDB values carry no alignment guarantee; Cap'n Proto readers need word alignment. The
  // aligned copy goes in a buffer kept by each thread: an allocation per event was measurable in
  // a replay, which decodes millions. Nothing decoded points into it (strings are copied out).
  // An outsized value gets a buffer of its own, so that no thread keeps one around.
  thread_local kj::Array<capnp::word> kept;
  kj::Array<capnp::word> outsized;
  const size_t words = bytes.size() / sizeof(capnp::word);
  kj::Array<capnp::word>& buffer = words <= 8192 ? kept : outsized;
  if (buffer.size() < words) buffer = kj::heapArray<capnp::word>(words);
  std::memcpy(buffer.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> aligned(buffer.begin(), words);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1 << 20;  // 8 MiB: far above any real event
  options.nestingLimit = 16;
  // Strings are assigned, not constructed: those of a recycled event keep their storage.
  auto assign = [](std::string& to, capnp::Text::Reader t) { to.assign(t.cStr(), t.size()); };
  try {
    capnp::FlatArrayMessageReader reader(aligned, options);
    // One value holds exactly one message: trailing words mean the value is not what we wrote.
    if (reader.getEnd() != aligned.end())
      return Status(Code::kInternal, "event does not decode: trailing bytes after the message");
    auto r = reader.getRoot<s::Event>();
    Event& e = *out;
    e.seq = r.getSeq();
    e.recorded_at = r.getRecordedAt();
    e.prev_hash = GetHash(r.getPrevHash());
    e.hash = GetHash(r.getHash());
    e.org_prev_hash = GetHash(r.getOrgPrevHash());
    e.org_hash = GetHash(r.getOrgHash());
    assign(e.id, r.getId());
    assign(e.org_id, r.getOrgId());
    if (r.getKeyId().isValue()) {
      if (!e.key_id) e.key_id.emplace();
      assign(*e.key_id, r.getKeyId().getValue());
    } else {
      e.key_id.reset();
    }
    e.stream_version = r.getStreamVersion();
    assign(e.actor.type, r.getActor().getType());
    assign(e.actor.id, r.getActor().getId());
    assign(e.request_id, r.getRequestId());
    auto payload = r.getPayload();
    // The commonest event by far, read in place (a recycled usage window's strings are reused).
    if (payload.isKeyUsed()) {
      auto* used = std::get_if<KeyUsed>(&e.data);
      if (!used) used = &e.data.emplace<KeyUsed>();
      auto u = payload.getKeyUsed();
      used->count = u.getCount();
      used->first_at = u.getFirstAt();
      used->last_at = u.getLastAt();
      assign(used->ip, u.getIp());
      assign(used->user_agent, u.getUserAgent());
      used->credits_spent = u.getCreditsSpent();
    } else {
      e.data = ReadPayload(payload);
    }
    return Status::Ok();
  } catch (const kj::Exception& ex) {
    return Status(Code::kInternal, std::string("event does not decode: ") + ex.getDescription().cStr());
  } catch (const std::exception& ex) {
    return Status(Code::kInternal, std::string("event does not decode: ") + ex.what());
  }
}

Result<Event> Decode(std::string_view bytes) {
  Event e;
  if (Status s = DecodeInto(bytes, &e); !s.ok()) return s;
  return e;
}

}  // namespace kl::events
