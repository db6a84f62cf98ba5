// Whole reads and writes on a file descriptor (pipes and sockets between apkvet's processes): retried
// on EINTR and on short transfers, so a caller sees all the bytes or a failure.
#pragma once
#include <cstddef>

namespace apkvet {

// False if the descriptor failed or reached its end before `n` bytes.
bool write_all(int fd, const void* data, size_t n);
bool read_all(int fd, void* data, size_t n);

}  // namespace apkvet
