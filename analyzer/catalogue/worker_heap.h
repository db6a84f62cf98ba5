#pragma once

namespace apkvet::catalogue {

// A heap of their own for the batch's forked workers: a jemalloc arena, created once in the parent
// and never allocated from there, whose memory comes from new mappings advised for transparent huge
// pages. Each worker binds its thread to it, so its memory is new to it.
//
// Why: a worker's allocations otherwise land on pages the parent had touched and freed, so each
// first write copies a 4 KiB page (copy-on-write), ~1,100 faults per APK at ~1.4 us each in this
// VM: 15% of a batch's CPU. In new mappings advised MADV_HUGEPAGE, one fault maps 2 MiB. Measured
// over the corpus: -5 to -8% batch CPU, page faults 184k -> 101k, worker peak RSS median 22 -> 23-24 MB
// (max 52 -> 53-57 MB).
//
// Both do nothing when the executable's allocator is not jemalloc (sanitizer and fuzzing builds, the
// test binaries) or jemalloc refuses; the worker then runs as before.
void prepare_worker_heap();  // in the parent, before forking; creating it in each worker wrote ~50
                             // pages of the parent's jemalloc metadata (copy-on-write) per APK
bool use_worker_heap();      // in the worker, first thing; false if it could not

}  // namespace apkvet::catalogue
