// resources.arsc: the compiled resource table. Enough of it to resolve @string and @xml references,
// and the facts a review needs about it (packages, locales, tampering).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {

class ResourceTable {
 public:
  virtual ~ResourceTable() = default;
  // The value of a string resource in the default configuration, if it has one. "Default" is what
  // `aapt dump badging` prints as `application-label:`: no locale, mdpi, portrait, newest sdk;
  // references (@string -> @string) are followed up to 20 hops.
  virtual std::optional<std::string> string_value(uint32_t resource_id) const = 0;
  // The data of an integer or boolean resource (@bool/..., @integer/...) in the same default
  // configuration, references followed: how the platform reads android:debuggable="@bool/x".
  virtual std::optional<uint32_t> integer_value(uint32_t) const { return std::nullopt; }
  // The file path of a file resource (e.g. @xml/network_security_config -> res/xml/nsc.xml).
  virtual std::optional<std::string> file_path(uint32_t resource_id) const = 0;
  // "package:type/name" of a resource id, as aapt prints it.
  virtual std::optional<std::string> resource_name(uint32_t) const { return std::nullopt; }
  // The id of type/name in the package with `package_id` (Resources.getIdentifier).
  virtual std::optional<uint32_t> find_id(uint8_t, std::string_view, std::string_view) const { return std::nullopt; }
};

struct ResourcePackageFacts {
  uint32_t id = 0;
  std::string name;
  size_t types = 0;    // type specs
  size_t entries = 0;  // resource ids declared (sum of spec entry counts)
  size_t configs = 0;  // type chunks
  size_t libraries = 0;
  Evidence evidence;
};

struct ResourceFacts {
  bool has_resource_table = false;
  bool parsed = false;  // a table chunk was found and read
  Evidence evidence;    // the resources.arsc file
  std::vector<ResourcePackageFacts> packages;
  size_t strings = 0;  // global string pool
  bool strings_utf8 = false;
  size_t values = 0;          // entries present across all configs
  size_t complex_values = 0;  // bags (styles, arrays, plurals...)
  std::vector<std::string> locales;  // BCP 47 tags of the locales present, sorted; default not listed
  std::vector<std::string> formats;  // newer encodings present: "sparse", "offset16", "compact"
};
void to_json(Json& j, const ResourceFacts& f);

// Parses the base part's resources.arsc. `table` is set when a table could be read; it views the
// APK's bytes, so it must not outlive `app`.
ResourceFacts analyze_resources(const AppPackage& app, AnomalySink& anomalies, std::shared_ptr<const ResourceTable>& table);

}  // namespace apkvet
