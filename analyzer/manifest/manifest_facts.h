// The typed manifest: what the app declares about itself, its permissions and its components.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "archive/app_package.h"
#include "facts/evidence.h"
#include "resources/resource_table.h"

namespace apkvet {

struct ManifestFacts {
  bool decoded = false;
  std::string package;
  std::shared_ptr<pugi::xml_document> xml;  // the decoded AndroidManifest.xml
};
void to_json(Json& j, const ManifestFacts& f);

ManifestFacts analyze_manifest(const AppPackage& app, const ResourceTable* resources, AnomalySink& anomalies);

}  // namespace apkvet
