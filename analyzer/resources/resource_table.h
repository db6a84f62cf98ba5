// resources.arsc: the compiled resource table. Enough of it to resolve @string and @xml references.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {

class ResourceTable {
 public:
  virtual ~ResourceTable() = default;
  // The value of a string resource in the default configuration, if it has one.
  virtual std::optional<std::string> string_value(uint32_t resource_id) const = 0;
  // The file path of a file resource (e.g. @xml/network_security_config -> res/xml/nsc.xml).
  virtual std::optional<std::string> file_path(uint32_t resource_id) const = 0;
};

struct ResourceFacts {
  bool has_resource_table = false;
};
void to_json(Json& j, const ResourceFacts& f);

// Parses the base part's resources.arsc. `table` is set when a table could be read.
ResourceFacts analyze_resources(const AppPackage& app, AnomalySink& anomalies, std::shared_ptr<const ResourceTable>& table);

}  // namespace apkvet
