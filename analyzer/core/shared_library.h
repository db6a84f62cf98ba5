// A system library opened by its SONAME when first needed, instead of linked into every apkvet
// process (libzip, libpcap: see archive/libzip_library.h, traffic/pcap_library.h for why each).
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>

namespace apkvet {

class SharedLibrary {
 public:
  // dlopen(soname); throws std::runtime_error("cannot load <label> (<soname>): <loader's reason>").
  // The library stays loaded for the life of the process.
  SharedLibrary(const char* soname, const char* label);

  // Sets `fn` to the function `name`; throws std::runtime_error("<soname> has no <name>").
  template <typename Fn>
  void resolve(Fn*& fn, const char* name) const {
    fn = reinterpret_cast<Fn*>(symbol(name));
  }

 private:
  void* symbol(const char* name) const;
  void* handle_ = nullptr;
  std::string soname_;
};

// The functions of a library loaded on first use, once per process and thread-safe: `resolve` fills a
// `Functions` (a struct of function pointers) from the library. A throw (library or function
// missing) leaves it unloaded and reaches the caller; the next call tries again.
template <typename Functions>
const Functions& load_functions(const char* soname, const char* label, void (*resolve)(const SharedLibrary&, Functions&)) {
  static const Functions functions = [&] {
    SharedLibrary so(soname, label);
    Functions f;
    resolve(so, f);
    return f;
  }();
  return functions;
}

}  // namespace apkvet
