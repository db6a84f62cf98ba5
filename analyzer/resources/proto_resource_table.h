// resources.pb: the resource table of an App Bundle module, aapt2's ResourceTable message (the
// protobuf counterpart of resources.arsc). Read enough to resolve what the manifest references:
// @string labels, @bool/@integer flags, @xml files (the network security config).
#pragma once
#include <memory>
#include <string>

#include "resources/resource_table.h"

namespace apkvet {

// nullptr (with an anomaly naming `file`) when the table cannot be read.
std::shared_ptr<const ResourceTable> read_proto_resource_table(Bytes data, const std::string& file, AnomalySink& anomalies,
                                                               ResourceFacts& facts);

}  // namespace apkvet
