#include "elf/code_scan.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <memory>
#include <set>
#include <unordered_set>

#include "core/utf8.h"

namespace apkvet {
namespace {

enum class Isa { arm64, arm, thumb, x86, x86_64 };

// A register's tracked content: unknown, a constant, an imported symbol's address, or a value loaded
// from an unknown base at a known displacement (how JNIEnv function slots are read).
struct Val {
  enum Kind : uint8_t { none, konst, sym, slot } kind = none;
  uint64_t v = 0;
  const std::string* symbol = nullptr;
  static Val k(uint64_t x) { return {konst, x, nullptr}; }
};

constexpr int kRegs = 40;
constexpr uint64_t kRegisterNativesSlot = 215;

// ---- register canonicalisation: every width of one register maps to one index ----
int canon_arm64(unsigned r) {
  if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) return int(r - ARM64_REG_W0);
  if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) return int(r - ARM64_REG_X0);
  if (r == ARM64_REG_X29) return 29;
  if (r == ARM64_REG_X30) return 30;
  if (r == ARM64_REG_SP || r == ARM64_REG_WSP) return 31;
  return -1;
}
bool is_zero_reg_arm64(unsigned r) { return r == ARM64_REG_XZR || r == ARM64_REG_WZR; }
bool is_w_arm64(unsigned r) { return (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) || r == ARM64_REG_WZR; }

int canon_arm(unsigned r) {
  if (r >= ARM_REG_R0 && r <= ARM_REG_R12) return int(r - ARM_REG_R0);
  if (r == ARM_REG_SP) return 13;
  if (r == ARM_REG_LR) return 14;
  if (r == ARM_REG_PC) return 15;
  return -1;
}

int canon_x86(unsigned r) {
  switch (r) {
    case X86_REG_AL: case X86_REG_AH: case X86_REG_AX: case X86_REG_EAX: case X86_REG_RAX: return 0;
    case X86_REG_CL: case X86_REG_CH: case X86_REG_CX: case X86_REG_ECX: case X86_REG_RCX: return 1;
    case X86_REG_DL: case X86_REG_DH: case X86_REG_DX: case X86_REG_EDX: case X86_REG_RDX: return 2;
    case X86_REG_BL: case X86_REG_BH: case X86_REG_BX: case X86_REG_EBX: case X86_REG_RBX: return 3;
    case X86_REG_SPL: case X86_REG_SP: case X86_REG_ESP: case X86_REG_RSP: return 4;
    case X86_REG_BPL: case X86_REG_BP: case X86_REG_EBP: case X86_REG_RBP: return 5;
    case X86_REG_SIL: case X86_REG_SI: case X86_REG_ESI: case X86_REG_RSI: return 6;
    case X86_REG_DIL: case X86_REG_DI: case X86_REG_EDI: case X86_REG_RDI: return 7;
    case X86_REG_R8B: case X86_REG_R8W: case X86_REG_R8D: case X86_REG_R8: return 8;
    case X86_REG_R9B: case X86_REG_R9W: case X86_REG_R9D: case X86_REG_R9: return 9;
    case X86_REG_R10B: case X86_REG_R10W: case X86_REG_R10D: case X86_REG_R10: return 10;
    case X86_REG_R11B: case X86_REG_R11W: case X86_REG_R11D: case X86_REG_R11: return 11;
    case X86_REG_R12B: case X86_REG_R12W: case X86_REG_R12D: case X86_REG_R12: return 12;
    case X86_REG_R13B: case X86_REG_R13W: case X86_REG_R13D: case X86_REG_R13: return 13;
    case X86_REG_R14B: case X86_REG_R14W: case X86_REG_R14D: case X86_REG_R14: return 14;
    case X86_REG_R15B: case X86_REG_R15W: case X86_REG_R15D: case X86_REG_R15: return 15;
    default: return -1;
  }
}
constexpr int kX86Sp = 4, kX86Bp = 5;

struct Capstone {
  csh handle = 0;
  bool ok = false;
  Capstone(cs_arch arch, int mode) {
    ok = cs_open(arch, cs_mode(mode), &handle) == CS_ERR_OK;
    if (ok) cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  }
  ~Capstone() {
    if (ok) cs_close(&handle);
  }
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;
};

struct InsnDeleter {
  void operator()(cs_insn* i) const { cs_free(i, 1); }
};

class Scanner {
 public:
  Scanner(const CodeInput& in, const ElfScanLimits& limits, ElfScan& out) : in_(in), lim_(limits), out_(out) {
    const uint16_t m = in.layout->machine;
    if (m == elf::EM_AARCH64) {
      isa_ = Isa::arm64, a64_ = std::make_unique<Capstone>(CS_ARCH_ARM64, CS_MODE_ARM);
    } else if (m == elf::EM_ARM) {
      isa_ = Isa::arm, arm_ = std::make_unique<Capstone>(CS_ARCH_ARM, CS_MODE_ARM);
      thumb_ = std::make_unique<Capstone>(CS_ARCH_ARM, CS_MODE_THUMB);
    } else if (m == elf::EM_X86_64) {
      isa_ = Isa::x86_64, x86_ = std::make_unique<Capstone>(CS_ARCH_X86, CS_MODE_64);
    } else if (m == elf::EM_386) {
      isa_ = Isa::x86, x86_ = std::make_unique<Capstone>(CS_ARCH_X86, CS_MODE_32);
    } else {
      supported_ = false;
    }
    for (const auto& f : in.functions) starts_.insert(f.start);
    ptr_ = in.layout->elf_class == 64 ? 8 : 4;
  }

