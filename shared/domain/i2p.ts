// DTOs of the I2P section that cross IPC: router status from I2PControl, bandwidth samples, and
// the app's server/client tunnels (SAM sessions the app keeps, not i2pd tunnels.conf entries).
import { z } from 'zod';

export const I2P_NET_STATUSES = ['ok', 'testing', 'firewalled', 'unknown', 'proxy', 'mesh'] as const;

export const RouterInfoSchema = z.object({
  /** i2p.router.status "1": the shared client destination is ready. */
  ready: z.boolean(),
  version: z.string().max(64),
  uptimeMs: z.number().nonnegative(),
  netStatus: z.enum(I2P_NET_STATUSES),
  participatingTunnels: z.number().int().nonnegative(),
  tunnelSuccessRate: z.number().min(0).max(100),
  knownPeers: z.number().int().nonnegative(),
  activePeers: z.number().int().nonnegative(),
  /** Bytes per second, 1 s average. */
  bwIn: z.number().nonnegative(),
  bwOut: z.number().nonnegative(),
  totalReceivedBytes: z.number().nonnegative(),
  totalSentBytes: z.number().nonnegative(),
  transit: z.boolean(),
});
export type RouterInfo = z.infer<typeof RouterInfoSchema>;

export const I2pBandwidthSampleSchema = z.object({ time: z.number(), read: z.number().nonnegative(), written: z.number().nonnegative() });
export type I2pBandwidthSample = z.infer<typeof I2pBandwidthSampleSchema>;

export const I2pStatusSchema = z.object({
  running: z.boolean(),
  /** SAM answers HELLO. */
  ready: z.boolean(),
  version: z.string().nullable(),
  samVersion: z.string().nullable(),
  /** Graceful shutdown asked: transit tunnels are expiring (up to ten minutes). */
  shuttingDown: z.boolean(),
  router: RouterInfoSchema.nullable(),
  lab: z.boolean(),
});
export type I2pStatus = z.infer<typeof I2pStatusSchema>;

export const TunnelIdSchema = z.string().regex(/^[a-z0-9]{8,32}$/);
export const TUNNEL_STATES = ['stopped', 'starting', 'running', 'failed'] as const;
const TunnelNameSchema = z.string().trim().min(1).max(60);
const LocalPortSchema = z.number().int().min(1).max(65535);

/** A base32 address (52 chars + .b32.i2p), a full base64 destination, or an address-book name. */
export const I2pDestinationSchema = z
  .string()
  .trim()
  .min(1)
  .max(1200)
  .regex(/^([a-z2-7]{52}\.b32\.i2p|[A-Za-z0-9~-]{500,}={0,2}|[a-z0-9][a-z0-9.-]{0,66}\.i2p)$/, 'a .b32.i2p address, a base64 destination or a name.i2p');

export const ServerTunnelSchema = z.object({
  id: TunnelIdSchema,
  name: TunnelNameSchema,
  /** Local TCP port on 127.0.0.1 that incoming I2P streams are piped to. */
  targetPort: LocalPortSchema,
  /** Stable across restarts: derived from the persisted private key. */
  b32: z.string().regex(/^[a-z2-7]{52}\.b32\.i2p$/),
  state: z.enum(TUNNEL_STATES),
  error: z.string().nullable(),
  connections: z.number().int().nonnegative(),
});
export type ServerTunnel = z.infer<typeof ServerTunnelSchema>;

export const ClientTunnelSchema = z.object({
  id: TunnelIdSchema,
  name: TunnelNameSchema,
  /** 127.0.0.1:<localPort> forwards to the destination. */
  localPort: LocalPortSchema,
  destination: I2pDestinationSchema,
  state: z.enum(TUNNEL_STATES),
  error: z.string().nullable(),
  connections: z.number().int().nonnegative(),
});
export type ClientTunnel = z.infer<typeof ClientTunnelSchema>;

export const I2pTunnelsSchema = z.object({ servers: z.array(ServerTunnelSchema), clients: z.array(ClientTunnelSchema) });
export type I2pTunnels = z.infer<typeof I2pTunnelsSchema>;

export const CreateServerTunnelArgsSchema = z.object({ name: TunnelNameSchema, targetPort: LocalPortSchema }).strict();
export const CreateClientTunnelArgsSchema = z.object({ name: TunnelNameSchema, localPort: LocalPortSchema, destination: I2pDestinationSchema }).strict();
export const TunnelRefSchema = z.object({ id: TunnelIdSchema }).strict();
