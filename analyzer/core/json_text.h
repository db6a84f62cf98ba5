// A JSON file handed to simdjson in place. simdjson reads up to SIMDJSON_PADDING bytes past the text;
// a memory map whose last page leaves that much room after it (the kernel zero-fills the rest of the
// page) is parsed without a copy, else the text is copied once into a padded buffer. The data files
// every scan reads (permission catalogue, rule cache) were copied into fresh memory: a sixth of a
// small scan's page faults.
#pragma once
#include <simdjson.h>

#include <string>

#include "core/mapped_file.h"

namespace apkvet {

class JsonText {
 public:
  // Throws std::runtime_error with a one-line reason naming the file when it cannot be mapped.
  explicit JsonText(const std::string& path);
  JsonText(const JsonText&) = delete;
  JsonText& operator=(const JsonText&) = delete;

  simdjson::padded_string_view view() const { return view_; }

 private:
  MappedFile file_;
  simdjson::padded_string copy_;
  simdjson::padded_string_view view_;
};

}  // namespace apkvet
