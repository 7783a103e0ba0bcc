# The stored encoding of keyledger events. Rules for evolving it: never renumber or retype a
# field, only append new ones (@N+1) and new union members; a new optional field must read as
# "absent" from old messages (its default), so old events keep decoding — and rendering — the
# same (their hashes depend on it).
@0xd56706114d3eb039;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("kl::events::schema");

# Optional values: `absent` is the default, so a field missing from an old message is absent.
# `null` exists for PATCH-style "set to null" (KeyUpdated).
struct OptText { union { absent @0 :Void; null @1 :Void; value @2 :Text; } }
struct OptInt64 { union { absent @0 :Void; null @1 :Void; value @2 :Int64; } }
struct OptTextList { union { absent @0 :Void; null @1 :Void; value @2 :List(Text); } }

struct Actor { type @0 :Text; id @1 :Text; }
struct Owner { type @0 :Text; id @1 :Text; }
struct Credits {
  remaining @0 :Int64;
  hasRefill @1 :Bool;
  refillAmount @2 :Int64;
  refillInterval @3 :Text;
}
struct OptCredits { union { absent @0 :Void; null @1 :Void; value @2 :Credits; } }
struct RateLimit { limit @0 :Int64; windowMs @1 :Int64; }
struct OptRateLimit { union { absent @0 :Void; null @1 :Void; value @2 :RateLimit; } }

struct OrgCreated { name @0 :Text; status @1 :Text; }
struct OrgUpdated { name @0 :OptText; status @1 :OptText; }
struct KeyCreated {
  name @0 :Text;
  description @1 :OptText;
  secretHashHex @2 :Text;
  obfuscatedValue @3 :Text;
  prefix @4 :Text;
  environment @5 :Text;
  permissions @6 :List(Text);
  permissionSet @7 :Text;
  owner @8 :Owner;
  projectId @9 :OptText;
  metadataJson @10 :Text;
  expiresAt @11 :OptInt64;
  rotatedFrom @12 :OptText;
  enabled @13 :Bool = true;
  ipAllowlist @14 :List(Text);
  credits @15 :OptCredits;
  ratelimit @16 :OptRateLimit;
  idempotencyKeySha256 @17 :OptText;
  requestSha256 @18 :OptText;
  imported @19 :Bool;
  migrationId @20 :OptText;
}
struct KeyUpdated {
  name @0 :OptText;
  description @1 :OptText;
  permissions @2 :OptTextList;
  expiresAt @3 :OptInt64;
  metadataJson @4 :OptText;
  ipAllowlist @5 :OptTextList;
  credits @6 :OptCredits;
  ratelimit @7 :OptRateLimit;
}
struct KeyUsed {
  count @0 :Int64; firstAt @1 :Int64; lastAt @2 :Int64;
  ip @3 :Text; userAgent @4 :Text; creditsSpent @5 :Int64;
}
struct KeyUseRejected {
  code @0 :Text; count @1 :Int64; firstAt @2 :Int64; lastAt @3 :Int64;
  ip @4 :Text; userAgent @5 :Text;
}
struct KeyRevoked { reason @0 :OptText; }
struct KeyExpired { expiresAt @0 :Int64; }
struct KeyRotated { newKeyId @0 :Text; graceUntil @1 :Int64; }
struct KeyDisabled { reason @0 :OptText; }
struct KeyEnabled { reason @0 :OptText; }
struct KeyCreditsRefilled { amount @0 :Int64; remaining @1 :Int64; }
struct KeyExpiringSoon { expiresAt @0 :Int64; window @1 :Text; }
struct KeyCreditsLow { remaining @0 :Int64; threshold @1 :Int64; }
struct KeyLeakReported { url @0 :Text; source @1 :Text; }
struct WebhookCreated {
  webhookId @0 :Text; url @1 :Text; eventTypes @2 :List(Text);
  description @3 :OptText; secretHashHex @4 :Text;
}
struct WebhookDeleted { webhookId @0 :Text; }
struct WebhookDisabled { webhookId @0 :Text; reason @1 :Text; }
struct WebhookEnabled { webhookId @0 :Text; }
struct WidgetTokenMinted {
  tokenId @0 :Text; userId @1 :OptText; scopes @2 :List(Text); expiresAt @3 :Int64;
}
struct ExportCreated {
  exportId @0 :Text; format @1 :Text; from @2 :OptInt64; to @3 :OptInt64;
  eventCount @4 :Int64; firstSeq @5 :UInt64; lastSeq @6 :UInt64; fileSha256 @7 :Text;
}

struct Event {
  seq @0 :UInt64;
  recordedAt @1 :Int64;
  prevHash @2 :Data;
  hash @3 :Data;
  orgPrevHash @4 :Data;
  orgHash @5 :Data;
  id @6 :Text;
  orgId @7 :Text;
  keyId @8 :OptText;
  streamVersion @9 :UInt64;
  actor @10 :Actor;
  requestId @11 :Text;
  payload :union {
    orgCreated @12 :OrgCreated;
    orgUpdated @13 :OrgUpdated;
    keyCreated @14 :KeyCreated;
    keyUpdated @15 :KeyUpdated;
    keyUsed @16 :KeyUsed;
    keyUseRejected @17 :KeyUseRejected;
    keyRevoked @18 :KeyRevoked;
    keyExpired @19 :KeyExpired;
    keyRotated @20 :KeyRotated;
    keyDisabled @21 :KeyDisabled;
    keyEnabled @22 :KeyEnabled;
    keyCreditsRefilled @23 :KeyCreditsRefilled;
    keyExpiringSoon @24 :KeyExpiringSoon;
    keyCreditsLow @25 :KeyCreditsLow;
    keyLeakReported @26 :KeyLeakReported;
    webhookCreated @27 :WebhookCreated;
    webhookDeleted @28 :WebhookDeleted;
    webhookDisabled @29 :WebhookDisabled;
    exportCreated @30 :ExportCreated;
    webhookEnabled @31 :WebhookEnabled;
    widgetTokenMinted @32 :WidgetTokenMinted;
  }
}
