#include "core/json_text.h"

#include <unistd.h>

namespace apkvet {

JsonText::JsonText(const std::string& path) : file_(path) {
  Bytes bytes = file_.bytes();
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t room = bytes.size() % page == 0 ? 0 : page - bytes.size() % page;
  if (room >= simdjson::SIMDJSON_PADDING) {
    view_ = simdjson::padded_string_view(as_chars(bytes).data(), bytes.size(), bytes.size() + room);
  } else {
    copy_ = simdjson::padded_string(as_chars(bytes));
    view_ = copy_;
  }
}

}  // namespace apkvet
