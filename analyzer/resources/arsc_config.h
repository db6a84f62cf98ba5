// ResTable_config: the qualifiers of one resource configuration (locale, density, sdk, ...), how a
// request selects among them (match / is_better_than, after AOSP ResourceTypes.cpp) and aapt's names.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/byte_reader.h"

namespace apkvet {

struct ResConfig {
  uint32_t size = 0;  // as declared in the file
  uint16_t mcc = 0, mnc = 0;
  char language[2] = {}, country[2] = {};
  uint8_t orientation = 0, touchscreen = 0;
  uint16_t density = 0;
  uint8_t keyboard = 0, navigation = 0, input_flags = 0, grammatical_inflection = 0;  // gender: Android 14
  uint16_t screen_width = 0, screen_height = 0;
  uint16_t sdk_version = 0, minor_version = 0;
  uint8_t screen_layout = 0, ui_mode = 0;
  uint16_t smallest_screen_width_dp = 0;
  uint16_t screen_width_dp = 0, screen_height_dp = 0;
  char locale_script[4] = {};
  char locale_variant[8] = {};
  uint8_t screen_layout2 = 0, color_mode = 0;
  bool locale_script_was_computed = false;
  char locale_numbering_system[8] = {};
  bool unknown_fields = false;  // bytes past the fields known here are not all zero

  static constexpr size_t kKnownSize = 64;
  static constexpr uint16_t kDensityAny = 0xfffe, kDensityNone = 0xffff, kDensityMedium = 160;
  static constexpr uint8_t kOrientationPort = 1;
  static constexpr uint8_t kScreenSizeNormal = 0x02;

  // Reads a config whose `size` field is at `at`; fields past a short size are zero.
  static ResConfig read(const ByteReader& r, size_t at);

  // The request `aapt dump badging` makes for its default (locale-less) values: portrait, mdpi,
  // sdk 10000, 320x480dp, sw320dp, normal screen. string_value() and file_path() resolve with it.
  static ResConfig aapt_default();

  // Sets the locale from a BCP 47 tag ("fr", "fr-CA", "sr-Latn", "es-419"; "" clears it), as
  // ResTable_config::setBcp47Locale does for the parts used here (language, script, region).
  void set_locale(std::string_view tag);

  bool has_locale() const { return language[0] != 0; }
  bool is_default() const;  // no qualifier at all

  // Whether a resource in this configuration may be used for `request` (ResTable_config::match).
  bool match(const ResConfig& request) const;
  // Whether this configuration is a better choice than `other` for `request` (both matching).
  bool is_better_than(const ResConfig& other, const ResConfig& request) const;

  // aapt's qualifier string ("fr-rFR-hdpi-v4"; "" for the default), as `aapt dump resources` prints.
  std::string to_string() const;
  // BCP 47 tag of the locale ("fr-FR", "sr-Latn", "" for none).
  std::string locale_tag() const;

 private:
  uint32_t imsi() const { return uint32_t(mcc) | uint32_t(mnc) << 16; }
  bool screen_type() const { return orientation || touchscreen || density; }
  bool input() const { return keyboard || navigation || input_flags; }
  bool screen_size() const { return screen_width || screen_height; }
  bool version() const { return sdk_version || minor_version; }
  bool screen_config() const { return screen_layout || ui_mode || smallest_screen_width_dp; }
  bool screen_size_dp() const { return screen_width_dp || screen_height_dp; }
  bool screen_config2() const { return screen_layout2 || color_mode; }
  bool locale_better_than(const ResConfig& o, const ResConfig& request) const;
};

}  // namespace apkvet
