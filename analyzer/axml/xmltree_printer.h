// Prints a decoded binary XML document in the layout of `aapt dump xmltree` (N:/E:/A:/C: lines), so a
// reviewer can diff apkvet's reading of a manifest against aapt's line by line.
#pragma once
#include <ostream>

#include "axml/axml_decoder.h"

namespace apkvet {

void print_xmltree(std::ostream& out, const AxmlDocument& doc);

}  // namespace apkvet