  void run() {
    if (!supported_) return;
    for (const auto& f : in_.functions) {
      if (out_.code_truncated) break;
      scan_function(f);
    }
  }

 private:
  // ---------------- per-function state ----------------
  void reset_state() {
    regs_.fill(Val{});
    stack_.clear();
    pushes_.clear();
    literals_.clear();
  }
  Val get(int r) const { return r >= 0 && r < kRegs ? regs_[r] : Val{}; }
  void set(int r, Val v) {
    if (r >= 0 && r < kRegs) regs_[r] = v;
  }
  void clobber_call() {
    if (isa_ == Isa::arm64) {
      for (int r = 0; r <= 18; ++r) regs_[r] = {};
      regs_[30] = {};
    } else if (isa_ == Isa::arm || isa_ == Isa::thumb) {
      for (int r : {0, 1, 2, 3, 12, 14}) regs_[r] = {};
    } else {
      for (int r : {0, 1, 2, 6, 7, 8, 9, 10, 11}) regs_[r] = {};
      pushes_.clear();
    }
  }

  // Reads a pointer-sized (or n-byte) value from the image at addr, honouring relocations.
  Val load(uint64_t addr, unsigned n) {
    auto it = in_.relocs.find(addr);
    if (it != in_.relocs.end()) {
      if (!it->second.symbol.empty()) return {Val::sym, 0, &it->second.symbol};
      if (it->second.has_value) return Val::k(it->second.value);
    }
    if (n != 1 && n != 2 && n != 4 && n != 8) return {};
    auto b = in_.layout->at(in_.file, addr, n);
    if (!b) return {};
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t((*b)[i]) << (8 * i);
    return Val::k(v);
  }

  std::optional<std::string> string_at(uint64_t addr, size_t min_len) {
    // Code is not text: reject addresses inside executable sections (when sections are known; the
    // text segment usually holds .rodata too, so segment flags cannot decide).
    if (const ElfSection* sec = in_.layout->section_at(addr); sec && (sec->flags & elf::SHF_EXECINSTR)) return std::nullopt;
    auto s = in_.layout->c_string(in_.file, addr, 1024);
    if (!s || !looks_like_text(*s, min_len)) return std::nullopt;
    return s;
  }

  void note_value(const Val& v, uint64_t at) {
    if (in_stub_ || v.kind != Val::konst || v.v == 0) return;
    auto s = string_at(v.v, lim_.min_string_length);
    if (s) add_string(*s, at, false);
  }

  void add_string(const std::string& s, uint64_t at, bool on_stack) {
    if (fn_.strings.size() >= lim_.max_strings_per_function) return;
    if (!seen_strings_.insert(s).second) return;
    fn_.strings.push_back({s, at, on_stack});
  }

  void stack_store(int base, int64_t off, uint64_t value, unsigned n) {
    if (in_stub_ || stack_.size() > 8192) return;
    for (unsigned i = 0; i < n && i < 8; ++i) stack_[{base, off + int64_t(i)}] = uint8_t(value >> (8 * i));
  }

  void flush_stack_strings(uint64_t at) {
    std::string run;
    std::pair<int, int64_t> prev{-1, 0};
    auto done = [&] {
      if (looks_like_text(run, lim_.min_string_length)) add_string(run, at, true);
      run.clear();
    };
    for (const auto& [key, byte] : stack_) {
      bool contiguous = key.first == prev.first && key.second == prev.second + 1;
      if (!contiguous) done();
      if (byte == 0) {
        done();
      } else {
        run.push_back(char(byte));
      }
      prev = key;
    }
    done();
  }

  // The argument registers' string contents at a call.
  std::vector<std::string> string_args() {
    std::vector<Val> args;
    switch (isa_) {
      case Isa::arm64: args = {regs_[0], regs_[1], regs_[2], regs_[3]}; break;
      case Isa::arm: case Isa::thumb: args = {regs_[0], regs_[1], regs_[2], regs_[3]}; break;
      case Isa::x86_64: args = {regs_[7], regs_[6], regs_[2], regs_[1]}; break;
      case Isa::x86:
        for (int i = 0; i < 4; ++i) {
          auto it = esp_slots_.find(4 * i);
          if (it != esp_slots_.end()) {
            args.push_back(it->second);
          } else if (size_t(i) < pushes_.size()) {
            args.push_back(pushes_[pushes_.size() - 1 - i]);
          } else {
            args.push_back({});
          }
        }
        break;
    }
    std::vector<std::string> out;
    for (const auto& a : args) {
      if (a.kind != Val::konst || a.v == 0) continue;
      if (auto s = string_at(a.v, 1)) out.push_back(*s);
    }
    return out;
  }
  Val first_arg() {
    if (isa_ == Isa::x86_64) return regs_[7];
    if (isa_ == Isa::x86) {
      auto it = esp_slots_.find(0);
      if (it != esp_slots_.end()) return it->second;
      return pushes_.empty() ? Val{} : pushes_.back();
    }
    return regs_[0];
  }

