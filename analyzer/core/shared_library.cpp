#include "core/shared_library.h"

#include <dlfcn.h>

namespace apkvet {

SharedLibrary::SharedLibrary(const char* soname, const char* label) : soname_(soname) {
  handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw std::runtime_error(std::string("cannot load ") + label + " (" + soname + "): " + dlerror());
}

void* SharedLibrary::symbol(const char* name) const {
  void* sym = dlsym(handle_, name);
  if (!sym) throw std::runtime_error(soname_ + " has no " + name);
  return sym;
}

}  // namespace apkvet
