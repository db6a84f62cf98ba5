#include "traffic/har_file.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "facts/evidence.h"
#include "traffic/canary_matcher.h"

namespace apkvet::traffic {

namespace {

// Binary WebSocket messages are base64 in a HAR; text that is not valid base64 is kept as it is.
std::string base64_decoded(const std::string& text) {
  if (text.empty() || text.size() % 4) return text;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                          int(text.size()));
  if (n < 0) return text;
  size_t pad = text.back() == '=' ? (text[text.size() - 2] == '=' ? 2 : 1) : 0;
  out.resize(size_t(n) - pad);
  return out;
}

std::string str(const Json& o, const char* k) { return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : ""; }
}  // namespace

std::vector<HarEntry> parse_har(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("log") || !j["log"].is_object() || !j["log"].contains("entries") ||
      !j["log"]["entries"].is_array())
    throw std::runtime_error("not a HAR document (no log.entries)");
  std::vector<HarEntry> out;
  for (const auto& e : j["log"]["entries"]) {
    if (!e.is_object() || !e.contains("request") || !e["request"].is_object()) continue;
    const Json& rq = e["request"];
    HarEntry h;
    h.url = str(rq, "url");
    h.started = str(e, "startedDateTime");
    h.server_ip = str(e, "serverIPAddress");
    size_t colon = h.url.find("://");
    h.scheme = colon == std::string::npos ? "" : h.url.substr(0, colon);
    size_t hs = colon == std::string::npos ? 0 : colon + 3;
    size_t pe = h.url.find_first_of("/?#", hs);
    std::string authority = h.url.substr(hs, pe == std::string::npos ? std::string::npos : pe - hs);
    if (size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    h.host = authority;
    if (!authority.empty() && authority[0] == '[') {
      size_t close = authority.find(']');
      h.host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') h.port = static_cast<uint16_t>(std::atoi(authority.c_str() + close + 2));
    } else if (size_t c = authority.find(':'); c != std::string::npos) {
      h.host = authority.substr(0, c);
      h.port = static_cast<uint16_t>(std::atoi(authority.c_str() + c + 1));
    }
    for (auto& ch : h.host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!h.port) h.port = h.scheme == "https" ? 443 : 80;
    std::string target = pe == std::string::npos ? "/" : h.url.substr(pe);
    if (size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
    if (target.empty() || target[0] != '/') target = "/" + target;

    HttpMessage& m = h.request;
    m.request = true;
    m.method = str(rq, "method");
    m.target = target;
    m.version = str(rq, "httpVersion");
    m.head = m.method + " " + target + " " + (m.version.empty() ? "HTTP/1.1" : m.version);
    bool has_host = false;
    if (rq.contains("headers") && rq["headers"].is_array())
      for (const auto& hd : rq["headers"]) {
        std::string name = str(hd, "name"), value = str(hd, "value");
        if (name.empty()) continue;
        if (name == ":authority") name = "Host";  // HTTP/2 pseudo-headers as browsers export them
        else if (name[0] == ':') continue;
        if (name == "Host" || name == "host") has_host = true;
        m.headers.emplace_back(name, value);
        m.head += "\r\n" + name + ": " + value;
      }
    if (!has_host) {
      m.headers.emplace_back("Host", h.host);
      m.head += "\r\nHost: " + h.host;
    }
    if (rq.contains("postData") && rq["postData"].is_object()) {
      const Json& pd = rq["postData"];
      m.body = str(pd, "text");
      if (m.body.empty() && pd.contains("params") && pd["params"].is_array()) {
        // Form posts may be exported as params only: rebuild the form body.
        for (const auto& prm : pd["params"]) {
          if (!m.body.empty()) m.body += "&";
          m.body += url_encode(str(prm, "name"), true) + "=" + url_encode(str(prm, "value"), true);
        }
      }
      std::string mime = str(pd, "mimeType");
      if (!mime.empty() && m.header("Content-Type").empty()) m.headers.emplace_back("Content-Type", mime);
    }
    if (e.contains("_webSocketMessages") && e["_webSocketMessages"].is_array())
      for (const auto& msg : e["_webSocketMessages"]) {
        if (!msg.is_object() || str(msg, "type") != "send") continue;
        std::string data = str(msg, "data");
        if (msg.contains("opcode") && msg["opcode"].is_number_integer() && msg["opcode"].get<int64_t>() == 2)
          data = base64_decoded(data);
        h.websocket_sent.push_back(std::move(data));
      }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace apkvet::traffic
