#include "traffic/device_profile.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "facts/evidence.h"

namespace apkvet::traffic {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string digits_only(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  return out;
}
bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

Canary make(const std::string& type, const std::string& value) {
  Canary c;
  c.type = type;
  c.value = value;
  c.spellings.push_back(value);
  c.numeric = all_digits(value);
  return c;
}

// A MAC travels as aa:bb:.., AA:BB:.., aabb.., AABB.. or aa-bb-..; hashes are taken over each.
Canary make_mac(const std::string& type, const std::string& value) {
  Canary c = make(type, lower(value));
  std::string bare;
  for (char ch : c.value)
    if (std::isxdigit(static_cast<unsigned char>(ch))) bare += ch;
  if (bare.size() != 12) throw std::runtime_error(type + ": not a MAC address: " + value);
  std::string colons, dashes;
  for (size_t i = 0; i < 12; i += 2) {
    if (i) colons += ':', dashes += '-';
    colons += bare.substr(i, 2);
    dashes += bare.substr(i, 2);
  }
  c.value = colons;
  c.spellings = {colons};
  add_unique(c.spellings, upper(colons));
  add_unique(c.spellings, bare);
  add_unique(c.spellings, upper(bare));
  add_unique(c.spellings, dashes);
  add_unique(c.spellings, upper(dashes));
  return c;
}

// Case variants matter only for hashes (the plain match is case-insensitive).
Canary make_cased(const std::string& type, const std::string& value) {
  Canary c = make(type, value);
  add_unique(c.spellings, lower(value));
  add_unique(c.spellings, upper(value));
  return c;
}

// A phone number is sent as +CCNNN, CCNNN, 00CCNNN or the national number NNN (with or without the
// trunk 0). `number` may be given with or without the country code.
Canary make_phone(const std::string& type, const std::string& number, const std::string& country_code) {
  std::string cc = digits_only(country_code);
  std::string n = digits_only(number);
  if (n.empty()) throw std::runtime_error(type + ": no digits in " + number);
  std::string national = n;
  if (!cc.empty() && (number.rfind("+", 0) == 0 || number.rfind("00", 0) == 0)) {
    if (number.rfind("00", 0) == 0) n = n.substr(2);
    if (n.rfind(cc, 0) == 0) national = n.substr(cc.size());
  }
  if (national.rfind("0", 0) == 0) national = national.substr(1);
  Canary c;
  c.type = type;
  c.numeric = true;
  if (!cc.empty()) {
    c.value = "+" + cc + national;
    c.spellings = {c.value, cc + national, "00" + cc + national};
  } else {
    c.value = national;
  }
  add_unique(c.spellings, national);
  add_unique(c.spellings, "0" + national);
  return c;
}

std::vector<std::string> strings_of(const Json& v, const std::string& field) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  else if (v.is_array()) {
    for (const auto& x : v) {
      if (!x.is_string()) throw std::runtime_error(field + ": expected strings");
      out.push_back(x.get<std::string>());
    }
  } else if (!v.is_null()) throw std::runtime_error(field + ": expected a string or a list of strings");
  return out;
}

}  // namespace

DeviceProfile parse_device_profile(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("device profile: not a JSON object");
  DeviceProfile p;
  p.name = j.value("device", "");
  std::string cc = j.contains("country_code") && j["country_code"].is_string() ? j["country_code"].get<std::string>() : "";

  static const std::set<std::string> kKnown = {
      "device", "country_code", "imei", "meid", "imsi", "iccid", "sim_serial", "phone_number", "android_id",
      "advertising_id", "serial", "wifi_mac", "bluetooth_mac", "accounts", "contacts", "gps", "installed_packages"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKnown.count(it.key())) throw std::runtime_error("device profile: unknown field '" + it.key() + "'");

  auto field = [&](const char* k) { return j.contains(k) ? strings_of(j[k], k) : std::vector<std::string>{}; };
  for (const auto& v : field("imei")) p.canaries.push_back(make("imei", v));
  for (const auto& v : field("meid")) p.canaries.push_back(make_cased("meid", v));
  for (const auto& v : field("imsi")) p.canaries.push_back(make("imsi", v));
  for (const auto& v : field("iccid")) p.canaries.push_back(make("iccid", v));
  for (const auto& v : field("sim_serial")) p.canaries.push_back(make("iccid", v));
  for (const auto& v : field("phone_number")) p.canaries.push_back(make_phone("phone_number", v, cc));
  for (const auto& v : field("android_id")) p.canaries.push_back(make_cased("android_id", v));
  for (const auto& v : field("advertising_id")) {
    Canary c = make_cased("advertising_id", lower(v));
    std::string bare;
    for (char ch : c.value)
      if (ch != '-') bare += ch;
    add_unique(c.spellings, bare);
    add_unique(c.spellings, upper(bare));
    p.canaries.push_back(c);
  }
  for (const auto& v : field("serial")) p.canaries.push_back(make_cased("serial", v));
  for (const auto& v : field("wifi_mac")) p.canaries.push_back(make_mac("wifi_mac", v));
  for (const auto& v : field("bluetooth_mac")) p.canaries.push_back(make_mac("bluetooth_mac", v));
  for (const auto& v : field("accounts")) p.canaries.push_back(make_cased("account_email", v));
  for (const auto& v : field("installed_packages")) p.canaries.push_back(make("installed_package", v));
  if (j.contains("contacts")) {
    if (!j["contacts"].is_array()) throw std::runtime_error("contacts: expected a list");
    for (const auto& c : j["contacts"]) {
      if (!c.is_object()) throw std::runtime_error("contacts: expected objects {name, numbers, emails}");
      for (const auto& v : strings_of(c.value("name", Json()), "contacts.name")) p.canaries.push_back(make("contact_name", v));
      for (const auto& v : strings_of(c.value("numbers", Json()), "contacts.numbers"))
        p.canaries.push_back(make_phone("contact_number", v, cc));
      for (const auto& v : strings_of(c.value("emails", Json()), "contacts.emails"))
        p.canaries.push_back(make_cased("contact_email", v));
    }
  }
  if (j.contains("gps")) {
    const Json& g = j["gps"];
    if (!g.is_object() || !g.contains("lat") || !g.contains("lon") || !g["lat"].is_number() || !g["lon"].is_number())
      throw std::runtime_error("gps: expected {lat, lon, tolerance_m}");
    GpsCanary gc;
    gc.lat = g["lat"].get<double>();
    gc.lon = g["lon"].get<double>();
    if (g.contains("tolerance_m") && g["tolerance_m"].is_number()) gc.tolerance_m = g["tolerance_m"].get<double>();
    p.gps = gc;
  }
  for (const auto& c : p.canaries)
    for (const auto& s : c.spellings)
      if (s.size() < 6)  // shorter values would match by chance everywhere
        throw std::runtime_error(c.type + ": value '" + s + "' is too short to be a canary (min 6 characters)");
  return p;
}

DeviceProfile load_device_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_device_profile(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string identifier_category(const std::string& type) {
  if (type == "imei" || type == "meid" || type == "serial" || type == "wifi_mac" || type == "bluetooth_mac" ||
      type == "android_id" || type == "advertising_id")
    return "device";
  if (type == "imsi" || type == "iccid" || type == "phone_number") return "subscriber";
  if (type == "account_email") return "account";
  if (type.rfind("contact_", 0) == 0) return "contacts";
  if (type == "gps") return "location";
  if (type == "installed_package") return "app_inventory";
  return "other";
}

}  // namespace apkvet::traffic
