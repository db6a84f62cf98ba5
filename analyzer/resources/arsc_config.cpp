#include "resources/arsc_config.h"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace apkvet {
namespace {

constexpr uint8_t kMaskKeysHidden = 0x03, kMaskNavHidden = 0x0c;
constexpr uint8_t kMaskScreenSize = 0x0f, kMaskScreenLong = 0x30, kMaskLayoutDir = 0xc0;
constexpr uint8_t kMaskUiModeType = 0x0f, kMaskUiModeNight = 0x30;
constexpr uint8_t kMaskScreenRound = 0x03, kMaskWideColorGamut = 0x03, kMaskHdr = 0x0c;

bool same2(const char a[2], const char b[2]) { return a[0] == b[0] && a[1] == b[1]; }

// 2-letter codes, or the packed 3-letter form (high bit set) with `base` 'a' (language) or '0' (region).
std::string unpack(const char in[2], char base) {
  auto b0 = uint8_t(in[0]), b1 = uint8_t(in[1]);
  if (b0 & 0x80) {
    std::string s(3, ' ');
    s[0] = char(base + (b1 & 0x1f));
    s[1] = char(base + (((b1 & 0xe0) >> 5) | ((b0 & 0x03) << 3)));
    s[2] = char(base + ((b0 & 0x7c) >> 2));
    return s;
  }
  if (!b0) return "";
  return b1 ? std::string{in[0], in[1]} : std::string{in[0]};
}

// packLanguageOrRegion: two letters as they are, three in the 15-bit packed form.
void pack(char out[2], std::string_view in, char base) {
  if (in.size() < 3) {
    out[0] = in.size() > 0 ? in[0] : 0;
    out[1] = in.size() > 1 ? in[1] : 0;
    return;
  }
  uint8_t first = (in[0] - base) & 0x7f, second = (in[1] - base) & 0x7f, third = (in[2] - base) & 0x7f;
  out[0] = char(0x80 | (third << 2) | (second >> 3));
  out[1] = char((second << 5) | first);
}

std::string fixed(const char* s, size_t n) { return std::string(s, strnlen(s, n)); }

void add(std::string& out, const std::string& part) {
  if (!out.empty()) out += '-';
  out += part;
}

std::string fmt(const char* f, int v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

ResConfig ResConfig::read(const ByteReader& r, size_t at) {
  ResConfig c;
  c.size = r.u32_at(at);
  // Copy what the file declares (at most our size); the rest stays zero, as copyFromDtoH does.
  uint8_t raw[kKnownSize] = {};
  size_t n = c.size < kKnownSize ? c.size : kKnownSize;
  Bytes src = r.view_at(at, n);
  std::memcpy(raw, src.data(), n);
  if (c.size > kKnownSize) {
    for (uint8_t b : r.view_at(at + kKnownSize, c.size - kKnownSize)) c.unknown_fields |= b != 0;
  }
  auto u16 = [&](size_t o) { return uint16_t(raw[o] | raw[o + 1] << 8); };
  c.mcc = u16(4);
  c.mnc = u16(6);
  std::memcpy(c.language, raw + 8, 2);
  std::memcpy(c.country, raw + 10, 2);
  c.orientation = raw[12];
  c.touchscreen = raw[13];
  c.density = u16(14);
  c.keyboard = raw[16];
  c.navigation = raw[17];
  c.input_flags = raw[18];
  c.grammatical_inflection = raw[19];
  c.screen_width = u16(20);
  c.screen_height = u16(22);
  c.sdk_version = u16(24);
  c.minor_version = u16(26);
  c.screen_layout = raw[28];
  c.ui_mode = raw[29];
  c.smallest_screen_width_dp = u16(30);
  c.screen_width_dp = u16(32);
  c.screen_height_dp = u16(34);
  std::memcpy(c.locale_script, raw + 36, 4);
  std::memcpy(c.locale_variant, raw + 40, 8);
  c.screen_layout2 = raw[48];
  c.color_mode = raw[49];
  c.locale_script_was_computed = raw[52] != 0;
  std::memcpy(c.locale_numbering_system, raw + 53, 8);
  return c;
}

void ResConfig::set_locale(std::string_view tag) {
  std::memset(language, 0, 2);
  std::memset(country, 0, 2);
  std::memset(locale_script, 0, 4);
  std::memset(locale_variant, 0, 8);
  std::memset(locale_numbering_system, 0, 8);
  locale_script_was_computed = false;
  size_t part = 0;
  while (!tag.empty()) {
    size_t dash = tag.find_first_of("-_");
    std::string_view p = tag.substr(0, dash);
    tag = dash == std::string_view::npos ? std::string_view() : tag.substr(dash + 1);
    std::string v(p);
    if (part++ == 0) {
      for (char& c : v) c = char(std::tolower(static_cast<unsigned char>(c)));
      pack(language, v, 'a');
    } else if (v.size() == 4 && std::isalpha(static_cast<unsigned char>(v[0]))) {
      v[0] = char(std::toupper(static_cast<unsigned char>(v[0])));
      for (size_t i = 1; i < 4; ++i) v[i] = char(std::tolower(static_cast<unsigned char>(v[i])));
      std::memcpy(locale_script, v.data(), 4);
    } else if (v.size() == 2 || (v.size() == 3 && std::isdigit(static_cast<unsigned char>(v[0])))) {
      for (char& c : v) c = char(std::toupper(static_cast<unsigned char>(c)));
      pack(country, v, '0');
    } else if (v.size() >= 5 && v.size() <= 8) {
      std::memcpy(locale_variant, v.data(), v.size());
    }
  }
}

ResConfig ResConfig::aapt_default() {
  ResConfig c;
  c.size = kKnownSize;
  c.orientation = kOrientationPort;
  c.density = kDensityMedium;
  c.sdk_version = 10000;
  c.screen_width_dp = 320;
  c.screen_height_dp = 480;
  c.smallest_screen_width_dp = 320;
  c.screen_layout = kScreenSizeNormal;
  return c;
}

bool ResConfig::is_default() const {
  return !imsi() && !language[0] && !country[0] && !screen_type() && !input() && !grammatical_inflection && !screen_size() && !version() &&
         !screen_config() && !screen_size_dp() && !locale_script[0] && !locale_variant[0] && !screen_config2() &&
         !locale_numbering_system[0];
}

bool ResConfig::match(const ResConfig& s) const {
  if (imsi()) {
    if (mcc && mcc != s.mcc) return false;
    if (mnc && mnc != s.mnc) return false;
  }
  if (language[0] || country[0]) {
    // Android compares scripts when it can compute them (CLDR likely-script data); without that data
    // we use its fallback rule: the language must be equal and a given country must be equal.
    if (!same2(language, s.language)) return false;
    if (country[0] && !same2(country, s.country)) return false;
    bool script = locale_script[0] && !locale_script_was_computed;
    bool wanted = s.locale_script[0] && !s.locale_script_was_computed;
    if (script && wanted && std::memcmp(locale_script, s.locale_script, 4) != 0) return false;
  }
  if (grammatical_inflection && grammatical_inflection != s.grammatical_inflection) return false;
  if (screen_type()) {
    if (orientation && orientation != s.orientation) return false;
    if (touchscreen && touchscreen != s.touchscreen) return false;  // density always matches: it scales
  }
  if (input()) {
    int kh = input_flags & kMaskKeysHidden, skh = s.input_flags & kMaskKeysHidden;
    if (kh && kh != skh && !(kh == 1 && skh == 3)) return false;  // KEYSHIDDEN_NO also matches SOFT
    int nh = input_flags & kMaskNavHidden, snh = s.input_flags & kMaskNavHidden;
    if (nh && nh != snh) return false;
    if (keyboard && keyboard != s.keyboard) return false;
    if (navigation && navigation != s.navigation) return false;
  }
  if (screen_size()) {
    if (screen_width && screen_width > s.screen_width) return false;
    if (screen_height && screen_height > s.screen_height) return false;
  }
  if (screen_size_dp()) {
    if (screen_width_dp && screen_width_dp > s.screen_width_dp) return false;
    if (screen_height_dp && screen_height_dp > s.screen_height_dp) return false;
  }
  if (screen_config()) {
    int dir = screen_layout & kMaskLayoutDir, sdir = s.screen_layout & kMaskLayoutDir;
    if (dir && dir != sdir) return false;
    int sz = screen_layout & kMaskScreenSize, ssz = s.screen_layout & kMaskScreenSize;
    if (sz && sz > ssz) return false;
    int lg = screen_layout & kMaskScreenLong, slg = s.screen_layout & kMaskScreenLong;
    if (lg && lg != slg) return false;
    int ut = ui_mode & kMaskUiModeType, sut = s.ui_mode & kMaskUiModeType;
    if (ut && ut != sut) return false;
    int un = ui_mode & kMaskUiModeNight, sun = s.ui_mode & kMaskUiModeNight;
    if (un && un != sun) return false;
    if (smallest_screen_width_dp && smallest_screen_width_dp > s.smallest_screen_width_dp) return false;
  }
  if (screen_config2()) {
    int rd = screen_layout2 & kMaskScreenRound, srd = s.screen_layout2 & kMaskScreenRound;
    if (rd && rd != srd) return false;
    int hdr = color_mode & kMaskHdr, shdr = s.color_mode & kMaskHdr;
    if (hdr && hdr != shdr) return false;
    int wcg = color_mode & kMaskWideColorGamut, swcg = s.color_mode & kMaskWideColorGamut;
    if (wcg && wcg != swcg) return false;
  }
  if (version()) {
    if (sdk_version && sdk_version > s.sdk_version) return false;
    if (minor_version && minor_version != s.minor_version) return false;
  }
  return true;
}

bool ResConfig::locale_better_than(const ResConfig& o, const ResConfig& r) const {
  if (!r.language[0] && !r.locale_script[0] && !r.locale_variant[0]) return false;
  if (!language[0] && !o.language[0]) return false;
  if (!same2(language, o.language)) return language[0] != 0;  // both match: the one with a language is closer
  if (std::memcmp(locale_script, o.locale_script, 4) != 0 && r.locale_script[0]) {
    if (std::memcmp(locale_script, r.locale_script, 4) == 0) return true;
    if (std::memcmp(o.locale_script, r.locale_script, 4) == 0) return false;
  }
  if (!same2(country, o.country)) {
    if (same2(country, r.country)) return true;
    if (same2(o.country, r.country)) return false;
    return country[0] == 0;
  }
  if (std::memcmp(locale_variant, o.locale_variant, 8) != 0) {
    if (std::memcmp(locale_variant, r.locale_variant, 8) == 0) return true;
    if (std::memcmp(o.locale_variant, r.locale_variant, 8) == 0) return false;
  }
  return false;
}

bool ResConfig::is_better_than(const ResConfig& o, const ResConfig& r) const {
  if (imsi() || o.imsi()) {
    if (mcc != o.mcc && r.mcc) return mcc;
    if (mnc != o.mnc && r.mnc) return mnc;
  }
  if (locale_better_than(o, r)) return true;
  if (o.locale_better_than(*this, r)) return false;
  if (grammatical_inflection != o.grammatical_inflection && r.grammatical_inflection) return grammatical_inflection;
  if ((screen_layout || o.screen_layout) && ((screen_layout ^ o.screen_layout) & kMaskLayoutDir) &&
      (r.screen_layout & kMaskLayoutDir))
    return (screen_layout & kMaskLayoutDir) > (o.screen_layout & kMaskLayoutDir);
  if ((smallest_screen_width_dp || o.smallest_screen_width_dp) && smallest_screen_width_dp != o.smallest_screen_width_dp)
    return smallest_screen_width_dp > o.smallest_screen_width_dp;
  if (screen_size_dp() || o.screen_size_dp()) {
    int mine = 0, other = 0;
    if (r.screen_width_dp) mine += r.screen_width_dp - screen_width_dp, other += r.screen_width_dp - o.screen_width_dp;
    if (r.screen_height_dp)
      mine += r.screen_height_dp - screen_height_dp, other += r.screen_height_dp - o.screen_height_dp;
    if (mine != other) return mine < other;
  }
  if (screen_layout || o.screen_layout) {
    if (((screen_layout ^ o.screen_layout) & kMaskScreenSize) && (r.screen_layout & kMaskScreenSize)) {
      int my = screen_layout & kMaskScreenSize, os = o.screen_layout & kMaskScreenSize;
      int fmy = my, fos = os;
      if ((r.screen_layout & kMaskScreenSize) >= kScreenSizeNormal) {
        if (!fmy) fmy = kScreenSizeNormal;  // undefined counts as normal
        if (!fos) fos = kScreenSizeNormal;
      }
      if (fmy == fos) return my != 0;
      return fmy > fos;
    }
    if (((screen_layout ^ o.screen_layout) & kMaskScreenLong) && (r.screen_layout & kMaskScreenLong))
      return screen_layout & kMaskScreenLong;
  }
  if ((screen_layout2 || o.screen_layout2) && ((screen_layout2 ^ o.screen_layout2) & kMaskScreenRound) &&
      (r.screen_layout2 & kMaskScreenRound))
    return screen_layout2 & kMaskScreenRound;
  if (color_mode || o.color_mode) {
    if (((color_mode ^ o.color_mode) & kMaskHdr) && (r.color_mode & kMaskHdr)) return color_mode & kMaskHdr;
    if (((color_mode ^ o.color_mode) & kMaskWideColorGamut) && (r.color_mode & kMaskWideColorGamut))
      return color_mode & kMaskWideColorGamut;
  }
  if (ui_mode || o.ui_mode) {
    if (((ui_mode ^ o.ui_mode) & kMaskUiModeType) && (r.ui_mode & kMaskUiModeType)) return ui_mode & kMaskUiModeType;
    if (((ui_mode ^ o.ui_mode) & kMaskUiModeNight) && (r.ui_mode & kMaskUiModeNight))
      return ui_mode & kMaskUiModeNight;
  }
  if (screen_type() || o.screen_type()) {
    if (orientation != o.orientation && r.orientation) return orientation;
    if (density != o.density) {
      int mine = density ? density : kDensityMedium;
      int other = o.density ? o.density : kDensityMedium;
      if (mine == kDensityAny) return true;  // anydpi beats scaling a bucket
      if (other == kDensityAny) return false;
      int want = (r.density == 0 || r.density == kDensityAny) ? kDensityMedium : r.density;
      int h = mine, l = other;
      bool im_bigger = true;
      if (l > h) std::swap(h, l), im_bigger = false;
      if (want >= h) return im_bigger;
      if (l >= want) return !im_bigger;
      // Scaling down is considered twice as good as scaling up.
      if ((2 * l - want) * h > want * want) return !im_bigger;
      return im_bigger;
    }
    if (touchscreen != o.touchscreen && r.touchscreen) return touchscreen;
  }
  if (input() || o.input()) {
    int kh = input_flags & kMaskKeysHidden, okh = o.input_flags & kMaskKeysHidden;
    int rkh = r.input_flags & kMaskKeysHidden;
    if (kh != okh && rkh) {
      if (!kh) return false;
      if (!okh) return true;
      if (rkh == kh) return true;
      if (rkh == okh) return false;
    }
    int nh = input_flags & kMaskNavHidden, onh = o.input_flags & kMaskNavHidden;
    if (nh != onh && (r.input_flags & kMaskNavHidden)) {
      if (!nh) return false;
      if (!onh) return true;
    }
    if (keyboard != o.keyboard && r.keyboard) return keyboard;
    if (navigation != o.navigation && r.navigation) return navigation;
  }
  if (screen_size() || o.screen_size()) {
    int mine = 0, other = 0;
    if (r.screen_width) mine += r.screen_width - screen_width, other += r.screen_width - o.screen_width;
    if (r.screen_height) mine += r.screen_height - screen_height, other += r.screen_height - o.screen_height;
    if (mine != other) return mine < other;
  }
  if (version() || o.version()) {
    if (sdk_version != o.sdk_version && r.sdk_version) return sdk_version > o.sdk_version;
    if (minor_version != o.minor_version && r.minor_version) return minor_version;
  }
  return false;
}

std::string ResConfig::locale_tag() const {
  if (!language[0]) return "";
  std::string out = unpack(language, 'a');
  if (locale_script[0] && !locale_script_was_computed) out += "-" + fixed(locale_script, 4);
  if (country[0]) out += "-" + unpack(country, '0');
  if (locale_variant[0]) out += "-" + fixed(locale_variant, 8);
  return out;
}

std::string ResConfig::to_string() const {
  std::string out;
  if (mcc) add(out, fmt("mcc%d", mcc));
  if (mnc) add(out, fmt("mnc%d", mnc));
  if (language[0]) {
    bool script = locale_script[0] && !locale_script_was_computed;
    if (!script && !locale_variant[0] && !locale_numbering_system[0]) {
      std::string l = unpack(language, 'a');
      if (country[0]) l += "-r" + unpack(country, '0');
      add(out, l);
    } else {
      std::string l = "b+" + unpack(language, 'a');
      if (script) l += "+" + fixed(locale_script, 4);
      if (country[0]) l += "+" + unpack(country, '0');
      if (locale_variant[0]) l += "+" + fixed(locale_variant, 8);
      if (locale_numbering_system[0]) l += "+u+nu+" + fixed(locale_numbering_system, 8);
      add(out, l);
    }
  }
  static const char* const genders[] = {nullptr, "neuter", "feminine", "masculine"};
  if (grammatical_inflection & 3) add(out, genders[grammatical_inflection & 3]);
  switch (screen_layout & kMaskLayoutDir) {
    case 0: break;
    case 0x40: add(out, "ldltr"); break;
    case 0x80: add(out, "ldrtl"); break;
    default: add(out, fmt("layoutDir=%d", screen_layout & kMaskLayoutDir));
  }
  if (smallest_screen_width_dp) add(out, fmt("sw%ddp", smallest_screen_width_dp));
  if (screen_width_dp) add(out, fmt("w%ddp", screen_width_dp));
  if (screen_height_dp) add(out, fmt("h%ddp", screen_height_dp));
  static const char* const sizes[] = {nullptr, "small", "normal", "large", "xlarge"};
  int sz = screen_layout & kMaskScreenSize;
  if (sz) add(out, sz <= 4 ? sizes[sz] : fmt("screenLayoutSize=%d", sz));
  switch (screen_layout & kMaskScreenLong) {
    case 0: break;
    case 0x10: add(out, "notlong"); break;
    case 0x20: add(out, "long"); break;
    default: add(out, fmt("screenLayoutLong=%d", screen_layout & kMaskScreenLong));
  }
  switch (screen_layout2 & kMaskScreenRound) {
    case 0: break;
    case 1: add(out, "notround"); break;
    case 2: add(out, "round"); break;
    default: add(out, fmt("screenRound=%d", screen_layout2 & kMaskScreenRound));
  }
  switch (color_mode & kMaskWideColorGamut) {
    case 0: break;
    case 1: add(out, "nowidecg"); break;
    case 2: add(out, "widecg"); break;
    default: add(out, fmt("wideColorGamut=%d", color_mode & kMaskWideColorGamut));
  }
  switch (color_mode & kMaskHdr) {
    case 0: break;
    case 4: add(out, "lowdr"); break;
    case 8: add(out, "highdr"); break;
    default: add(out, fmt("hdr=%d", color_mode & kMaskHdr));
  }
  static const char* const orientations[] = {nullptr, "port", "land", "square"};
  if (orientation) add(out, orientation <= 3 ? orientations[orientation] : fmt("orientation=%d", orientation));
  static const char* const ui_types[] = {nullptr, nullptr, "desk", "car", "television", "appliance", "watch", "vrheadset"};
  int ut = ui_mode & kMaskUiModeType;
  if (ut) add(out, ut <= 7 && ui_types[ut] ? ui_types[ut] : fmt("uiModeType=%d", ut));
  switch (ui_mode & kMaskUiModeNight) {
    case 0: break;
    case 0x10: add(out, "notnight"); break;
    case 0x20: add(out, "night"); break;
    default: add(out, fmt("uiModeNight=%d", ui_mode & kMaskUiModeNight));
  }
  switch (density) {
    case 0: break;
    case 120: add(out, "ldpi"); break;
    case 160: add(out, "mdpi"); break;
    case 213: add(out, "tvdpi"); break;
    case 240: add(out, "hdpi"); break;
    case 320: add(out, "xhdpi"); break;
    case 480: add(out, "xxhdpi"); break;
    case 640: add(out, "xxxhdpi"); break;
    case kDensityNone: add(out, "nodpi"); break;
    case kDensityAny: add(out, "anydpi"); break;
    default: add(out, fmt("%ddpi", density));
  }
  static const char* const touch[] = {nullptr, "notouch", "stylus", "finger"};
  if (touchscreen) add(out, touchscreen <= 3 ? touch[touchscreen] : fmt("touchscreen=%d", touchscreen));
  static const char* const keys_hidden[] = {nullptr, "keysexposed", "keyshidden", "keyssoft"};
  if (input_flags & kMaskKeysHidden) add(out, keys_hidden[input_flags & kMaskKeysHidden]);
  static const char* const keyboards[] = {nullptr, "nokeys", "qwerty", "12key"};
  if (keyboard) add(out, keyboard <= 3 ? keyboards[keyboard] : fmt("keyboard=%d", keyboard));
  switch (input_flags & kMaskNavHidden) {
    case 0: break;
    case 0x04: add(out, "navexposed"); break;
    case 0x08: add(out, "navhidden"); break;
    default: add(out, fmt("inputFlagsNavHidden=%d", input_flags & kMaskNavHidden));
  }
  static const char* const navs[] = {nullptr, "nonav", "dpad", "trackball", "wheel"};
  if (navigation) add(out, navigation <= 4 ? navs[navigation] : fmt("navigation=%d", navigation));
  if (screen_size()) add(out, fmt("%d", screen_width) + "x" + fmt("%d", screen_height));
  if (version()) {
    std::string v = fmt("v%d", sdk_version);
    if (minor_version) v += fmt(".%d", minor_version);
    add(out, v);
  }
  return out;
}

}  // namespace apkvet
