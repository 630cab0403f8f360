// An in-memory client<->server TransportSession pair for tests (no sockets).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "test_host_keys.h"
#include "transport/transport_session.h"

namespace ssh::transport::test {

struct SessionPair {
  explicit SessionPair(TransportConfig client_cfg = {}, TransportConfig server_cfg = {},
                       std::vector<std::string> host_keys = {"ssh-ed25519"})
      : signer(std::move(host_keys)) {
    client_cfg.role = Role::client;
    client_cfg.verifier = &verifier;
    server_cfg.role = Role::server;
    server_cfg.signer = &signer;
    client = std::make_unique<TransportSession>(std::move(client_cfg));
    server = std::make_unique<TransportSession>(std::move(server_cfg));
  }

  // Moves bytes both ways until neither side has output (a side that failed still
  // hands over its DISCONNECT). Returns the first error seen.
  Status pump(int max_rounds = 1000) {
    std::optional<Error> first;
    for (int i = 0; i < max_rounds; ++i) {
      bool moved = false;
      move(*client, *server, server_got, moved, first);
      move(*server, *client, client_got, moved, first);
      if (!moved) {
        if (first) return std::unexpected(*first);
        return {};
      }
    }
    return fail(ErrorCode::internal, "pump did not settle");
  }

  static void move(TransportSession& from, TransportSession& to, std::vector<Bytes>& got,
                   bool& moved, std::optional<Error>& first) {
    if (from.has_output()) {
      Bytes chunk(from.pending_output().begin(), from.pending_output().end());
      from.consume_output(chunk.size());
      moved = true;
      if (!to.is_dead()) (void)to.feed(chunk);
    }
    while (!to.is_dead()) {
      auto m = to.next_message();
      if (!m || !*m) break;
      got.emplace_back((*m)->begin(), (*m)->end());
    }
    if (to.is_dead() && !first) first = to.error();
  }

  TestVerifier verifier;
  TestSigner signer;
  std::unique_ptr<TransportSession> client;
  std::unique_ptr<TransportSession> server;
  std::vector<Bytes> client_got;  // service payloads the client received
  std::vector<Bytes> server_got;
};

}  // namespace ssh::transport::test
