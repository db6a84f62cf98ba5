// aapt's printXMLBlock layout (frameworks/base tools/aapt XMLNode.cpp), re-expressed over AxmlDocument;
// also the conversion of the decoded document to pugixml.
#include "axml/xmltree_printer.h"

#include <cctype>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

namespace apkvet {
namespace {

// ResTable::normalizeForOutput on a C string: stops at NUL, escapes backslash, newline and quote.
std::string normalize(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\0') break;
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

std::string cstr(const std::optional<std::string>& s) {
  if (!s) return {};
  size_t nul = s->find('\0');
  return nul == std::string::npos ? *s : s->substr(0, nul);
}

struct NamespaceEntry {
  std::string prefix, uri;
};

std::string build_namespace(const std::vector<NamespaceEntry>& namespaces, const std::optional<std::string>& ns) {
  if (!ns) return {};
  std::string str = cstr(ns);
  for (size_t i = 0; i < namespaces.size() && i < 256; ++i)  // bounded against hostile files
    if (namespaces[i].uri == str) {
      str = namespaces[i].prefix;
      break;
    }
  return str + ":";
}

std::string xml_name(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool ok = std::isalpha(c) || c == '_' || c >= 0x80 || (i > 0 && (std::isdigit(c) || c == '-' || c == '.' || c == ':'));
    out += ok ? static_cast<char>(c) : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace

void print_xmltree(std::ostream& out, const AxmlDocument& doc) {
  std::vector<NamespaceEntry> namespaces;
  int depth = 0;
  char buf[64];
  auto indent = [&](int d) { return std::string(static_cast<size_t>(std::max(d, 0)) * 2, ' '); };
  for (const auto& ev : doc.events) {
    switch (ev.kind) {
      case AxmlEvent::start_element: {
        const AxmlElement& e = doc.elements[ev.element];
        std::string prefix = indent(depth);
        if (e.comment) out << prefix << "C: " << cstr(e.comment) << "\n";
        out << prefix << "E: " << build_namespace(namespaces, e.ns) << cstr(e.name) << " (line="
            << static_cast<int32_t>(e.line) << ")\n";
        ++depth;
        prefix = indent(depth);
        for (const auto& a : e.attributes) {
          out << prefix << "A: " << build_namespace(namespaces, a.ns) << cstr(a.name);
          if (a.resource_id) {
            std::snprintf(buf, sizeof buf, "(0x%08x)", a.resource_id);
            out << buf;
          }
          // aapt loads the APK's resource table, whose dynamic reference table maps a shared library's
          // package 0x00 to the runtime id it assigns (0x02, the first after the framework).
          uint32_t data = a.data;
          if ((a.type == kAxmlDynamicReference || a.type == kAxmlDynamicAttribute) && (data >> 24) == 0)
            data |= 0x02000000;
          switch (a.type) {
            case kAxmlNull: out << "=(null)"; break;
            case kAxmlReference:
            case kAxmlDynamicReference: std::snprintf(buf, sizeof buf, "=@0x%08x", data); out << buf; break;
            case kAxmlAttribute:
            case kAxmlDynamicAttribute: std::snprintf(buf, sizeof buf, "=?0x%08x", data); out << buf; break;
            case kAxmlString: out << "=\"" << normalize(cstr(a.raw)) << "\""; break;
            default: std::snprintf(buf, sizeof buf, "=(type 0x%x)0x%x", a.type, a.data); out << buf;
          }
          if (a.raw) out << " (Raw: \"" << normalize(cstr(a.raw)) << "\")";
          out << "\n";
        }
        break;
      }
      case AxmlEvent::end_element:
        if (--depth < 0) {
          out << "***BAD DEPTH in XMLBlock: " << depth << "\n";
          return;
        }
        break;
      case AxmlEvent::start_namespace: {
        NamespaceEntry ns{ev.prefix ? cstr(ev.prefix) : "<DEF>", cstr(ev.uri)};
        out << indent(depth) << "N: " << ns.prefix << "=" << ns.uri << "\n";
        namespaces.push_back(ns);
        ++depth;
        break;
      }
      case AxmlEvent::end_namespace: {
        if (--depth < 0) {
          out << "***BAD DEPTH in XMLBlock: " << depth << "\n";
          return;
        }
        if (namespaces.empty()) break;
        const NamespaceEntry top = namespaces.back();
        std::string pr = ev.prefix ? cstr(ev.prefix) : "<DEF>";
        if (top.prefix != pr)
          out << indent(depth) << "*** BAD END NS PREFIX: found=" << pr << ", expected=" << top.prefix << "\n";
        if (top.uri != cstr(ev.uri))
          out << indent(depth) << " *** BAD END NS URI: found=" << cstr(ev.uri) << ", expected=" << top.uri << "\n";
        namespaces.pop_back();
        break;
      }
      case AxmlEvent::text:
        out << indent(depth) << "C: \"" << normalize(ev.text_value) << "\"\n";
        break;
    }
  }
}

void to_pugixml(const AxmlDocument& doc, pugi::xml_document& out) {
  out.reset();
  std::vector<pugi::xml_node> nodes(doc.elements.size());
  for (size_t i = 0; i < doc.elements.size(); ++i) {
    const AxmlElement& e = doc.elements[i];
    pugi::xml_node parent = e.parent == SIZE_MAX ? pugi::xml_node(out) : nodes[e.parent];
    pugi::xml_node node = parent.append_child(xml_name(e.qualified_name).c_str());
    nodes[i] = node;
    if (e.parent == SIZE_MAX && i == (doc.roots.empty() ? SIZE_MAX : doc.roots.front())) {
      for (const auto& ev : doc.events) {
        if (ev.kind == AxmlEvent::start_element) break;
        if (ev.kind == AxmlEvent::start_namespace && ev.prefix && ev.uri && !ev.prefix->empty())
          node.append_attribute(("xmlns:" + xml_name(*ev.prefix)).c_str()).set_value(ev.uri->c_str());
      }
    }
    // What Android reads first; an attribute it skips only when nothing else carries that name.
    std::unordered_set<std::string> seen;
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& a : e.attributes) {
        if (a.visible_to_android != (pass == 0)) continue;
        std::string name = xml_name(a.qualified_name);
        if (!seen.insert(name).second) continue;
        node.append_attribute(name.c_str()).set_value(a.display_value().c_str());
      }
    if (!e.text.empty()) node.append_child(pugi::node_pcdata).set_value(e.text.c_str());
  }
}

}  // namespace apkvet
