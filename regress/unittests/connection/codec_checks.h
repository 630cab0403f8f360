// Shared negative checks for codecs: every strict prefix of an encoding must fail to
// decode, and (for fixed layouts) so must the encoding plus one trailing byte.
#pragma once

#include <gtest/gtest.h>

#include "base/bytes.h"

namespace ssh::connection::test {

// Prefixes shorter than `fixed_len` must fail; longer prefixes may legitimately decode
// when the tail is a free-form trailer (request data and the like).
template <class Decode>
void expect_prefixes_fail(const Bytes& encoded, Decode decode, size_t fixed_len) {
  for (size_t n = 0; n < fixed_len && n < encoded.size(); ++n) {
    Bytes prefix(encoded.begin(), encoded.begin() + n);
    EXPECT_FALSE(decode(ByteView(prefix))) << "prefix of " << n << " bytes decoded";
  }
}

template <class Decode>
void expect_strict(const Bytes& encoded, Decode decode) {
  ASSERT_TRUE(decode(ByteView(encoded)));
  expect_prefixes_fail(encoded, decode, encoded.size());
  Bytes longer = encoded;
  longer.push_back(0);
  EXPECT_FALSE(decode(ByteView(longer))) << "trailing byte accepted";
}

}  // namespace ssh::connection::test
