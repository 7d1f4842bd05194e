// react-query owns daemon state. Pushed events keep the cache fresh, so polling stays off.
import { QueryClient } from '@tanstack/react-query';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 },
    mutations: { retry: 0 },
  },
});
