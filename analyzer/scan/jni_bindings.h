// Every native method the app's DEX declares, joined with what implements it in the app's libraries:
// a Java_ export (JNI's static naming) or a RegisterNatives entry seen when JNI_OnLoad ran under the
// emulator. A method nothing implements runs code the APK does not ship (a library loaded from
// elsewhere at run time), unless a library's registrations could not all be seen.
#pragma once
#include "dex/dex_corpus.h"
#include "native/native_facts.h"

namespace apkvet {

// Fills native.java_natives (and the counts) from the DEX's native methods and the libraries' facts.
void bind_java_natives(NativeFacts& native, const dex::DexCorpus& corpus);

}  // namespace apkvet
