// Minimal binary archive for restart files. A class makes itself archivable with
//   template <class Archive> void serialize(Archive& ar) { ar(field_a, field_b, ...); }
// and the same function both saves and loads. Trivially copyable values are stored as raw bytes
// (restart files are read back by the same build on the same kind of machine).
//
// The Reader treats its bytes as untrusted (a restart file may be truncated or corrupt): every
// length is checked against the bytes left before anything is allocated, a bool must be 0 or 1,
// and a failure is a std::runtime_error (never a crash or an allocation sized by the file).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ct::archive {

template <class T, class Ar>
concept Serializable = requires(T& t, Ar& ar) {
  t.serialize(ar);
};

class Writer {
 public:
  template <class... T>
  void operator()(T&... values) {
    (put(values), ...);
  }
  const std::vector<unsigned char>& bytes() const { return bytes_; }

 private:
  void raw(const void* p, std::size_t n) {
    if (n == 0) return;  // an empty vector's data() may be null
    const auto* c = static_cast<const unsigned char*>(p);
    bytes_.insert(bytes_.end(), c, c + n);
  }
  template <class T>
  void put(T& v) {
    if constexpr (Serializable<T, Writer>) {
      v.serialize(*this);
    } else if constexpr (std::is_trivially_copyable_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      std::uint64_t n = v.size();
      raw(&n, sizeof n);
      raw(v.data(), n);
    } else {
      put_container(v);
    }
  }
  template <class T>
  void put_container(std::vector<T>& v) {
    std::uint64_t n = v.size();
    raw(&n, sizeof n);
    if constexpr (std::is_trivially_copyable_v<T> && !Serializable<T, Writer>)
      raw(v.data(), n * sizeof(T));
    else
      for (auto& x : v) put(x);
  }
  template <class A, class B>
  void put_container(std::pair<A, B>& v) {
    put(v.first);
    put(v.second);
  }
  template <class T>
  void put_container(std::optional<T>& v) {
    bool has = v.has_value();
    raw(&has, sizeof has);
    if (has) put(*v);
  }
  std::vector<unsigned char> bytes_;
};

class Reader {
 public:
  Reader(const unsigned char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class... T>
  void operator()(T&... values) {
    (get(values), ...);
  }
  bool done() const { return p_ == end_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

 private:
  void raw(void* dst, std::size_t n) {
    if (remaining() < n)
      throw std::runtime_error("restart file is truncated or from another build");
    if (n == 0) return;  // memcpy with a null pointer is undefined even for 0 bytes
    std::memcpy(dst, p_, n);
    p_ += n;
  }
  template <class T>
  void get(T& v) {
    if constexpr (Serializable<T, Reader>) {
      v.serialize(*this);
    } else if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = 0;  // a bool holding any other byte is undefined behaviour
      raw(&b, 1);
      if (b > 1) throw std::runtime_error("restart file is corrupt (a flag is neither 0 nor 1)");
      v = b != 0;
    } else if constexpr (std::is_trivially_copyable_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      std::uint64_t n = 0;
      raw(&n, sizeof n);
      if (remaining() < n) throw std::runtime_error("restart file is truncated");
      if (n > 0)
        v.assign(reinterpret_cast<const char*>(p_), n);
      else
        v.clear();
      p_ += n;
    } else {
      get_container(v);
    }
  }
  template <class T>
  void get_container(std::vector<T>& v) {
    std::uint64_t n = 0;
    raw(&n, sizeof n);
    // Every element takes at least one byte (sizeof(T) for raw ones): a count the bytes left
    // cannot hold is corrupt, and is refused before the vector is sized by it.
    constexpr bool flat =
        std::is_trivially_copyable_v<T> && !Serializable<T, Reader> && !std::is_same_v<T, bool>;
    if (n > remaining() / (flat ? sizeof(T) : 1))
      throw std::runtime_error("restart file is truncated or from another build");
    v.resize(static_cast<std::size_t>(n));
    if constexpr (flat)
      raw(v.data(), static_cast<std::size_t>(n) * sizeof(T));
    else
      for (auto& x : v) get(x);
  }
  template <class A, class B>
  void get_container(std::pair<A, B>& v) {
    get(v.first);
    get(v.second);
  }
  template <class T>
  void get_container(std::optional<T>& v) {
    bool has = false;
    get(has);
    if (!has) {
      v.reset();  // the writer had none: so does the loaded state
      return;
    }
    if (!v) throw std::runtime_error("restart file: optional state missing here");
    get(*v);
  }
  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace ct::archive
