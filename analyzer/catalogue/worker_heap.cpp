#include "catalogue/worker_heap.h"

#include <sys/mman.h>

#include <cstddef>

// jemalloc's control interface. Weak: only the apkvet executable links jemalloc (not the sanitizer
// builds nor the tests), and there the symbol is null.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace apkvet::catalogue {
namespace {

// jemalloc's extent_hooks_t (jemalloc(3), "arena.<i>.extent_hooks"; unchanged since 5.0). Only
// `alloc` is replaced; the other eight hooks are jemalloc's own, copied as they are.
struct ExtentHooks {
  void* (*alloc)(ExtentHooks*, void* new_addr, size_t size, size_t alignment, bool* zero, bool* commit,
                 unsigned arena_ind);
  void* others[8];
};

ExtentHooks* jemalloc_hooks = nullptr;  // the default hooks, read from arena 0
ExtentHooks huge_page_hooks;

// While the parent creates the arena, jemalloc maps the arena's own metadata through these hooks (a
// 2 MiB block, of which the parent writes a few pages). Not advised: a huge page there was zeroed
// whole in the parent, ~7 ms at the start of every batch in a VM whose fresh huge pages fill at
// ~0.5 GB/s, and the workers write to it only copy-on-write, a page at a time.
bool creating_arena = false;

void* alloc_huge_pages(ExtentHooks*, void* new_addr, size_t size, size_t alignment, bool* zero, bool* commit,
                       unsigned arena_ind) {
  void* p = jemalloc_hooks->alloc(jemalloc_hooks, new_addr, size, alignment, zero, commit, arena_ind);
  // Advice only: where the kernel has no huge page to give (fragmented memory, THP "never"), the
  // range is mapped with 4 KiB pages as before.
  if (p && !creating_arena) ::madvise(p, size, MADV_HUGEPAGE);
  return p;
}

unsigned worker_arena = 0;  // 0: none prepared (arena 0 is jemalloc's first automatic arena)

}  // namespace

void prepare_worker_heap() {
  if (!mallctl || worker_arena) return;
  size_t len = sizeof jemalloc_hooks;
  if (mallctl("arena.0.extent_hooks", &jemalloc_hooks, &len, nullptr, 0) != 0 || !jemalloc_hooks) return;
  huge_page_hooks = *jemalloc_hooks;
  huge_page_hooks.alloc = alloc_huge_pages;
  ExtentHooks* hooks = &huge_page_hooks;
  unsigned arena = 0;
  len = sizeof arena;
  creating_arena = true;
  if (mallctl("arenas.create", &arena, &len, &hooks, sizeof hooks) == 0) worker_arena = arena;
  creating_arena = false;
}

bool use_worker_heap() {
  if (!mallctl || !worker_arena) return false;
  // Objects cached for this thread came from the parent's pages: give them back before switching.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  return mallctl("thread.arena", nullptr, nullptr, &worker_arena, sizeof worker_arena) == 0;
}

}  // namespace apkvet::catalogue
