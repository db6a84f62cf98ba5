// One compiled Hyperscan database and the scratch space scans of it need, for every matcher that
// scans with Hyperscan (string patterns, tracker class signatures, tracker network signatures,
// traffic canaries). The header names Hyperscan's types only by their struct tags, so users of a
// matcher do not include Hyperscan.
#pragma once
#include <string_view>

struct hs_database;
struct hs_scratch;

namespace apkvet {

class HyperscanDatabase {
 public:
  // Scratch space for one scan at a time (Hyperscan's rule: one scratch per concurrent scan).
  class Scratch {
   public:
    Scratch() = default;
    explicit Scratch(hs_scratch* s) : scratch_(s) {}
    ~Scratch();
    Scratch(Scratch&& o) noexcept : scratch_(o.scratch_) { o.scratch_ = nullptr; }
    Scratch& operator=(Scratch&& o) noexcept;
    hs_scratch* get() const { return scratch_; }

   private:
    hs_scratch* scratch_ = nullptr;
  };

  // Called for each match: pattern id and the match's end offset (and start, when the pattern
  // was compiled with start-of-match tracking). Returning non-zero stops the scan.
  using OnMatch = int (*)(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* context);

  HyperscanDatabase() = default;  // no database: every scan matches nothing
  // Takes ownership of `db` (nullptr: none) and allocates the prototype scratch; throws
  // std::runtime_error (with `db` freed) when it cannot.
  explicit HyperscanDatabase(hs_database* db);
  ~HyperscanDatabase();
  HyperscanDatabase(HyperscanDatabase&& o) noexcept;
  HyperscanDatabase& operator=(HyperscanDatabase&& o) noexcept;

  explicit operator bool() const { return db_ != nullptr; }
  const hs_database* get() const { return db_; }

  // A copy of the prototype scratch. hs_alloc_scratch validates the whole database (a CRC over it)
  // on every call, which cost ~1% of a batch when each scan allocated its own; a clone only copies.
  // Cloning reads the prototype and never writes it, so threads may clone at once. Throws
  // std::runtime_error when out of memory; an empty Scratch when there is no database.
  Scratch scratch() const;

  // hs_scan of `text` (shorter than 4 GiB) with `scratch`; false when Hyperscan reports an error
  // other than the callback stopping it. No database: nothing matches, true.
  bool scan(std::string_view text, const Scratch& scratch, OnMatch on_match, void* context) const;

 private:
  hs_database* db_ = nullptr;
  hs_scratch* prototype_ = nullptr;
};

}  // namespace apkvet
