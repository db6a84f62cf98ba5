// Facts about the app's native libraries (ELF) of every ABI.
#pragma once
#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {

struct NativeFacts {
  bool analyzed = false;
};
void to_json(Json& j, const NativeFacts& f);

NativeFacts analyze_native(const AppPackage& app, AnomalySink& anomalies);

}  // namespace apkvet
