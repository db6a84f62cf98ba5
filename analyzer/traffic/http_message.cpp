#include "traffic/http_message.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace apkvet::traffic {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  // "gzip, chunked": comma-separated, case-insensitive.
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

constexpr std::string_view kMethods[] = {"GET ",  "POST ",    "PUT ",   "DELETE ", "HEAD ",
                                         "PATCH ", "OPTIONS ", "TRACE ", "CONNECT "};

// Chunked transfer coding: hex size [;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF.
// Returns need_more until the final chunk and trailers are there.
HttpParser::Status dechunk(std::string_view buf, bool ended, std::string& out, size_t& used, bool& truncated) {
  size_t at = 0;
  for (;;) {
    size_t eol = buf.find("\r\n", at);
    if (eol == std::string_view::npos) break;
    std::string_view line = buf.substr(at, eol - at);
    line = line.substr(0, line.find(';'));
    line = trim(line);
    size_t size = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc() || line.empty() || p != line.data() + line.size()) return HttpParser::Status::not_http;
    at = eol + 2;
    if (size == 0) {
      // Trailers end with an empty line.
      size_t end = buf.find("\r\n", at);
      while (end != std::string_view::npos && end != at) {
        at = end + 2;
        end = buf.find("\r\n", at);
      }
      if (end == std::string_view::npos) break;
      used = end + 2;
      return HttpParser::Status::complete;
    }
    if (buf.size() - at < size + 2) break;
    if (out.size() < HttpParser::kMaxBodyBytes) out.append(buf.substr(at, std::min(size, HttpParser::kMaxBodyBytes - out.size())));
    else truncated = true;
    at += size + 2;
  }
  if (ended) {  // the stream stopped mid-body: keep what arrived
    used = buf.size();
    truncated = true;
    return HttpParser::Status::complete;
  }
  return HttpParser::Status::need_more;
}

}  // namespace

std::string HttpMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

bool looks_like_http(std::string_view p) {
  if (p.rfind("HTTP/1.", 0) == 0) return true;
  for (auto m : kMethods)
    if (p.rfind(m, 0) == 0) return true;
  return false;
}

bool inflate_body(std::string_view in, std::string& out, size_t limit, bool* truncated) {
  // windowBits 15+32 accepts gzip and zlib headers; servers and apps also send raw deflate under
  // "Content-Encoding: deflate", so that is the second try.
  for (int bits : {15 + 32, -15}) {
    z_stream z{};
    if (inflateInit2(&z, bits) != Z_OK) return false;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), 0xFFFFFFFFu));
    std::string result;
    char chunk[16384];
    int rc = Z_OK;
    bool cut = false;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      result.append(chunk, sizeof chunk - z.avail_out);
      if (result.size() > limit) {
        result.resize(limit);
        cut = true;
        break;
      }
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended early: keep what decoded
    }
    // Concatenated gzip members (gzip -c a b) are rare in requests; the first member is decoded.
    inflateEnd(&z);
    if (rc == Z_STREAM_END || cut || (!result.empty() && rc == Z_BUF_ERROR)) {
      out = std::move(result);
      if (truncated) *truncated = cut || rc != Z_STREAM_END;
      return true;
    }
  }
  return false;
}

HttpMessage request_from_fields(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& version,
                                std::string body) {
  HttpMessage m;
  m.request = true;
  m.version = version;
  std::string authority;
  for (const auto& [name, value] : fields) {
    if (name == ":method") m.method = value;
    else if (name == ":path") m.target = value;
    else if (name == ":authority") authority = value;
    else if (!name.empty() && name[0] != ':') m.headers.emplace_back(name, value);
  }
  if (!authority.empty() && m.header("host").empty()) m.headers.insert(m.headers.begin(), {"host", authority});
  m.head = m.method + " " + m.target + " " + version;
  for (const auto& [name, value] : m.headers) m.head += "\r\n" + name + ": " + value;
  decode_content(m, std::move(body));
  return m;
}

