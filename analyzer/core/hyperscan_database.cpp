#include "core/hyperscan_database.h"

#include <hs/hs.h>

#include <stdexcept>
#include <utility>

namespace apkvet {

HyperscanDatabase::Scratch::~Scratch() {
  if (scratch_) hs_free_scratch(scratch_);
}

HyperscanDatabase::Scratch& HyperscanDatabase::Scratch::operator=(Scratch&& o) noexcept {
  std::swap(scratch_, o.scratch_);
  return *this;
}

HyperscanDatabase::HyperscanDatabase(hs_database* db) : db_(db) {
  if (db_ && hs_alloc_scratch(db_, &prototype_) != HS_SUCCESS) {
    hs_free_database(db_);
    db_ = nullptr;
    throw std::runtime_error("hyperscan: cannot allocate scratch");
  }
}

HyperscanDatabase::~HyperscanDatabase() {
  if (prototype_) hs_free_scratch(prototype_);
  if (db_) hs_free_database(db_);
}

HyperscanDatabase::HyperscanDatabase(HyperscanDatabase&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), prototype_(std::exchange(o.prototype_, nullptr)) {}

HyperscanDatabase& HyperscanDatabase::operator=(HyperscanDatabase&& o) noexcept {
  std::swap(db_, o.db_);
  std::swap(prototype_, o.prototype_);
  return *this;
}

HyperscanDatabase::Scratch HyperscanDatabase::scratch() const {
  if (!prototype_) return Scratch();
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(prototype_, &s) != HS_SUCCESS) throw std::runtime_error("hyperscan: cannot allocate scratch");
  return Scratch(s);
}

bool HyperscanDatabase::scan(std::string_view text, const Scratch& scratch, OnMatch on_match, void* context) const {
  if (!db_ || text.empty()) return true;
  hs_error_t rc = hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch.get(), on_match, context);
  return rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED;
}

}  // namespace apkvet
