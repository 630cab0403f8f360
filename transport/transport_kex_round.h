// Internal to transport_session*.cpp: the state of one key exchange.
#pragma once

#include <memory>
#include <optional>

#include "transport/kex_method.h"
#include "transport/packet_protection.h"
#include "transport/transport_session.h"

namespace ssh::transport {

struct TransportSession::KexRound {
  Bytes our_kexinit;  // payloads, hashed as I_C / I_S
  Bytes peer_kexinit;
  bool peer_kexinit_received = false;
  NegotiatedAlgorithms algorithms;
  std::unique_ptr<KexMethod> method;
  bool method_done = false;
  bool newkeys_sent = false;
  bool ignore_next_kex_packet = false;
  bool guessed = false;  // our method started before the peer's KEXINIT (client guess)
  std::optional<PacketProtection> receive_protection;  // installed on peer NEWKEYS
};

}  // namespace ssh::transport
