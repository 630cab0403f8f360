// Byte buffers are wiped when their storage is freed (base/bytes.h WipingAllocator) and
// when erase_front() leaves stale bytes past the end. The test binary replaces the global
// sized operator delete to look at every block at the moment it is freed: while a test
// watches, a freed block that still holds the marker counts as a leak.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "base/secret.h"

namespace {

constexpr char kMarker[] = "typed-password-7f3a";
bool watching = false;
int leaked_blocks = 0;

bool holds_marker(const void* p, size_t n) {
  return memmem(p, n, kMarker, sizeof kMarker - 1) != nullptr;
}

// Keeps the compiler from eliding an allocation whose contents nothing else reads.
void escape(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

void inspect(void* p, size_t n) {
  if (watching && p != nullptr && holds_marker(p, n)) ++leaked_blocks;
}

// Counts the marker in blocks freed during f().
template <class F>
int leaks_during(F f) {
  leaked_blocks = 0;
  watching = true;
  f();
  watching = false;
  return leaked_blocks;
}

}  // namespace

// The replacements pair malloc with free. std::allocator frees through the sized form.
void* operator new(size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p, size_t n) noexcept {
  inspect(p, n);
  std::free(p);
}
void operator delete(void* p) noexcept { std::free(p); }

namespace ssh {
namespace {

Bytes marked(size_t padding) {
  Bytes b(padding, 'x');
  append(b, as_bytes(kMarker));
  return b;
}

TEST(WipedStorage, TheDetectorSeesAnUnwipedVector) {
  // An ordinary vector keeps its bytes when freed: this is what the wiping prevents.
  int n = leaks_during([] {
    std::vector<uint8_t> v(4096, 'x');
    memcpy(v.data() + 100, kMarker, sizeof kMarker - 1);
    escape(v.data());
  });
  EXPECT_GE(n, 1);
}

TEST(WipedStorage, DestructionWipes) {
  EXPECT_EQ(leaks_during([] {
              Bytes b = marked(1000);
              escape(b.data());
            }),
            0);
}

TEST(WipedStorage, GrowthWipesTheOldBlock) {
  EXPECT_EQ(leaks_during([] {
              Bytes b = marked(10);
              for (int i = 0; i < 12; ++i) append(b, Bytes(b.size(), 'y'));  // many reallocations
              EXPECT_TRUE(holds_marker(b.data(), b.size()));
            }),
            0);
}

TEST(WipedStorage, SecretBytesGrowthWipes) {
  EXPECT_EQ(leaks_during([] {
              SecretBytes s(as_bytes(kMarker));
              for (int i = 0; i < 12; ++i) s.append(Bytes(4096, 'y'));
              escape(s.data());
            }),
            0);
}

TEST(WipedStorage, EraseFrontWipesTheVacatedTail) {
  Bytes b = marked(0);
  append(b, Bytes(64, 'z'));
  size_t capacity = b.capacity();
  erase_front(b, sizeof kMarker - 1);
  ASSERT_EQ(b.size(), 64u);
  ASSERT_EQ(b.capacity(), capacity);  // same storage: the allocator has not run
  // The storage past the end is still ours to read (uint8_t, within capacity).
  EXPECT_FALSE(holds_marker(b.data(), capacity));
  erase_front(b, b.size());
  EXPECT_TRUE(b.empty());
  for (size_t i = 0; i < capacity; ++i) ASSERT_EQ(b.data()[i], 0) << i;
}

}  // namespace
}  // namespace ssh
