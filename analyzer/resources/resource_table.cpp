#include "resources/resource_table.h"

namespace apkvet {

void to_json(Json& j, const ResourceFacts& f) { j = Json{{"has_resource_table", f.has_resource_table}}; }

ResourceFacts analyze_resources(const AppPackage& app, AnomalySink&, std::shared_ptr<const ResourceTable>&) {
  ResourceFacts f;
  f.has_resource_table = app.base().zip->find("resources.arsc") != nullptr;
  return f;
}

}  // namespace apkvet
