// What a process that forks scan workers loads once, before forking: see warm_up.cpp.
#pragma once

namespace apkvet::signing {

void warm_up_crypto();

}  // namespace apkvet::signing
