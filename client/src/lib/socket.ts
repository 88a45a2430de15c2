import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@contract/realtime/contract.ts';

export type MonitorSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Same origin, default path /socket.io; the operator's session cookie authenticates the handshake. */
export function createSocket(): MonitorSocket {
  return io({ autoConnect: false, withCredentials: true });
}