  void record_call(const std::string& callee, uint64_t at) {
    std::vector<std::string> args = string_args();
    for (const auto& a : args)
      if (looks_like_text(a, lim_.min_string_length)) add_string(a, at, false);
    if (callee == "syscall") {
      Val nr = first_arg();
      record_syscall(nr.kind == Val::konst ? int64_t(nr.v) : -1, at, true);
    }
    for (auto& c : fn_.calls) {
      if (c.callee == callee) {
        for (auto& a : args)
          if (c.args.size() < 8 && std::find(c.args.begin(), c.args.end(), a) == c.args.end()) c.args.push_back(a);
        return;
      }
    }
    if (fn_.calls.size() >= lim_.max_calls_per_function) return;
    fn_.calls.push_back({callee, std::move(args), at});
  }

  void record_syscall(int64_t nr, uint64_t at, bool via_libc = false) {
    if (in_stub_) return;
    if (!via_libc) {
      if (out_.syscalls.size() < 10'000) out_.syscalls.push_back({nr, at, fn_.name});
      std::string callee = "syscall:" + (nr >= 0 ? std::to_string(nr) : std::string("?"));
      if (fn_.calls.size() < lim_.max_calls_per_function) fn_.calls.push_back({callee, {}, at});
    } else if (out_.syscalls.size() < 10'000) {
      out_.syscalls.push_back({nr, at, fn_.name + " (syscall())"});
    }
  }

  // What a direct call target is: one of our functions, or a PLT stub of an import.
  void call_to(uint64_t target, bool thumb_target, uint64_t at) {
    if (in_stub_) return;
    if (starts_.count(target)) {
      if (fn_.local_calls.size() < 256 &&
          std::find(fn_.local_calls.begin(), fn_.local_calls.end(), target) == fn_.local_calls.end())
        fn_.local_calls.push_back(target);
      return;
    }
    if (const std::string* s = stub_symbol(target, thumb_target)) record_call(*s, at);
  }

  // Emulates a few instructions of a PLT stub to find the GOT slot it jumps through.
  const std::string* stub_symbol(uint64_t addr, bool thumb) {
    auto key = addr | (thumb ? (1ull << 63) : 0);
    auto it = stubs_.find(key);
    if (it != stubs_.end()) return it->second;
    const std::string* found = nullptr;
    auto saved_regs = regs_;
    auto saved_isa = isa_;
    auto saved_pushes = pushes_;
    bool saved_stop = stop_;
    regs_.fill(Val{});
    if (isa_ == Isa::x86) regs_[3] = Val::k(in_.pltgot);  // ebx = GOT in PIC stubs
    if (isa_ == Isa::arm || isa_ == Isa::thumb) isa_ = thumb ? Isa::thumb : Isa::arm;
    stub_hit_ = nullptr;
    in_stub_ = true;
    walk(addr, addr + 24, 6);
    in_stub_ = false;
    found = stub_hit_;
    if (!found && (saved_isa == Isa::arm || saved_isa == Isa::thumb)) {  // try the other ARM mode
      regs_.fill(Val{});
      isa_ = thumb ? Isa::arm : Isa::thumb;
      in_stub_ = true;
      walk(addr, addr + 24, 6);
      in_stub_ = false;
      found = stub_hit_;
    }
    isa_ = saved_isa;
    regs_ = saved_regs;
    pushes_ = std::move(saved_pushes);
    stop_ = saved_stop;
    if (stubs_.size() < 100'000) stubs_[key] = found;
    return found;
  }

  // An indirect call or jump through a register or memory operand.
  void indirect(const Val& v, uint64_t at) {
    if (v.kind == Val::sym) {
      if (in_stub_) {
        stub_hit_ = v.symbol;
        stop_ = true;
      } else {
        record_call(*v.symbol, at);
      }
    } else if (v.kind == Val::slot && v.v == kRegisterNativesSlot * ptr_) {
      fn_.register_natives = true;
    }
  }

  // ---------------- function walk ----------------
  void scan_function(const CodeRange& f) {
    fn_ = ElfFunction{};
    fn_.name = f.name;
    fn_.address = f.start;
    fn_.size = f.end - f.start;
    seen_strings_.clear();
    reset_state();
    esp_slots_.clear();
    if (isa_ == Isa::arm || isa_ == Isa::thumb) isa_ = f.thumb ? Isa::thumb : Isa::arm;
    walk(f.start, f.end, UINT64_MAX);
    flush_stack_strings(f.start);
    bool interesting = !fn_.calls.empty() || !fn_.strings.empty() || !fn_.local_calls.empty() || fn_.register_natives;
    if (interesting && out_.functions.size() < lim_.max_functions) out_.functions.push_back(std::move(fn_));
  }

  Capstone* engine() {
    switch (isa_) {
      case Isa::arm64: return a64_.get();
      case Isa::arm: return arm_.get();
      case Isa::thumb: return thumb_.get();
      default: return x86_.get();
    }
  }

  void walk(uint64_t start, uint64_t end, uint64_t max_insns) {
    Capstone* cs = engine();
    if (!cs || !cs->ok) return;
    auto off = in_.layout->offset_of(start);
    if (!off || end <= start) return;
    uint64_t avail = std::min<uint64_t>(end - start, in_.file.size() - *off);
    // Stay inside the segment that backs `start`.
    for (const auto& s : in_.layout->segments)
      if (s.type == elf::PT_LOAD && start >= s.vaddr && start - s.vaddr < s.filesz)
        avail = std::min<uint64_t>(avail, s.filesz - (start - s.vaddr));
    const uint8_t* code = in_.file.data() + *off;
    size_t size = avail;
    uint64_t address = start;
    std::unique_ptr<cs_insn, InsnDeleter> insn(cs_malloc(cs->handle));
    if (!insn) return;
    stop_ = false;
    const unsigned step = isa_ == Isa::arm64 || isa_ == Isa::arm ? 4 : isa_ == Isa::thumb ? 2 : 1;
    uint64_t n = 0;
    while (size > 0 && !stop_ && n < max_insns) {
      if (!in_stub_ && literals_.count(address)) {  // ARM literal pool word: data, not code
        size_t skip = std::min<size_t>(4, size);
        code += skip, size -= skip, address += skip;
        continue;
      }
      if (!cs_disasm_iter(cs->handle, &code, &size, &address, insn.get())) {
        size_t skip = std::min<size_t>(step, size);
        code += skip, size -= skip, address += skip;
        continue;
      }
      ++n;
      if (!in_stub_ && ++out_.instructions > lim_.max_instructions) {
        out_.code_truncated = true;
        return;
      }
      switch (isa_) {
        case Isa::arm64: step_arm64(*insn); break;
        case Isa::arm: case Isa::thumb: step_arm(*insn); break;
        default: step_x86(*insn); break;
      }
    }
  }

  // ---------------- arm64 ----------------
  void step_arm64(const cs_insn& insn) {
    const cs_arm64& a = insn.detail->arm64;
    const cs_arm64_op* op = a.operands;
    const int n = a.op_count;
    auto dst = [&]() { return n > 0 && op[0].type == ARM64_OP_REG ? canon_arm64(op[0].reg) : -1; };
    auto regval = [&](unsigned r) { return is_zero_reg_arm64(r) ? Val::k(0) : get(canon_arm64(r)); };
    auto shifted = [&](const cs_arm64_op& o) {
      uint64_t v = uint64_t(o.imm);
      if (o.shift.type == ARM64_SFT_LSL) v <<= o.shift.value;
      return v;
    };
    switch (insn.id) {
      case ARM64_INS_ADRP:
      case ARM64_INS_ADR:
        if (n >= 2 && op[1].type == ARM64_OP_IMM) {
          set(dst(), Val::k(uint64_t(op[1].imm)));
          if (insn.id == ARM64_INS_ADR) note_value(get(dst()), insn.address);
        }
        return;
      case ARM64_INS_ADD:
      case ARM64_INS_SUB:
        if (n >= 3 && op[1].type == ARM64_OP_REG && op[2].type == ARM64_OP_IMM) {
          Val b = regval(op[1].reg);
          if (b.kind == Val::konst) {
            uint64_t v = insn.id == ARM64_INS_ADD ? b.v + shifted(op[2]) : b.v - shifted(op[2]);
            if (is_w_arm64(op[0].reg)) v &= 0xffffffffu;
            set(dst(), Val::k(v));
            note_value(get(dst()), insn.address);
            return;
          }
        }
        set(dst(), {});
        return;
      case ARM64_INS_MOV:
      case ARM64_INS_MOVZ:
        if (n >= 2 && op[1].type == ARM64_OP_IMM) {
          uint64_t v = shifted(op[1]);
          if (is_w_arm64(op[0].reg)) v &= 0xffffffffu;
          set(dst(), Val::k(v));
        } else if (n >= 2 && op[1].type == ARM64_OP_REG) {
          set(dst(), regval(op[1].reg));
        } else {
          set(dst(), {});
        }
        return;
      case ARM64_INS_MOVK:
        if (n >= 2 && op[1].type == ARM64_OP_IMM) {
          Val v = get(dst());
          if (v.kind == Val::konst) {
            unsigned sh = op[1].shift.type == ARM64_SFT_LSL ? op[1].shift.value : 0;
            v.v = (v.v & ~(uint64_t(0xffff) << sh)) | (uint64_t(op[1].imm & 0xffff) << sh);
            set(dst(), v);
          }
        }
        return;
      case ARM64_INS_LDR:
      case ARM64_INS_LDUR: {
        if (n < 2) return;
        unsigned width = is_w_arm64(op[0].reg) ? 4 : 8;
        int d = dst();
        if (op[1].type == ARM64_OP_IMM) {  // literal
          Val v = load(uint64_t(op[1].imm), width);
          set(d, v);
          note_value(v, insn.address);
        } else if (op[1].type == ARM64_OP_MEM) {
          Val b = get(canon_arm64(op[1].mem.base));
          if (op[1].mem.index != ARM64_REG_INVALID) {
            set(d, {});
          } else if (b.kind == Val::konst) {
            Val v = load(b.v + int64_t(op[1].mem.disp), width);
            set(d, v);
            note_value(v, insn.address);
          } else {
            set(d, {Val::slot, uint64_t(int64_t(op[1].mem.disp)), nullptr});
          }
          if (a.writeback) set(canon_arm64(op[1].mem.base), {});
        } else {
          set(d, {});
        }
        return;
      }
      case ARM64_INS_STR: case ARM64_INS_STUR: case ARM64_INS_STRB: case ARM64_INS_STURB:
      case ARM64_INS_STRH: case ARM64_INS_STURH: {
        if (n < 2 || op[0].type != ARM64_OP_REG || op[1].type != ARM64_OP_MEM) return;
        int base = canon_arm64(op[1].mem.base);
        if (base != 31 && base != 29) return;
        Val v = regval(op[0].reg);
        if (v.kind != Val::konst) {
          unsigned w = insn.id == ARM64_INS_STRB || insn.id == ARM64_INS_STURB ? 1
                       : insn.id == ARM64_INS_STRH || insn.id == ARM64_INS_STURH ? 2 : is_w_arm64(op[0].reg) ? 4 : 8;
          for (unsigned i = 0; i < w; ++i) stack_.erase({base, int64_t(op[1].mem.disp) + i});
          return;
        }
        unsigned w = insn.id == ARM64_INS_STRB || insn.id == ARM64_INS_STURB ? 1
                     : insn.id == ARM64_INS_STRH || insn.id == ARM64_INS_STURH ? 2 : is_w_arm64(op[0].reg) ? 4 : 8;
        stack_store(base, op[1].mem.disp, v.v, w);
        return;
      }
      case ARM64_INS_STP: {
        if (n < 3 || op[2].type != ARM64_OP_MEM) return;
        int base = canon_arm64(op[2].mem.base);
        if (base != 31 && base != 29) return;
        unsigned w = is_w_arm64(op[0].reg) ? 4 : 8;
        Val v0 = regval(op[0].reg), v1 = regval(op[1].reg);
        if (v0.kind == Val::konst) stack_store(base, op[2].mem.disp, v0.v, w);
        if (v1.kind == Val::konst) stack_store(base, op[2].mem.disp + w, v1.v, w);
        return;
      }
      case ARM64_INS_SVC: {
        Val nr = get(8);
        record_syscall(nr.kind == Val::konst ? int64_t(nr.v) : -1, insn.address);
        return;
      }
      case ARM64_INS_BL:
        if (n >= 1 && op[0].type == ARM64_OP_IMM) call_to(uint64_t(op[0].imm), false, insn.address);
        clobber_call();
        return;
      case ARM64_INS_BLR:
        if (n >= 1 && op[0].type == ARM64_OP_REG) indirect(get(canon_arm64(op[0].reg)), insn.address);
        clobber_call();
        return;
      case ARM64_INS_BR:
        if (n >= 1 && op[0].type == ARM64_OP_REG) indirect(get(canon_arm64(op[0].reg)), insn.address);
        if (in_stub_) stop_ = true;
        return;
      case ARM64_INS_B:
        if (a.cc == ARM64_CC_INVALID || a.cc == ARM64_CC_AL) {
          if (n >= 1 && op[0].type == ARM64_OP_IMM && !in_function(uint64_t(op[0].imm))) {
            call_to(uint64_t(op[0].imm), false, insn.address);  // tail call
          }
          if (in_stub_) stop_ = true;
        }
        return;
      default:
        break;
    }
    // Anything else that writes its first register operand makes it unknown.
    if (n > 0 && op[0].type == ARM64_OP_REG && !is_store_or_compare(insn.mnemonic)) set(dst(), {});
  }

  // ---------------- ARM and Thumb ----------------
  void step_arm(const cs_insn& insn) {
    const cs_arm& a = insn.detail->arm;
    const cs_arm_op* op = a.operands;
    const int n = a.op_count;
    const bool thumb = isa_ == Isa::thumb;
    const uint64_t pc = insn.address + (thumb ? 4 : 8);
    auto dst = [&]() { return n > 0 && op[0].type == ARM_OP_REG ? canon_arm(op[0].reg) : -1; };
    auto regval = [&](unsigned r) { return r == ARM_REG_PC ? Val::k(pc) : get(canon_arm(r)); };
    auto disp = [&](const cs_arm_op& o) {
      int64_t d = o.mem.disp;
      if (o.subtracted && d > 0) d = -d;
      return d;
    };
    switch (insn.id) {
      case ARM_INS_LDR: {
        if (n < 2 || op[1].type != ARM_OP_MEM) return;
        int d = dst();
        Val v;
        if (op[1].mem.base == ARM_REG_PC && op[1].mem.index == ARM_REG_INVALID) {
          uint64_t addr = (thumb ? (pc & ~3ull) : pc) + disp(op[1]);
          literals_.insert(addr);
          v = load(addr, 4);
        } else {
          Val b = regval(op[1].mem.base);
          if (op[1].mem.index != ARM_REG_INVALID) {
            Val i = regval(op[1].mem.index);
            if (b.kind == Val::konst && i.kind == Val::konst) v = load(b.v + i.v, 4);
          } else if (b.kind == Val::konst) {
            v = load(b.v + disp(op[1]), 4);
          } else {
            v = {Val::slot, uint64_t(disp(op[1])), nullptr};
          }
          if (a.writeback) set(canon_arm(op[1].mem.base), {});
        }
        if (d == 15) {  // ldr pc, [...]: a jump through memory
          indirect(v, insn.address);
          if (in_stub_) stop_ = true;
          return;
        }
        set(d, v);
        note_value(v, insn.address);
        return;
      }
      case ARM_INS_ADD:
      case ARM_INS_SUB: {
        Val x, y;
        if ((n == 3 || n == 4) && op[1].type == ARM_OP_REG) {
          x = regval(op[1].reg);
          y = op[2].type == ARM_OP_IMM ? Val::k(uint64_t(uint32_t(op[2].imm)))
              : op[2].type == ARM_OP_REG && op[2].shift.type == ARM_SFT_INVALID ? regval(op[2].reg) : Val{};
          if (n == 4) {  // "add ip, pc, #imm, #rot": an ARM modified immediate, rotated right
            if (op[2].type == ARM_OP_IMM && op[3].type == ARM_OP_IMM) {
              uint32_t v = uint32_t(op[2].imm), r = uint32_t(op[3].imm) & 31;
              y = Val::k(r ? (v >> r) | (v << (32 - r)) : v);
            } else {
              y = {};
            }
          }
        } else if (n == 2 && op[0].type == ARM_OP_REG) {
          x = regval(op[0].reg);
          y = op[1].type == ARM_OP_IMM ? Val::k(uint64_t(uint32_t(op[1].imm)))
              : op[1].type == ARM_OP_REG ? regval(op[1].reg) : Val{};
        }
        if (x.kind == Val::konst && y.kind == Val::konst) {
          uint32_t v = insn.id == ARM_INS_ADD ? uint32_t(x.v + y.v) : uint32_t(x.v - y.v);
          if (dst() == 15) return;
          set(dst(), Val::k(v));
          note_value(get(dst()), insn.address);
        } else {
          set(dst(), {});
        }
        return;
      }
      case ARM_INS_ADR:
        if (n >= 2 && op[1].type == ARM_OP_IMM) {
          set(dst(), Val::k(uint32_t((pc & ~3ull) + op[1].imm)));
          note_value(get(dst()), insn.address);
        }
        return;
      case ARM_INS_MOV:
      case ARM_INS_MOVW:
        if (n >= 2 && op[1].type == ARM_OP_IMM) {
          set(dst(), Val::k(uint32_t(op[1].imm)));
        } else if (n >= 2 && op[1].type == ARM_OP_REG && op[1].shift.type == ARM_SFT_INVALID) {
          set(dst(), regval(op[1].reg));
        } else {
          set(dst(), {});
        }
        return;
      case ARM_INS_MOVT:
        if (n >= 2 && op[1].type == ARM_OP_IMM) {
          Val v = get(dst());
          if (v.kind == Val::konst) {
            set(dst(), Val::k((v.v & 0xffff) | (uint64_t(op[1].imm & 0xffff) << 16)));
            note_value(get(dst()), insn.address);
          } else {
            set(dst(), {});
          }
        }
        return;
      case ARM_INS_STR: case ARM_INS_STRB: case ARM_INS_STRH: {
        if (n < 2 || op[0].type != ARM_OP_REG || op[1].type != ARM_OP_MEM) return;
        int base = canon_arm(op[1].mem.base);
        if (base != 13 && base != 11 && base != 7) return;
        if (op[1].mem.index != ARM_REG_INVALID) return;
        unsigned w = insn.id == ARM_INS_STRB ? 1 : insn.id == ARM_INS_STRH ? 2 : 4;
        Val v = regval(op[0].reg);
        if (v.kind == Val::konst) {
          stack_store(base, disp(op[1]), v.v, w);
        } else {
          for (unsigned i = 0; i < w; ++i) stack_.erase({base, disp(op[1]) + int64_t(i)});
        }
        return;
      }
      case ARM_INS_SVC: {
        Val nr = get(7);
        record_syscall(nr.kind == Val::konst ? int64_t(nr.v) : -1, insn.address);
        return;
      }
      case ARM_INS_BL:
      case ARM_INS_BLX:
        if (n >= 1 && op[0].type == ARM_OP_IMM) {
          bool target_thumb = insn.id == ARM_INS_BLX ? !thumb : thumb;
          call_to(uint64_t(uint32_t(op[0].imm)), target_thumb, insn.address);
        } else if (n >= 1 && op[0].type == ARM_OP_REG) {
          indirect(get(canon_arm(op[0].reg)), insn.address);
        }
        clobber_call();
        return;
      case ARM_INS_BX:
        if (n >= 1 && op[0].type == ARM_OP_REG && op[0].reg != ARM_REG_LR) indirect(get(canon_arm(op[0].reg)), insn.address);
        if (in_stub_) stop_ = true;
        return;
      case ARM_INS_B:
        if (a.cc == ARM_CC_AL || a.cc == ARM_CC_INVALID) {
          if (n >= 1 && op[0].type == ARM_OP_IMM && !in_function(uint64_t(uint32_t(op[0].imm))))
            call_to(uint64_t(uint32_t(op[0].imm)), thumb, insn.address);
          if (in_stub_) stop_ = true;
        }
        return;
      default:
        break;
    }
    if (n > 0 && op[0].type == ARM_OP_REG && !is_store_or_compare(insn.mnemonic)) set(dst(), {});
  }

  // ---------------- x86 and x86_64 ----------------
  void step_x86(const cs_insn& insn) {
    const cs_x86& x = insn.detail->x86;
    const cs_x86_op* op = x.operands;
    const int n = x.op_count;
    const uint64_t next = insn.address + insn.size;
    auto dst = [&]() { return n > 0 && op[0].type == X86_OP_REG ? canon_x86(op[0].reg) : -1; };
    auto mem_addr = [&](const cs_x86_op& o) -> std::optional<uint64_t> {
      if (o.mem.index != X86_REG_INVALID || o.mem.segment != X86_REG_INVALID) return std::nullopt;
      if (o.mem.base == X86_REG_RIP) return next + o.mem.disp;
      if (o.mem.base == X86_REG_INVALID) return uint64_t(o.mem.disp) & (ptr_ == 4 ? 0xffffffffull : ~0ull);
      Val b = get(canon_x86(o.mem.base));
      if (b.kind == Val::konst) return uint64_t(b.v + o.mem.disp) & (ptr_ == 4 ? 0xffffffffull : ~0ull);
      return std::nullopt;
    };
    auto operand_val = [&](const cs_x86_op& o) -> Val {
      if (o.type == X86_OP_IMM) return Val::k(uint64_t(o.imm) & (o.size == 8 ? ~0ull : (1ull << (8 * o.size)) - 1));
      if (o.type == X86_OP_REG) return get(canon_x86(o.reg));
      if (o.type == X86_OP_MEM) {
        if (auto a = mem_addr(o)) return load(*a, o.size);
        if (o.mem.index == X86_REG_INVALID && o.mem.base != X86_REG_INVALID) return {Val::slot, uint64_t(o.mem.disp), nullptr};
      }
      return {};
    };
    switch (insn.id) {
      case X86_INS_MOV:
      case X86_INS_MOVABS:
        if (n < 2) return;
        if (op[0].type == X86_OP_REG) {
          Val v = operand_val(op[1]);
          set(dst(), v);
          if (op[1].type == X86_OP_MEM) note_value(v, insn.address);
        } else if (op[0].type == X86_OP_MEM && op[0].mem.index == X86_REG_INVALID) {
          int base = canon_x86(op[0].mem.base);
          Val v = operand_val(op[1]);
          if (ptr_ == 4 && base == kX86Sp) esp_slots_[op[0].mem.disp] = v;
          if (base == kX86Sp || base == kX86Bp) {
            if (v.kind == Val::konst) {
              stack_store(base, op[0].mem.disp, v.v, op[0].size);
            } else {
              for (unsigned i = 0; i < op[0].size; ++i) stack_.erase({base, op[0].mem.disp + int64_t(i)});
            }
          }
        }
        return;
      case X86_INS_LEA:
        if (n >= 2 && op[1].type == X86_OP_MEM) {
          auto a = mem_addr(op[1]);
          set(dst(), a ? Val::k(*a) : Val{});
          if (a) note_value(get(dst()), insn.address);
        }
        return;
      case X86_INS_ADD:
      case X86_INS_SUB:
        if (n >= 2 && op[0].type == X86_OP_REG && op[1].type == X86_OP_IMM) {
          Val v = get(dst());
          if (v.kind == Val::konst) {
            v.v = insn.id == X86_INS_ADD ? v.v + op[1].imm : v.v - op[1].imm;
            if (ptr_ == 4 || op[0].size == 4) v.v &= 0xffffffffu;
            set(dst(), v);
            note_value(v, insn.address);
            return;
          }
        }
        break;
      case X86_INS_XOR:
        if (n >= 2 && op[0].type == X86_OP_REG && op[1].type == X86_OP_REG && op[0].reg == op[1].reg) {
          set(dst(), Val::k(0));
          return;
        }
        break;
      case X86_INS_POP:
        if (n >= 1 && op[0].type == X86_OP_REG) {
          set(dst(), pushes_.empty() ? Val{} : pushes_.back());
          if (!pushes_.empty()) pushes_.pop_back();
        }
        return;
      case X86_INS_PUSH:
        if (n >= 1 && pushes_.size() < 64) pushes_.push_back(operand_val(op[0]));
        return;
      case X86_INS_SYSCALL: {
        Val nr = get(0);
        record_syscall(nr.kind == Val::konst ? int64_t(nr.v & 0xffffffffu) : -1, insn.address);
        clobber_call();
        return;
      }
      case X86_INS_INT:
        if (n >= 1 && op[0].type == X86_OP_IMM && op[0].imm == 0x80) {
          Val nr = get(0);
          record_syscall(nr.kind == Val::konst ? int64_t(nr.v & 0xffffffffu) : -1, insn.address);
        }
        return;
      case X86_INS_CALL:
      case X86_INS_JMP: {
        bool is_call = insn.id == X86_INS_CALL;
        if (n >= 1 && op[0].type == X86_OP_IMM) {
          uint64_t target = uint64_t(op[0].imm);
          if (is_call) {
            if (int r = pc_thunk_register(target); r >= 0) {  // __x86.get_pc_thunk.<reg>
              set(r, Val::k(next));
              return;
            }
            if (target == next) {  // "call 1f; 1: pop reg": the address of the next instruction
              if (pushes_.size() < 64) pushes_.push_back(Val::k(next));
              return;
            }
            call_to(target, false, insn.address);
          } else if (!in_function(target)) {
            call_to(target, false, insn.address);
            if (in_stub_) stop_ = true;
          }
        } else if (n >= 1) {
          Val v = operand_val(op[0]);
          if (op[0].type == X86_OP_MEM && op[0].mem.index == X86_REG_INVALID && v.kind != Val::sym &&
              !mem_addr(op[0]))
            v = {Val::slot, uint64_t(op[0].mem.disp), nullptr};
          indirect(v, insn.address);
          if (!is_call && in_stub_) stop_ = true;
        }
        if (is_call) {
          clobber_call();
          esp_slots_.clear();
        }
        return;
      }
      default:
        break;
    }
    if (n > 0 && op[0].type == X86_OP_REG && (op[0].access & CS_AC_WRITE)) set(dst(), {});
  }

  // `mov reg, [esp]; ret` at target: returns the register's index, else -1.
  int pc_thunk_register(uint64_t target) {
    auto b = in_.layout->at(in_.file, target, 4);
    if (!b || (*b)[0] != 0x8b || (*b)[2] != 0x24 || (*b)[3] != 0xc3) return -1;
    uint8_t modrm = (*b)[1];
    if ((modrm & 0xc7) != 0x04) return -1;
    static const int regs[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    return regs[(modrm >> 3) & 7];
  }

  bool in_function(uint64_t addr) const { return addr >= fn_.address && addr < fn_.address + fn_.size; }

  static bool is_store_or_compare(const char* m) {
    return !std::strncmp(m, "st", 2) || !std::strncmp(m, "cmp", 3) || !std::strncmp(m, "cmn", 3) ||
           !std::strncmp(m, "tst", 3) || !std::strncmp(m, "teq", 3) || !std::strncmp(m, "cb", 2) ||
           !std::strncmp(m, "tb", 2) || !std::strncmp(m, "prfm", 4) || !std::strncmp(m, "push", 4) ||
           !std::strncmp(m, "b", 1);
  }

  const CodeInput& in_;
  const ElfScanLimits& lim_;
  ElfScan& out_;
  Isa isa_ = Isa::arm64;
  bool supported_ = true;
  unsigned ptr_ = 8;
  std::unique_ptr<Capstone> a64_, arm_, thumb_, x86_;
  std::set<uint64_t> starts_;
  std::unordered_map<uint64_t, const std::string*> stubs_;

  ElfFunction fn_;
  std::unordered_set<std::string> seen_strings_;
  std::array<Val, kRegs> regs_{};
  std::map<std::pair<int, int64_t>, uint8_t> stack_;
  std::map<int64_t, Val> esp_slots_;
  std::vector<Val> pushes_;
  std::set<uint64_t> literals_;
  bool stop_ = false, in_stub_ = false;
  const std::string* stub_hit_ = nullptr;
};

}  // namespace

bool looks_like_text(std::string_view s, size_t min_len) {
  if (s.size() < min_len) return false;
  size_t letters = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // a well-formed UTF-8 sequence, or not text
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) return false;
      i += n - 1;
      continue;
    }
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c < 0x20 || c == 0x7f) return false;
    if (std::isalnum(c)) ++letters;
  }
  return letters * 2 >= s.size() || letters >= 4;
}

void scan_code(const CodeInput& in, const ElfScanLimits& limits, ElfScan& out) {
  Scanner s(in, limits, out);
  s.run();
}

}  // namespace apkvet
