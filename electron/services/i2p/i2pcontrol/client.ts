// I2PControl JSON-RPC 2.0 client for i2pd: HTTPS on loopback, the router's self-signed certificate
// pinned from its data dir (i2pcontrol.crt.pem) instead of turning verification off. Only I/O here;
// reply shapes are checked by ./replies.ts.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { isLoopbackLiteral } from '../i2pd-conf';
import { I2pControlError, parseAuthenticate, parseRouterInfo, parseRpcEnvelope, ROUTER_INFO_KEYS, type RouterInfoReply } from './replies';

export interface I2pControlOptions {
  host?: string;
  port: number;
  password: string;
  /** PEM of the router's certificate (i2pd writes it into its datadir on first start). */
  certPem: string;
  timeoutMs?: number;
}

const MAX_REPLY_BYTES = 1 << 20;

export class I2pControlClient {
  private token: string | null = null;
  private nextId = 1;
  private readonly host: string;
  private readonly fingerprint: string;

  constructor(private readonly opts: I2pControlOptions) {
    this.host = opts.host ?? '127.0.0.1';
    if (!isLoopbackLiteral(this.host)) throw new I2pControlError('PROTOCOL', `I2PControl must be on loopback, not ${this.host}`);
    this.fingerprint = new X509Certificate(opts.certPem).fingerprint256;
  }

  /** Reads the pinned certificate from an i2pd datadir. */
  static async fromDataDir(dataDir: string, opts: Omit<I2pControlOptions, 'certPem'>): Promise<I2pControlClient> {
    const certPem = await readFile(`${dataDir}/i2pcontrol.crt.pem`, 'utf8');
    return new I2pControlClient({ ...opts, certPem });
  }

  async authenticate(): Promise<string> {
    const result = await this.call('Authenticate', { API: 1, Password: this.opts.password }, false);
    this.token = parseAuthenticate(result);
    return this.token;
  }

  async routerInfo(): Promise<RouterInfoReply> {
    const params = Object.fromEntries(ROUTER_INFO_KEYS.map((k) => [k, null]));
    return parseRouterInfo(await this.call('RouterInfo', params));
  }

  /** RouterManager: Shutdown (now), ShutdownGraceful (transit tunnels expire first). */
  async routerManager(action: 'Shutdown' | 'ShutdownGraceful' | 'Reseed'): Promise<void> {
    await this.call('RouterManager', { [action]: null });
  }

  /** NetworkSetting: bandwidth limits in KB/s (i2p.router.net.bw.in / out). */
  async networkSetting(settings: Record<string, string | null>): Promise<Record<string, unknown>> {
    const result = await this.call('NetworkSetting', settings);
    return typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  }

  async echo(text: string): Promise<unknown> {
    return this.call('Echo', { Echo: text });
  }

  /** One JSON-RPC call; authenticates first (and once more if the token was refused). */
  async call(method: string, params: Record<string, unknown>, withToken = true): Promise<unknown> {
    if (withToken && this.token === null) await this.authenticate();
    // i2pd does not check tokens (notes §5) and logs "unknown request Token" for every call that
    // carries one, so the token only proves the password was right; it is not sent.
    const body = JSON.stringify({ id: this.nextId++, method, params, jsonrpc: '2.0' });
    const text = await this.post(body);
    try {
      return parseRpcEnvelope(text);
    } catch (e) {
      // -32003/-32004: token expired or invalid (i2pd does not check tokens today, but the spec allows it).
      if (withToken && e instanceof I2pControlError && (e.rpcCode === -32003 || e.rpcCode === -32004)) {
        await this.authenticate();
        return parseRpcEnvelope(await this.post(JSON.stringify({ id: this.nextId++, method, params: { ...params, Token: this.token }, jsonrpc: '2.0' })));
      }
      throw e;
    }
  }

  private post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.opts.port,
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          agent: false,
          // The router's own cert is the only trust anchor; the name in it (CN=i2pd.i2pcontrol) is not
          // a host name, so identity = the pinned SHA-256 fingerprint.
          ca: this.opts.certPem,
          checkServerIdentity: (_host, cert) =>
            cert.fingerprint256 === this.fingerprint ? undefined : new I2pControlError('TLS', 'the I2PControl certificate does not match the pinned one'),
          timeout: this.opts.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_REPLY_BYTES) {
              req.destroy(new I2pControlError('PROTOCOL', 'I2PControl reply too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if ((res.statusCode ?? 0) !== 200) reject(new I2pControlError('PROTOCOL', `I2PControl answered HTTP ${res.statusCode ?? '?'}`));
            else resolve(Buffer.concat(chunks).toString('utf8'));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new I2pControlError('TIMEOUT', 'I2PControl did not answer in time')));
      req.on('error', (e) => reject(e instanceof I2pControlError ? e : new I2pControlError('UNREACHABLE', `I2PControl: ${e.message}`, { cause: e })));
      req.end(body);
    });
  }
}
