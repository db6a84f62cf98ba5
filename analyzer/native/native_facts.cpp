#include "native/native_facts.h"

namespace apkvet {

void to_json(Json& j, const NativeFacts& f) { j = Json{{"analyzed", f.analyzed}}; }

NativeFacts analyze_native(const AppPackage&, AnomalySink&) { return {}; }

}  // namespace apkvet
