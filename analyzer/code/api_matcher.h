// Finds sensitive API uses and permission-mapped API uses in the bytecode: invoke targets (method
// refs, matched on the declared class, or on the framework class an app subclass extends), field
// reads, const-strings (content:// URIs, inlined String constants) and app overrides of callbacks.
#pragma once
#include <cstdint>
#include <vector>

#include "code/code_model.h"
#include "code/code_rules.h"

namespace apkvet::code {

enum class UseKind : uint8_t { invoke, field_read, const_string, content_uri, override_method };
const char* to_string(UseKind k);

enum class TargetType : uint8_t { api_member, api_rule, prefix_rule, provider, mapping };

// One raw match, cheap to hold in bulk; turned into evidence only for what is reported.
struct RawUse {
  uint32_t node = kNone;  // calling (or overriding) method
  uint32_t pc = 0;
  uint32_t ref = kNone;        // method_idx / field_idx / string_idx in the caller's file
  uint32_t target = kNone;     // index by target_type (members, apis, providers, mappings)
  uint32_t via_class = kNone;  // app class the reference went through, when not the API class itself
  UseKind kind = UseKind::invoke;
  TargetType target_type = TargetType::api_member;
};

std::vector<RawUse> match_api_uses(const CodeModel& model, const CodeRules& rules);

}  // namespace apkvet::code
