// A read-only memory map of a checkpoint file: weights are used in place, never copied, and the
// OS pages them in on first use and may drop them under memory pressure.
#pragma once
#include <cstddef>
#include <string>

namespace chunkserve {

class MappedFile {
 public:
  // Throws std::runtime_error naming the file and the system error.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace chunkserve
