#include "report/json_report.h"

#include <charconv>
#include <cstring>
#include <type_traits>
#include <utility>

#include "version.h"

namespace apkvet {

namespace {
// An analysed app's report: its facts, with the status and the judgement added.
Json ok_report(Json facts, const AppReport& r) {
  facts["status"] = "ok";
  facts["judgement"] = r.judgement;
  return facts;
}
Json error_report(const AppReport& r) {
  return Json{{"status", "error"}, {"error", r.error}, {"input", Json{{"path", r.input_path}}}};
}
}  // namespace

Json app_report_json(const AppReport& r) { return r.ok ? ok_report(r.facts, r) : error_report(r); }

Json app_report_json(AppReport&& r) { return r.ok ? ok_report(std::move(r.facts), r) : error_report(r); }

namespace {
// The scan document around its apps' reports; `Reports` is const (copied from) or not (moved from).
template <typename Reports>
Json scan_report(Reports& reports, const ReportMeta& meta) {
  Json out{{"schema", kScanSchema},
           {"schema_version", kScanSchemaVersion},
           {"tool", Json{{"name", "apkvet"}, {"version", APKVET_VERSION}}},
           {"scan_date", meta.date},
           {"rules_version", meta.rules_version}};
  if (!meta.policy.empty()) out["policy"] = meta.policy;
  Json apps = Json::array();
  for (auto& r : reports) {
    if constexpr (std::is_const_v<Reports>) apps.push_back(app_report_json(r));
    else apps.push_back(app_report_json(std::move(r)));
  }
  out["results"] = std::move(apps);
  return out;
}
}  // namespace

Json scan_report_json(const std::vector<AppReport>& reports, const ReportMeta& meta) { return scan_report(reports, meta); }

Json scan_report_json(std::vector<AppReport>&& reports, const ReportMeta& meta) { return scan_report(reports, meta); }

namespace {

// nlohmann's own writer, with the settings of every report: UTF-8 as it is, invalid UTF-8 replaced.
std::string nlohmann_dump(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

// nlohmann's dump(indent, ' ', false, replace), byte for byte, faster: the compact form (indent -1)
// is what a batch worker writes every report in (nlohmann's serializer was 3% of a corpus batch's
// CPU, mostly escaping strings byte by byte through a UTF-8 decoder), the indented one what `scan
// --format json` prints (nlohmann's was a fifth of a corpus scan's instructions). Strings of printable
// ASCII, nearly all of them, are copied as they are; any byte >= 0x80, and any number with a fraction,
// is left to nlohmann (its UTF-8 check and replacement, its float format), so the two cannot differ
// there. Layout as nlohmann's: "{}" and "[]" when empty, else one member or element per line, each
// `indent` spaces deeper than its container, and ": " after a key.
class JsonWriter {
 public:
  JsonWriter(std::string& out, int indent) : out_(out), indent_(indent) {}

  // False if it met a value whose indented form only nlohmann knows (binary); `out` is then partial.
  bool value(const Json& j, size_t depth = 0) {
    switch (j.type()) {
      case Json::value_t::object: {
        const auto& members = j.get_ref<const Json::object_t&>();
        if (members.empty()) {
          out_ += "{}";
          return true;
        }
        out_ += '{';
        bool first = true;
        for (const auto& [key, v] : members) {
          if (!first) out_ += ',';
          first = false;
          line(depth + 1);
          string(key);
          out_ += indent_ < 0 ? ":" : ": ";
          if (!value(v, depth + 1)) return false;
        }
        line(depth);
        out_ += '}';
        return true;
      }
      case Json::value_t::array: {
        const auto& elements = j.get_ref<const Json::array_t&>();
        if (elements.empty()) {
          out_ += "[]";
          return true;
        }
        out_ += '[';
        bool first = true;
        for (const Json& v : elements) {
          if (!first) out_ += ',';
          first = false;
          line(depth + 1);
          if (!value(v, depth + 1)) return false;
        }
        line(depth);
        out_ += ']';
        return true;
      }
      case Json::value_t::string: string(j.get_ref<const std::string&>()); return true;
      case Json::value_t::boolean: out_ += j.get<bool>() ? "true" : "false"; return true;
      case Json::value_t::null: out_ += "null"; return true;
      case Json::value_t::number_integer: number(j.get<int64_t>()); return true;
      case Json::value_t::number_unsigned: number(j.get<uint64_t>()); return true;
      case Json::value_t::binary: if (indent_ >= 0) return false; [[fallthrough]];
      default: out_ += nlohmann_dump(j, -1); return true;  // floats, discarded, compact binary
    }
  }

 private:
  // A new line at `depth` (nothing in the compact form).
  void line(size_t depth) {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(depth * size_t(indent_), ' ');
  }
  template <typename Int>
  void number(Int v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }

  // Whether any of the eight bytes in `w` is a control character, '"', '\\' or >= 0x80 (the usual
  // bit tricks: a byte below n leaves its high bit set in (w - n) & ~w, and a zero byte is one below 1).
  static bool needs_care(uint64_t w) {
    constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto below = [](uint64_t x, uint64_t n) { return (x - ones * n) & ~x; };
    return ((below(w, 0x20) | below(w ^ (ones * '"'), 1) | below(w ^ (ones * '\\'), 1) | w) & highs) != 0;
  }

  void string(const std::string& s) {
    size_t plain = 0;  // leading bytes that need no escape: eight at a time, then one by one
    for (uint64_t w; plain + 8 <= s.size(); plain += 8) {
      std::memcpy(&w, s.data() + plain, 8);
      if (needs_care(w)) break;
    }
    while (plain < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[plain]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++plain;
    }
    if (plain == s.size()) {
      out_ += '"';
      out_ += s;
      out_ += '"';
      return;
    }
    for (size_t i = plain; i < s.size(); ++i)
      if (static_cast<unsigned char>(s[i]) >= 0x80) {
        out_ += nlohmann_dump(Json(s), -1);
        return;
      }
    out_ += '"';
    out_.append(s, 0, plain);
    for (size_t i = plain; i < s.size(); ++i) {
      char c = s[i];
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_ += kHex[(c >> 4) & 0xf];
            out_ += kHex[c & 0xf];
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string& out_;
  int indent_;
};

}  // namespace

std::string dump_json(const Json& j, int indent) {
  std::string out;
  if (!JsonWriter(out, indent).value(j)) return nlohmann_dump(j, indent);
  return out;
}

}  // namespace apkvet
