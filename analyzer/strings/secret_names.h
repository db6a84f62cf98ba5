// The names that say a value is a credential: in `name = value` and `"name": "value"` inside strings
// (pattern named_secret), in <string name="..."> of XML, in resources.arsc keys (string/api_secret),
// and in URL query parameters. One list for all of them: the named_secret pattern is built from it and
// the check after a match uses it, so a name the pattern finds is never dropped by a shorter list.
#pragma once
#include <string_view>

namespace apkvet {

inline constexpr std::string_view kSecretNames[] = {
    "secret",     "token",       "passwd",      "password",    "pwd",        "apikey",     "api_key",
    "api.key",    "api-key",     "accesskey",   "access_key",  "access.key", "access-key", "privatekey",
    "private_key", "private.key", "private-key", "authkey",    "auth_key",   "auth.key",   "auth-key",
    "clientkey",  "client_key",  "client.key",  "client-key",
};

// Whether `name` holds one of kSecretNames, ASCII case ignored.
bool secret_name(std::string_view name);

}  // namespace apkvet
