// The canaries planted on a test device (DEVICE.json, documented in docs/traffic.md): every value
// that must not leave the phone, each with the identifier type the report names.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace apkvet::traffic {

struct Canary {
  std::string type;   // "imei", "imsi", "iccid", "phone_number", "android_id", "wifi_mac", "contact_name", ...
  std::string value;  // as planted on the device
  // Extra spellings the same value takes on the wire (phone with/without country code, MAC with/without
  // colons, ...). Each is encoded like the value itself; the first is `value`.
  std::vector<std::string> spellings;
  bool numeric = false;  // digits only: matches need non-digit neighbours
};

struct GpsCanary {
  double lat = 0, lon = 0, tolerance_m = 100;
};

struct DeviceProfile {
  std::string name;  // "device" field, for the report
  std::vector<Canary> canaries;
  std::optional<GpsCanary> gps;
};

// Parses DEVICE.json; throws std::runtime_error naming the bad field.
DeviceProfile parse_device_profile(const std::string& json_text);
DeviceProfile load_device_profile(const std::string& path);

// What kind of data an identifier type is ("device", "subscriber", "account", "contacts", "location",
// "app_inventory"), for rules and the report.
std::string identifier_category(const std::string& type);

}  // namespace apkvet::traffic
