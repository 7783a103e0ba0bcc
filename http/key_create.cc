#include "http/key_create.h"

#include <chrono>
#include <thread>

#include "domain/crypto.h"
#include "domain/time.h"
#include "events/canonical_json.h"
#include "http/auth.h"
#include "http/command_runner.h"
#include "http/key_request.h"

namespace kl::http {

// How long an Idempotency-Key replays its create; after that it may create again.
constexpr Millis kIdempotencyWindow = 24LL * 3600 * 1000;

// A create whose Idempotency-Key (if any) is held in idempotency_in_flight: replays an earlier
// create with that key, or runs the command. Releases the key either way.
static void CreateOrReplay(Services& s, const std::shared_ptr<RequestContext>& ctx, const std::string& org_id,
                           CreateKeyInput in, const FieldErrors& type_errors, const std::string& idem_hash,
                           KeyCreationDone done) {
  Millis now = NowMillis();
  if (!idem_hash.empty()) {
    if (auto prior = s.reads->FindIdempotent(idem_hash); prior && now - prior->created_at < kIdempotencyWindow) {
      s.idempotency_in_flight.Leave(idem_hash);
      if (prior->request_sha256 != *in.request_sha256)
        return done(Status(Code::kConflict, "this Idempotency-Key was used with a different body"));
      auto key = s.reads->GetKey(prior->key_id);
      if (!key) return done(Status(Code::kInternal, "the idempotent key is missing"));
      return done(KeyCreation{std::move(*key), {}, true});
    }
  }
  CommandContext cc{now, ActorOf(ctx->principal), ctx->request_id};
  // The plaintext lives only in this closure until the response is sent.
  auto secret = std::make_shared<std::string>();
  RunCommand(
      *s.log,
      [&s, org_id, in = std::move(in), type_errors, cc, secret]() -> Result<std::vector<Event>> {
        auto created = DecideCreateKey(s.reads->GetOrg(org_id), org_id, in, type_errors, cc);
        if (!created.ok()) return created.status();
        *secret = std::move(created->secret_value);
        return std::move(created->events);
      },
      [&s, secret, idem_hash, done = std::move(done)](Result<std::vector<Event>> r) {
        if (!idem_hash.empty()) s.idempotency_in_flight.Leave(idem_hash);
        if (!r.ok()) return done(r.status());
        std::optional<KeyState> key;
        for (const Event& e : r.value()) EvolveKey(key, e);
        if (!key) return done(Status(Code::kInternal, "the create appended no key"));
        done(KeyCreation{std::move(*key), std::move(*secret), false});
      });
}

namespace {

// How long a node's claim on an Idempotency-Key holds (docs/cluster.md, "Idempotency across
// nodes"): longer than a create can take to be answered, short enough that a node that died
// holding one blocks that key's retries only briefly.
constexpr std::chrono::milliseconds kClaimTtl{30000};
// How long a create that finds the key claimed by another node waits for that create to appear
// before answering 409 (in progress), as a concurrent create on one node is answered at once.
constexpr std::chrono::milliseconds kClaimWait{3000};
constexpr std::chrono::milliseconds kClaimRetry{20};

struct ClaimedCreate {
  std::shared_ptr<RequestContext> ctx;
  std::string org_id;
  CreateKeyInput in;
  FieldErrors type_errors;
  std::string idem_hash;
  KeyCreationDone done;
  std::chrono::steady_clock::time_point give_up_at;
};

void ClaimThenCreate(Services& s, std::shared_ptr<ClaimedCreate> c);

// The winner of the claim: looks the key up once its view holds the log (a create that finished
// before the claim was won is there), and replays it or creates; gives the claim back after.
void CreateWhileClaimed(Services& s, std::shared_ptr<ClaimedCreate> c, std::string token) {
  s.log_barrier([&s, c, token](Status caught_up) {
    auto release = [&s, name = "idempotency:" + c->idem_hash, token] {
      s.counter_work->Post([&s, name, token] { (void)s.claims->Release(name, token); });
    };
    if (!caught_up.ok()) {
      s.idempotency_in_flight.Leave(c->idem_hash);
      c->done(caught_up);
      return release();
    }
    CreateOrReplay(s, c->ctx, c->org_id, std::move(c->in), c->type_errors, c->idem_hash,
                   [c, release](Result<KeyCreation> r) {
                     c->done(std::move(r));
                     release();  // after the answer: a retry meanwhile waits, then finds the key
                   });
  });
}

// A loser of the claim: answers as a retry would once the winner's create is in this node's view,
// claims again once the winner gave the claim back without one, or answers 409 at give_up_at.
void AwaitOtherCreate(Services& s, std::shared_ptr<ClaimedCreate> c) {
  s.log_barrier([&s, c](Status caught_up) {
    auto prior = caught_up.ok() ? s.reads->FindIdempotent(c->idem_hash) : std::nullopt;
    if (prior && NowMillis() - prior->created_at < kIdempotencyWindow)  // a replay, never a create unclaimed
      return CreateOrReplay(s, c->ctx, c->org_id, std::move(c->in), c->type_errors, c->idem_hash,
                            std::move(c->done));
    if (std::chrono::steady_clock::now() >= c->give_up_at) {
      s.idempotency_in_flight.Leave(c->idem_hash);
      return c->done(Status(Code::kConflict, "a request with this Idempotency-Key is in progress"));
    }
    s.counter_work->Post([&s, c] {
      std::this_thread::sleep_for(kClaimRetry);  // a pool thread, never a reactor thread
      ClaimThenCreate(s, c);
    });
  });
}

void ClaimThenCreate(Services& s, std::shared_ptr<ClaimedCreate> c) {
  auto claim = s.claims->Claim("idempotency:" + c->idem_hash, kClaimTtl);
  if (!claim.ok()) {
    s.idempotency_in_flight.Leave(c->idem_hash);
    return c->done(claim.status());
  }
  if (*claim) return CreateWhileClaimed(s, c, **claim);
  AwaitOtherCreate(s, c);
}

}  // namespace

void CreateKey(Services& s, std::shared_ptr<RequestContext> ctx, const std::string& org_id,
               const nlohmann::json& body, KeyCreationDone done) {
  FieldErrors type_errors;
  CreateKeyInput in = ReadCreateKey(body, type_errors);

  std::string idem_hash;
  if (auto idem = ctx->Header("idempotency-key")) {
    if (idem->empty() || idem->size() > 255)
      return done(Status::Validation({{"Idempotency-Key", "must be 1..255 characters"}}));
    idem_hash = ToHex(Sha256(org_id + '\0' + *idem));
    in.idempotency_key_sha256 = idem_hash;
    in.request_sha256 = ToHex(Sha256(events::Canonicalize(body)));
    if (!s.idempotency_in_flight.TryEnter(idem_hash))
      return done(Status(Code::kConflict, "a request with this Idempotency-Key is in progress"));
  }
  if (idem_hash.empty() || !s.log_barrier)
    return CreateOrReplay(s, ctx, org_id, std::move(in), type_errors, idem_hash, std::move(done));
  if (s.claims && s.counter_work) {
    // Claimed for the whole cluster first, so a create with this key reaching another node at the
    // same moment does not create a second key (docs/cluster.md, Idempotency across nodes).
    auto c = std::make_shared<ClaimedCreate>(ClaimedCreate{ctx, org_id, std::move(in), type_errors, idem_hash,
                                                           std::move(done),
                                                           std::chrono::steady_clock::now() + kClaimWait});
    return s.counter_work->Post([&s, c] { ClaimThenCreate(s, c); });
  }
  // A cluster node looks the key up once it holds everything the log had committed: a retry of a
  // create another node answered finds that create here (docs/cluster.md, Idempotency across nodes).
  auto held = std::make_shared<CreateKeyInput>(std::move(in));
  s.log_barrier([&s, ctx, org_id, held, type_errors, idem_hash, done = std::move(done)](Status caught_up) mutable {
    if (!caught_up.ok()) {
      s.idempotency_in_flight.Leave(idem_hash);
      return done(caught_up);
    }
    CreateOrReplay(s, ctx, org_id, std::move(*held), type_errors, idem_hash, std::move(done));
  });
}

}  // namespace kl::http
