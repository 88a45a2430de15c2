import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createSocket } from '../lib/socket.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { attachRealtime, type RealtimeStatus } from './realtime.ts';

const RealtimeStatusContext = createContext<RealtimeStatus>('connecting');

/** Mounted only for a signed-in operator: the handshake is authenticated by the session cookie. */
export function SocketProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<RealtimeStatus>('connecting');

  useEffect(() => {
    const socket = createSocket();
    const detach = attachRealtime(socket, queryClient, { onStatus: setStatus });
    // A server-side disconnect or a rejected handshake is not retried by socket.io itself; retry gently.
    let retry: ReturnType<typeof setTimeout> | undefined;
    const retryLater = () => {
      clearTimeout(retry);
      retry = setTimeout(() => socket.connect(), 5000);
    };
    // The server closes a socket whose session ended (sign-out elsewhere, disabled, expired): ask who is
    // signed in, so a dead session goes to the sign-in page instead of retrying forever.
    const recheckSession = () => void queryClient.invalidateQueries({ queryKey: queryKeys.me });
    socket.on('disconnect', (reason) => {
      setStatus('reconnecting');
      if (reason === 'io server disconnect') {
        recheckSession();
        retryLater();
      }
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') recheckSession();
      if (!socket.active) retryLater();
    });
    socket.connect();
    return () => {
      clearTimeout(retry);
      detach();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [queryClient]);

  return <RealtimeStatusContext.Provider value={status}>{children}</RealtimeStatusContext.Provider>;
}

export function useRealtimeStatus(): RealtimeStatus {
  return useContext(RealtimeStatusContext);
}
