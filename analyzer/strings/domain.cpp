#include "strings/domain.h"

#include <libpsl.h>
#include <sys/stat.h>

#include <ctime>
#include <string>
#include <unordered_map>

#include "core/shared_library.h"

namespace apkvet {
namespace {

// libpsl (with libidn2 and libunistring), loaded when the first host name is judged: linked, its
// chain cost every process ~600 symbol bindings (libunistring binds all of its symbols at load).
struct LibPsl {
  decltype(&psl_load_file) load_file = nullptr;
  decltype(&psl_builtin) builtin = nullptr;
  decltype(&psl_builtin_file_time) builtin_file_time = nullptr;
  decltype(&psl_is_public_suffix2) is_public_suffix2 = nullptr;
};

const LibPsl& libpsl() {
  // APKVET_LIBPSL_SONAME is the SONAME of the libpsl found at configure time (analyzer/CMakeLists.txt).
  return load_functions<LibPsl>(APKVET_LIBPSL_SONAME, "libpsl", [](const SharedLibrary& so, LibPsl& lib) {
    so.resolve(lib.load_file, "psl_load_file");
    so.resolve(lib.builtin, "psl_builtin");
    so.resolve(lib.builtin_file_time, "psl_builtin_file_time");
    so.resolve(lib.is_public_suffix2, "psl_is_public_suffix2");
  });
}

struct Psl {
  psl_ctx_t* ctx = nullptr;
  decltype(&psl_is_public_suffix2) is_public_suffix2 = nullptr;
  std::string source, date;
  Psl() {
    LibPsl lib;
    try {
      lib = libpsl();
    } catch (const std::exception& e) {
      source = std::string("unavailable: ") + e.what();  // no list: no host is a public suffix; the report says why
      return;
    }
    is_public_suffix2 = lib.is_public_suffix2;
    static const char* kFiles[] = {"/usr/share/publicsuffix/public_suffix_list.dafsa",
                                   "/usr/share/publicsuffix/public_suffix_list.dat"};
    for (const char* f : kFiles) {
      struct stat st {};
      if (stat(f, &st) != 0) continue;
      if ((ctx = lib.load_file(f))) {
        source = f;
        date = day(st.st_mtime);
        return;
      }
    }
    ctx = const_cast<psl_ctx_t*>(lib.builtin());
    source = "libpsl builtin";
    date = day(lib.builtin_file_time());
  }
  static std::string day(time_t t) {
    char buf[16];
    struct tm tm {};
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }
};

const Psl& psl() {
  static Psl p;
  return p;
}

bool is_suffix(const std::string& s, int type) {
  return psl().ctx && psl().is_public_suffix2(psl().ctx, s.c_str(), type);
}

}  // namespace

std::string psl_source() { return psl().source; }
bool psl_available() { return psl().ctx != nullptr; }
std::string psl_date() { return psl().date; }

bool is_icann_tld(std::string_view label) {
  if (label.empty() || label.find('.') != std::string_view::npos) return false;
  // Every dotted token of an app's strings asks this of its last label (R.layout, java.lang.String,
  // foo.com), and the same few hundred labels come again and again: libpsl's lookup of one took
  // ~2,000 instructions, 1% of a corpus scan. The answers are remembered per thread; the list does
  // not change while the process runs. Bounded: a flood of distinct labels only starts it afresh.
  thread_local std::unordered_map<std::string, bool> known;
  std::string key(label);
  if (auto it = known.find(key); it != known.end()) return it->second;
  if (known.size() >= 65536) known.clear();
  bool tld = is_suffix(key, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE);
  known.emplace(std::move(key), tld);
  return tld;
}

std::optional<std::string> registrable_domain(std::string_view host) {
  // The longest ICANN public suffix of the host (star and exception rules applied by libpsl), plus
  // one label. Walk from the shortest suffix up; remember the last suffix that is public.
  std::string h(host);
  size_t tld_dot = h.rfind('.');
  if (tld_dot == std::string::npos || !is_icann_tld(h.substr(tld_dot + 1))) return std::nullopt;
  size_t best = tld_dot + 1;  // start of the longest public suffix found
  for (size_t pos = tld_dot; pos != std::string::npos && pos > 0;) {
    size_t prev = h.rfind('.', pos - 1);
    size_t start = prev == std::string::npos ? 0 : prev + 1;
    if (is_suffix(h.substr(start), PSL_TYPE_ICANN)) best = start;
    if (prev == std::string::npos) break;
    pos = prev;
  }
  if (best == 0) return std::nullopt;  // the host is a public suffix itself
  size_t dot = h.rfind('.', best - 2);
  return h.substr(dot == std::string::npos ? 0 : dot + 1);
}

std::string shared_hosting_suffix(std::string_view host) {
  std::string h(host);
  std::string found;
  for (size_t pos = h.size(); pos != std::string::npos && pos > 0;) {
    size_t prev = h.rfind('.', pos - 1);
    if (prev == std::string::npos) break;
    std::string suffix = h.substr(prev + 1);
    if (suffix.find('.') != std::string::npos && is_suffix(suffix, PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE) &&
        !is_suffix(suffix, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE))
      found = suffix;
    pos = prev;
  }
  return found;
}

bool valid_host_syntax(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = host[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    ++label;
  }
  return true;
}

}  // namespace apkvet
