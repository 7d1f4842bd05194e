// What the composition root needs from each network service. Kept under services/ so a service
// depends only on this, never on app/ (which imports the services).
import type { NetworkAvailability, NetworkId } from '../../shared/domain/network';

/** What a network's service tells the shell; sections without a service say so instead of faking data. */
export interface NetworkModule {
  id: NetworkId;
  label: string;
  availability(): Omit<NetworkAvailability, 'id' | 'label'>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