void decode_content(HttpMessage& out, std::string raw) {
  std::string ce = out.header("Content-Encoding");
  if (contains_token(ce, "gzip") || contains_token(ce, "x-gzip") || contains_token(ce, "deflate")) {
    std::string inflated;
    bool cut = false;
    if (inflate_body(raw, inflated, HttpParser::kMaxBodyBytes, &cut)) {
      out.body = std::move(inflated);
      if (cut) out.notes.push_back("content_decoding_incomplete");
    } else {
      out.notes.push_back("content_decoding_failed");
      out.body = std::move(raw);
    }
  } else if (raw.size() > 18 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b) {
    // A gzip body without Content-Encoding (SDKs that compress their own payloads): look inside too.
    std::string inflated;
    if (inflate_body(raw, inflated, HttpParser::kMaxBodyBytes, nullptr)) {
      out.body = std::move(inflated);
      out.notes.push_back("undeclared_gzip");
    } else {
      out.body = std::move(raw);
    }
  } else {
    out.body = std::move(raw);
  }
}

HttpParser::Status HttpParser::parse(std::string_view buf, bool ended, bool no_body, HttpMessage& out,
                                     size_t& consumed) {
  out = HttpMessage{};
  if (!looks_like_http(buf.substr(0, 9))) return Status::not_http;
  size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > kMaxHeaderBytes) return Status::not_http;
    return ended ? Status::not_http : Status::need_more;
  }
  std::string_view head = buf.substr(0, head_end);
  out.head = std::string(head);
  size_t eol = head.find("\r\n");
  std::string_view start = head.substr(0, eol);
  // Start line: "METHOD target HTTP/1.x" or "HTTP/1.x status reason".
  size_t sp1 = start.find(' ');
  if (sp1 == std::string_view::npos) return Status::not_http;
  if (start.rfind("HTTP/", 0) == 0) {
    out.request = false;
    out.version = std::string(start.substr(0, sp1));
    std::string_view rest = start.substr(sp1 + 1);
    std::from_chars(rest.data(), rest.data() + std::min<size_t>(rest.size(), 3), out.status);
  } else {
    size_t sp2 = start.find(' ', sp1 + 1);
    out.method = std::string(start.substr(0, sp1));
    out.target = std::string(start.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1));
    if (sp2 != std::string_view::npos) out.version = std::string(start.substr(sp2 + 1));
  }
  while (eol != std::string_view::npos && eol < head.size()) {
    size_t next = head.find("\r\n", eol + 2);
    std::string_view line = head.substr(eol + 2, next == std::string_view::npos ? std::string_view::npos : next - eol - 2);
    eol = next;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.notes.push_back("bad_header_line");
      continue;
    }
    out.headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  size_t body_at = head_end + 4;
  std::string_view rest = buf.substr(body_at);
  std::string raw;
  bool truncated = false;
  size_t body_used = 0;

  std::string te = out.header("Transfer-Encoding"), cl = out.header("Content-Length");
  bool bodyless = out.request ? false : (no_body || out.status / 100 == 1 || out.status == 204 || out.status == 304);
  if (bodyless) {
  } else if (contains_token(te, "chunked")) {
    Status s = dechunk(rest, ended, raw, body_used, truncated);
    if (s != Status::complete) return s;
  } else if (!cl.empty()) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
    if (ec != std::errc()) {
      out.notes.push_back("bad_content_length");
      n = 0;
    }
    if (rest.size() < n) {
      if (!ended) return Status::need_more;
      n = rest.size();
      truncated = true;
    }
    raw.assign(rest.substr(0, std::min(n, kMaxBodyBytes)));
    if (n > kMaxBodyBytes) truncated = true;
    body_used = n;
  } else if (!out.request) {
    // A response without framing runs to the end of the connection.
    if (!ended) return Status::need_more;
    raw.assign(rest.substr(0, std::min(rest.size(), kMaxBodyBytes)));
    body_used = rest.size();
  }
  consumed = body_at + body_used;

  decode_content(out, std::move(raw));
  if (truncated) out.notes.push_back("body_truncated");
  return Status::complete;
}

}  // namespace apkvet::traffic
