#include "projections/key_column_families.h"

#include "projections/projector.h"

namespace kl::projections {

KeyColumnFamilies::KeyColumnFamilies(const storage::Database* db)
    : keys(db->cf(kKeysCf)),
      by_hash(db->cf(kKeysByHashCf)),
      by_org(db->cf(kKeysByOrgCf)),
      expiry(db->cf(kKeyExpiryCf)),
      refill(db->cf(kKeyRefillCf)),
      idempotency(db->cf(kIdempotencyCf)),
      orgs(db->cf(kOrgsCf)),
      warn(db->cf(kKeyWarnCf)) {}

}  // namespace kl::projections
