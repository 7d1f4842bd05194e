// Contract checks: every invoke channel has a valid and an invalid argument example here (adding a
// channel without examples fails), every event payload likewise, and Results round-trip through
// JSON with their error codes intact.
import { describe, expect, it } from 'vitest';
import { contract, listChannels, channelName, findChannel } from './contract';
import { buildApi } from './build-api';
import { err, ok, resultSchema, unwrap, IpcError, type Result } from './result';
import { ERROR_CODES } from '../errors';
import type { DaemonStatus } from '../domain/network';
import type { LogLine, Settings } from '../domain/app';
import type { Circuit, TorStatus } from '../domain/tor';
import type { Drop, DropUpload } from '../domain/drop';
import type { OnionService } from '../domain/onion-services';
import type { NymMessageEvent, NymStatus } from '../domain/nym';

const FPR = 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A';
const FPR2 = 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96';
const NYM_ADDR =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';

const status: DaemonStatus = {
  id: 'tor',
  label: 'Tor',
  state: 'ready',
  pid: 42,
  restartCount: 0,
  lastError: null,
  since: 1,
  nextRestartAt: null,
  detail: null,
  binary: { source: 'bundled', file: '/x/tor', version: '0.4.9.14' },
};
const settings: Settings = {
  language: 'en',
  binaries: { tor: null, i2pd: '/usr/sbin/i2pd', nymClient: null },
  autostart: { tor: true, i2p: false, nym: false },
};
const logLine: LogLine = { seq: 1, time: 2, level: 'warn', source: 'tor', pid: 3, message: 'x' };

const DROP_ID = '0123456789abcdef';
const drop: Drop = {
  id: DROP_ID,
  title: 'Tips',
  note: '',
  accept: 'both',
  limits: { maxFileBytes: 1 << 20, maxUploadBytes: 2 << 20, maxMessageBytes: 1000 },
  persistent: false,
  clientAuth: false,
  state: 'published',
  address: `${'a'.repeat(56)}.onion`,
  clientKey: null,
  localPort: 4321,
  folder: '/tmp/x',
  createdAt: 1,
  error: null,
  ageRecipient: null,
  schedule: { startAt: null, stopAt: null, stopAfterMinutes: null, stopAfterFirstUpload: false },
  lastRefusal: { at: 2, kind: 'disk_full' },
};
// A real age key pair (generated for these examples, used nowhere else).
const AGE_RECIPIENT = 'age1gjtnwgzaz62g06jprsq7xpwzwlly6vks6u2vqpc5skptfqrx7c6sawjs2p';
const AGE_IDENTITY = 'AGE-SECRET-KEY-1DJ2AM9M66RXULRCA46DVLSR3UT84C87F4KG74PN3LFEXL0VYGJVSDACVUS';
const upload: DropUpload = {
  dropId: DROP_ID,
  id: '2026-11-26_00-17-39',
  receivedAt: 1,
  state: 'receiving',
  received: 10,
  expected: 100,
  stored: 5,
  files: [{ name: 'a.pdf', bytes: 5, complete: false, kind: 'file' }],
  reason: null,
  path: '/tmp/x/2026-11-26_00-17-39',
};

const ONION_SERVICE_ID = 'fedcba9876543210';
const onionService: OnionService = {
  id: ONION_SERVICE_ID,
  name: 'Web',
  ports: [{ virtualPort: 80, targetHost: '127.0.0.1', targetPort: 8080 }],
  persistent: true,
  clientAuth: false,
  state: 'publishing',
  address: `${'b'.repeat(56)}.onion`,
  clientKey: null,
  createdAt: 1,
  error: null,
};

/** channel → [valid args…] / [invalid args…] */
const INVOKE_EXAMPLES: Record<string, { valid: unknown[]; invalid: unknown[] }> = {
  'underpass:app:getInfo': { valid: [undefined], invalid: [{ x: 1 }, 'tor'] },
  'underpass:supervisor:list': { valid: [undefined], invalid: [{}, 1] },
  'underpass:supervisor:start': { valid: [{ id: 'tor' }, { id: 'tor-lab:relay1' }], invalid: [undefined, { id: '' }, { id: 'Tor!' }, { id: 'tor', extra: 1 }] },
  'underpass:supervisor:stop': { valid: [{ id: 'i2p' }], invalid: [{ id: 'a'.repeat(65) }, { id: '../x' }] },
  'underpass:supervisor:restart': { valid: [{ id: 'nym' }], invalid: [{ id: 7 }, null] },
  'underpass:settings:get': { valid: [undefined], invalid: [{ language: 'en' }] },
  'underpass:settings:update': {
    valid: [{}, { language: 'fa' }, { binaries: { tor: '/opt/tor/tor' } }, { autostart: { nym: true } }],
    invalid: [{ language: 'de' }, { binaries: { tor: 'relative/tor' } }, { unknown: true }, { autostart: { tor: 'yes' } }],
  },
  'underpass:tor:getStatus': { valid: [undefined], invalid: [{}] },
  'underpass:tor:listCircuits': { valid: [undefined], invalid: [[]] },
  'underpass:tor:listStreams': { valid: [undefined], invalid: [0] },
  'underpass:tor:getBandwidth': { valid: [undefined], invalid: ['5m'] },
  'underpass:tor:listRelays': { valid: [undefined], invalid: [{ flag: 'Exit' }] },
  'underpass:tor:newIdentity': { valid: [undefined], invalid: [true] },
  'underpass:tor:buildCircuit': {
    valid: [{ path: [FPR] }, { path: [FPR, FPR2, FPR] }],
    invalid: [{ path: [] }, { path: ['abc'] }, { path: [FPR.toLowerCase()] }, { path: Array(9).fill(FPR) }, {}],
  },
  'underpass:tor:pinStreams': { valid: [{ circuitId: '12' }, { circuitId: null }], invalid: [{ circuitId: 'x' }, {}, { circuitId: 12 }] },
  'underpass:tor:closeCircuit': { valid: [{ circuitId: '7' }], invalid: [{ circuitId: '-1' }, { circuitId: '7; QUIT' }] },
  'underpass:tor:testSocks': {
    valid: [{}, { url: 'http://127.0.0.1:8080/' }, { url: 'https://example.org/x?y=1' }],
    invalid: [{ url: 'file:///etc/passwd' }, { url: 'not a url' }, { url: `http://a/${'x'.repeat(2100)}` }],
  },
  'underpass:tor:getConfig': { valid: [undefined], invalid: [{ key: 'x' }] },
  'underpass:tor:setOption': {
    valid: [{ key: 'ExitNodes', value: '{de},{nl}' }, { key: 'StrictNodes', value: '1' }],
    invalid: [{ key: 'ControlPort', value: '9051' }, { key: 'ExitNodes' }, { key: 'ExitNodes', value: 'x'.repeat(5000) }],
  },
  'underpass:tor:resetOption': { valid: [{ key: 'ExcludeNodes' }], invalid: [{ key: 'DataDirectory' }] },
  'underpass:i2p:getStatus': { valid: [undefined], invalid: [{}] },
  'underpass:i2p:getRouterInfo': { valid: [undefined], invalid: [1] },
  'underpass:i2p:getBandwidth': { valid: [undefined], invalid: ['5m'] },
  'underpass:i2p:setTransit': { valid: [{ enabled: true }, { enabled: false }], invalid: [{ enabled: 'yes' }, {}] },
  'underpass:i2p:shutdownGraceful': { valid: [undefined], invalid: [{ now: true }] },
  'underpass:i2p:listTunnels': { valid: [undefined], invalid: [[]] },
  'underpass:i2p:createServerTunnel': { valid: [{ name: 'web', targetPort: 8080 }], invalid: [{ name: '', targetPort: 8080 }, { name: 'web', targetPort: 0 }, { name: 'web', targetPort: 8080, key: 'x' }] },
  'underpass:i2p:startServerTunnel': { valid: [{ id: '0123456789abcdef' }], invalid: [{ id: '../x' }, {}] },
  'underpass:i2p:stopServerTunnel': { valid: [{ id: '0123456789abcdef' }], invalid: [{ id: 'A' }] },
  'underpass:i2p:removeServerTunnel': { valid: [{ id: '0123456789abcdef' }], invalid: [{ id: 5 }] },
  'underpass:i2p:createClientTunnel': {
    valid: [{ name: 'site', localPort: 9000, destination: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p' }, { name: 'site', localPort: 9000, destination: 'stats.i2p' }],
    invalid: [{ name: 'site', localPort: 9000, destination: 'example.com' }, { name: 'site', localPort: 70000, destination: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p' }],
  },
  'underpass:i2p:removeClientTunnel': { valid: [{ id: '0123456789abcdef' }], invalid: [{}] },
  'underpass:nym:getStatus': { valid: [undefined], invalid: [{ x: 1 }] },
  'underpass:nym:listContacts': { valid: [undefined], invalid: [[]] },
  'underpass:nym:addContact': {
    valid: [{ name: 'Ana', address: NYM_ADDR }],
    invalid: [{ name: '', address: NYM_ADDR }, { name: 'Ana', address: 'abc@def' }, { name: 'Ana', address: NYM_ADDR, extra: 1 }, { name: 'x'.repeat(81), address: NYM_ADDR }],
  },
  'underpass:nym:updateContact': {
    valid: [{ id: 'c_0123456789abcdef', name: 'B' }, { id: 'c_0123456789abcdef', address: NYM_ADDR }],
    invalid: [{ id: 'c_1', name: 'B' }, { id: 'c_0123456789abcdef', address: 'nope' }],
  },
  'underpass:nym:removeContact': { valid: [{ id: 'c_0123456789abcdef' }], invalid: [{ id: '../x' }, {}] },
  'underpass:nym:listConversations': { valid: [undefined], invalid: [{ all: true }] },
  'underpass:nym:getConversation': { valid: [{ id: 'tag_0123456789abcdef' }], invalid: [{ id: 'x_0123456789abcdef' }, {}] },
  'underpass:nym:send': {
    valid: [
      { address: NYM_ADDR, text: 'hi', anonymous: false },
      { address: NYM_ADDR, text: 'hi', anonymous: true, replySurbs: 20 },
      { address: NYM_ADDR, text: 'hi', anonymous: false, includeAddress: true },
    ],
    invalid: [
      { address: NYM_ADDR, text: '', anonymous: false },
      { address: NYM_ADDR, text: 'hi', anonymous: true, replySurbs: 101 },
      { address: NYM_ADDR.replace('.', ''), text: 'hi', anonymous: false },
      { address: NYM_ADDR, text: 'hi', anonymous: false, withReplySurb: true },
      { address: NYM_ADDR, text: 'x'.repeat(16_001), anonymous: false },
    ],
  },
  'underpass:nym:reply': {
    valid: [{ conversationId: 'tag_0123456789abcdef', text: 'back' }],
    invalid: [{ conversationId: 'tag_0123456789abcdef', text: '' }, { senderTag: 'zXExeyvPEHUk9rjXTu78T', text: 'back' }],
  },
  'underpass:nym:sendFile': {
    valid: [{ address: NYM_ADDR, name: 'a.txt', mime: 'text/plain', dataBase64: 'aGk=', anonymous: true, replySurbs: 10 }],
    invalid: [
      { address: NYM_ADDR, name: '', mime: 'text/plain', dataBase64: 'aGk=', anonymous: true },
      { address: NYM_ADDR, name: 'a', mime: '', dataBase64: 'not base64!', anonymous: false },
      { address: NYM_ADDR, name: 'a', mime: '', dataBase64: 'A'.repeat(220_000), anonymous: false },
    ],
  },
  'underpass:nym:markRead': { valid: [{ conversationId: 'inbox_0123456789abcdef' }], invalid: [{ conversationId: 3 }] },
  'underpass:bridges:listBuiltin': { valid: [undefined], invalid: [{ id: 'obfs4' }] },
  'underpass:bridges:validate': { valid: [{ text: '' }, { text: 'obfs4 127.0.0.1:1 x' }], invalid: [{}, { text: 'x'.repeat(64_001) }, { text: 1 }] },
  'underpass:bridges:apply': {
    valid: [{ kind: 'builtin', id: 'obfs4' }, { kind: 'custom', text: 'Bridge 127.0.0.1:9001' }, { kind: 'lab' }, { kind: 'lab', transport: 'webtunnel' }],
    invalid: [{ kind: 'builtin', id: 'obfs5' }, { kind: 'custom', text: '' }, { kind: 'lab', extra: 1 }, { kind: 'lab', transport: 'snowflake' }, {}],
  },
  'underpass:bridges:revert': { valid: [undefined], invalid: [{}] },
  'underpass:bridges:current': { valid: [undefined], invalid: ['x'] },
  'underpass:bridges:test': { valid: [{ line: 'obfs4 127.0.0.1:1 x' }], invalid: [{ line: '' }, {}, { line: 'a'.repeat(2049) }] },
  'underpass:bridges:listTests': { valid: [undefined], invalid: [1] },
  'underpass:bridges:diagnosis': { valid: [undefined], invalid: [null] },
  'underpass:drops:create': {
    valid: [
      { title: 'Tips' },
      { title: 'Desk', note: 'Hi', accept: 'files', persistent: true, clientAuth: true, limits: { maxFileBytes: 1 << 20 }, folder: '/home/j/Drops' },
      { title: 'Sealed', ageRecipient: AGE_RECIPIENT, schedule: { startInMinutes: 5, stopAfterMinutes: 60, stopAfterFirstUpload: true } },
      { title: 'Later', schedule: { startAt: 1_900_000_000_000 } },
    ],
    invalid: [
      {},
      { title: '' },
      { title: 'x', accept: 'video' },
      { title: 'x', folder: 'relative' },
      { title: 'x', limits: { maxFileBytes: 5 << 20, maxUploadBytes: 1 << 20 } },
      { title: 'x', extra: 1 },
      { title: 'x', ageRecipient: 'ssh-ed25519 AAAAC3Nz' },
      { title: 'x', ageRecipient: 'age1short' },
      { title: 'x', schedule: { stopAfterMinutes: -5 } },
      { title: 'x', schedule: { startAt: 1, startInMinutes: 2 } },
      { title: 'x', schedule: { startInMinutes: 1.5 } },
    ],
  },
  'underpass:drops:list': { valid: [undefined], invalid: [{ id: 'x' }] },
  'underpass:drops:start': { valid: [{ id: DROP_ID }], invalid: [{ id: 'nope' }, {}] },
  'underpass:drops:stop': { valid: [{ id: DROP_ID }], invalid: [{ id: DROP_ID.toUpperCase() }] },
  'underpass:drops:remove': { valid: [{ id: DROP_ID }, { id: DROP_ID, deleteUploads: true }], invalid: [{ id: DROP_ID, deleteUploads: 'yes' }, { id: '../x' }] },
  'underpass:drops:listUploads': { valid: [{ id: DROP_ID }], invalid: [{ id: DROP_ID, x: 1 }] },
  'underpass:drops:decrypt': {
    valid: [
      { id: DROP_ID, uploadId: '2026-11-26_00-17-39', identity: AGE_IDENTITY },
      { id: DROP_ID, uploadId: '2026-11-26_00-17-39-2', identity: `# public key: ${AGE_RECIPIENT}\n${AGE_IDENTITY}\n`, destination: '/home/j/Decrypted' },
    ],
    invalid: [
      { id: DROP_ID, uploadId: '../../etc', identity: AGE_IDENTITY },
      { id: DROP_ID, uploadId: '2026-11-26_00-17-39', identity: AGE_RECIPIENT },
      { id: DROP_ID, uploadId: '2026-11-26_00-17-39', identity: AGE_IDENTITY, destination: 'relative/dir' },
    ],
  },
  'underpass:drops:generateIdentity': { valid: [undefined], invalid: [{ x: 1 }] },
  'underpass:drops:openFolder': { valid: [{ id: DROP_ID }, { id: DROP_ID, uploadId: '2026-11-26_00-17-39' }], invalid: [{ id: DROP_ID, path: '/etc' }, {}] },
  'underpass:onions:create': {
    // Values out of range pass the boundary and come back from the service as field errors.
    valid: [{ name: 'Web', ports: [{ virtualPort: 80, targetPort: 8080 }] }, { name: 'x', ports: [{ virtualPort: 0, targetPort: 70000, targetHost: '10.0.0.1' }], persistent: true, clientAuth: true }],
    invalid: [{ name: 'Web' }, { name: 'Web', ports: [{ virtualPort: '80', targetPort: 8080 }] }, { name: 'Web', ports: [], extra: 1 }, { name: 'Web', ports: Array.from({ length: 257 }, () => ({ virtualPort: 1, targetPort: 1 })) }],
  },
  'underpass:onions:list': { valid: [undefined], invalid: [{ id: ONION_SERVICE_ID }] },
  'underpass:onions:remove': { valid: [{ id: ONION_SERVICE_ID }], invalid: [{ id: 'x' }, {}] },
  'underpass:guidance:apply': {
    valid: [{ action: 'tor.start' }, { action: 'nym.composeAnonymous' }, { action: 'drop.createProtected', ageRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' }],
    invalid: [{ action: 'rm -rf' }, {}, { action: 'tor.start', x: 1 }, { action: 'drop.createProtected', ageRecipient: 'AGE-SECRET-KEY-1X' }, { action: 'tor.start', ageRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' }],
  },
  'underpass:guidance:measure': { valid: [undefined], invalid: [{ network: 'tor' }] },
  'underpass:logs:recent': { valid: [{ limit: 10 }, { limit: 5000, source: 'tor' }], invalid: [{ limit: 0 }, { limit: 5001 }, {}, { limit: 1.5 }] },
};

const circuit: Circuit = {
  id: '5',
  status: 'BUILT',
  purpose: 'GENERAL',
  hsState: null,
  buildFlags: ['NEED_CAPACITY'],
  createdAt: 1,
  path: [{ fingerprint: FPR, nickname: 'auth', address: '127.0.0.1', country: null, flags: ['Guard'] }],
  reason: null,
  bytesRead: 0,
  bytesWritten: 10,
  userBuilt: false,
};
const torStatus: TorStatus = {
  running: true,
  connected: true,
  bootstrap: { progress: 100, tag: 'done', summary: 'Done', problem: null },
  ready: true,
  version: '0.4.9.14',
  socks: { kind: 'tcp', host: '127.0.0.1', port: 9050 },
  networkLive: true,
  warnings: [],
  labOrigin: null,
  pinnedCircuit: null,
};

const nymStatus: NymStatus = {
  state: 'ready',
  clientState: 'connected',
  address: NYM_ADDR,
  clientId: 'underpass-0011',
  gateway: '4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f',
  websocketPort: 41977,
  lab: true,
  traffic: {
    source: 'lab',
    messageSendingAverageDelayMs: 20,
    loopCoverAverageDelayMs: 200,
    averagePacketDelayMs: 15,
    coverTrafficEnabled: true,
    sendingPacketsPerSecond: 50,
    coverPacketsPerSecond: 5,
  },
  laneQueueLength: 0,
  labLatencyMs: null,
  startedAt: 1,
  lastError: null,
  storageWarning: null,
};
const nymMessageEvent: NymMessageEvent = {
  conversation: {
    id: 'contact_0123456789abcdef',
    kind: 'contact',
    title: 'Ana',
    address: NYM_ADDR,
    senderTag: null,
    canReply: true,
    unread: 0,
    lastMessageAt: 1,
    lastText: 'hi',
  },
  message: { id: 'm_0123456789abcdef', direction: 'out', text: 'hi', kind: 'anonymous', replySurbs: 20, state: 'queued', queueLength: 3, error: null, at: 1, sentAt: null, attachment: null, totalPackets: 3 },
};

const EVENT_EXAMPLES: Record<string, { valid: unknown; invalid: unknown }> = {
  'underpass:i2p:onStatus': {
    valid: { running: true, ready: true, version: '2.59.0', samVersion: '3.3', shuttingDown: false, router: { ready: true, version: '2.59.0', uptimeMs: 4000, netStatus: 'unknown', participatingTunnels: 3, tunnelSuccessRate: 100, knownPeers: 2, activePeers: 1, bwIn: 10, bwOut: 5, totalReceivedBytes: 100, totalSentBytes: 200, transit: true }, lab: true },
    invalid: { running: true, ready: true, version: '2.59.0', samVersion: '3.3', shuttingDown: false, router: { ...{ ready: true, version: '2.59.0', uptimeMs: 4000, netStatus: 'unknown', participatingTunnels: 3, tunnelSuccessRate: 100, knownPeers: 2, activePeers: 1, bwIn: 10, bwOut: 5, totalReceivedBytes: 100, totalSentBytes: 200, transit: true }, netStatus: 'great' }, lab: true },
  },
  'underpass:i2p:onBandwidth': { valid: { time: 1, read: 2, written: 3 }, invalid: { time: 1, read: -1, written: 3 } },
  'underpass:i2p:onTunnels': {
    valid: { servers: [{ id: '0123456789abcdef', name: 'web', targetPort: 8080, b32: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p', state: 'running', error: null, connections: 0 }], clients: [] },
    invalid: { servers: [{ id: '0123456789abcdef', name: 'web', targetPort: 8080, b32: 'nope.i2p', state: 'running', error: null, connections: 0 }], clients: [] },
  },
  'underpass:nym:onStatus': { valid: nymStatus, invalid: { ...nymStatus, clientState: 'online' } },
  'underpass:nym:onMessage': { valid: nymMessageEvent, invalid: { ...nymMessageEvent, message: { ...nymMessageEvent.message, state: 'delivered' } } },
  'underpass:nym:onContacts': {
    valid: [{ id: 'c_0123456789abcdef', name: 'Ana', address: NYM_ADDR, createdAt: 1 }],
    invalid: [{ id: 'c_0123456789abcdef', name: 'Ana', address: 'x', createdAt: 1 }],
  },
  'underpass:tor:onStatus': { valid: torStatus, invalid: { ...torStatus, bootstrap: { ...torStatus.bootstrap, progress: 101 } } },
  'underpass:tor:onCircuit': { valid: circuit, invalid: { ...circuit, path: [{ fingerprint: 'short' }] } },
  'underpass:tor:onStream': {
    valid: { id: '3', status: 'NEW', circuitId: '0', target: 'a:80', purpose: null, reason: null, bytesRead: 0, bytesWritten: 0, updatedAt: 1 },
    invalid: { id: '3', status: 'NEW' },
  },
  'underpass:tor:onBandwidth': { valid: { time: 1, read: 2, written: 3 }, invalid: { time: 1, read: -2, written: 3 } },
  'underpass:supervisor:onStatus': { valid: status, invalid: { ...status, state: 'running' } },
  'underpass:settings:onChanged': { valid: settings, invalid: { ...settings, language: 'xx' } },
  'underpass:bridges:onDiagnosis': {
    valid: { cause: 'bridge-port-closed', title: 't', nextStep: 'n', evidence: ['e'], params: { bridge: '127.0.0.1:9', clockSkewS: null, stalledS: null }, stalled: true, progress: 2, tag: 'conn_done_pt', suggestBridge: true, at: 1 },
    invalid: { cause: 'gremlins', title: 't', nextStep: 'n', evidence: [], stalled: true, progress: 2, tag: 'x', suggestBridge: true, at: 1 },
  },
  'underpass:bridges:onTest': {
    valid: { line: '127.0.0.1:1', startedAt: 1, finishedAt: 2, stages: [{ stage: 'tcp', afterMs: 3 }], reached: 'tcp', ok: false, failure: 'x', lastBootstrap: null },
    invalid: { line: '127.0.0.1:1', startedAt: 1, finishedAt: 2, stages: [{ stage: 'udp', afterMs: 3 }], reached: null, ok: false, failure: null, lastBootstrap: null },
  },
  'underpass:drops:onDrop': { valid: drop, invalid: { ...drop, state: 'running' } },
  'underpass:drops:onRemoved': { valid: { id: DROP_ID }, invalid: { id: 'x' } },
  'underpass:drops:onUpload': { valid: upload, invalid: { ...upload, stored: -1 } },
  'underpass:onions:onService': { valid: onionService, invalid: { ...onionService, ports: [] } },
  'underpass:onions:onRemoved': { valid: { id: ONION_SERVICE_ID }, invalid: { id: 'nope' } },
  'underpass:logs:onLine': { valid: logLine, invalid: { ...logLine, level: 'loud' } },
};

describe('contract', () => {
  const channels = listChannels();

  it('names every channel underpass:<service>:<name>, uniquely', () => {
    const names = channels.map((c) => c.channel);
    expect(new Set(names).size).toBe(names.length);
    for (const c of channels) expect(c.channel).toMatch(/^underpass:[a-z][a-z0-9]*:[a-zA-Z]+$/);
    expect(findChannel(channelName('app', 'getInfo'))?.def).toBe(contract.app.getInfo);
  });

  it('has examples for every channel, and each example is judged correctly', () => {
    for (const c of channels) {
      if (c.def.kind === 'invoke') {
        const ex = INVOKE_EXAMPLES[c.channel];
        expect(ex, `examples for ${c.channel}`).toBeDefined();
        for (const v of ex!.valid) expect(c.def.args.safeParse(v).success, `${c.channel} accepts ${JSON.stringify(v)}`).toBe(true);
        for (const v of ex!.invalid) expect(c.def.args.safeParse(v).success, `${c.channel} rejects ${JSON.stringify(v)}`).toBe(false);
      } else {
        const ex = EVENT_EXAMPLES[c.channel];
        expect(ex, `examples for ${c.channel}`).toBeDefined();
        expect(c.def.payload.safeParse(ex!.valid).success).toBe(true);
        expect(c.def.payload.safeParse(ex!.invalid).success).toBe(false);
      }
    }
    const known = new Set(channels.map((c) => c.channel));
    for (const name of [...Object.keys(INVOKE_EXAMPLES), ...Object.keys(EVENT_EXAMPLES)]) expect(known.has(name), name).toBe(true);
  });
});

describe('Result envelope', () => {
  it('round-trips every error code through JSON', () => {
    const schema = resultSchema(contract.supervisor.list.result);
    for (const code of ERROR_CODES) {
      const r = err(code, `failed: ${code}`, { status: 552 });
      const back = schema.parse(JSON.parse(JSON.stringify(r)));
      expect(back).toEqual(r);
      expect(() => unwrap(back as Result<unknown>)).toThrow(IpcError);
      try {
        unwrap(back as Result<unknown>);
      } catch (e) {
        expect((e as IpcError).code).toBe(code);
        expect((e as IpcError).details).toEqual({ status: 552 });
      }
    }
    expect(unwrap(schema.parse(JSON.parse(JSON.stringify(ok([status])))) as Result<DaemonStatus[]>)).toEqual([status]);
  });

  it('rejects an unknown error code', () => {
    const schema = resultSchema(contract.app.getInfo.result);
    expect(schema.safeParse({ ok: false, error: { code: 'SOMETHING_NEW', message: 'x' } }).success).toBe(false);
  });
});

describe('buildApi', () => {
  it('exposes one function per channel and validates both directions', async () => {
    const sent: [string, unknown][] = [];
    const listeners = new Map<string, (p: unknown) => void>();
    const invalid: string[] = [];
    const api = buildApi(
      {
        invoke: async (channel, args) => {
          sent.push([channel, args]);
          if (channel === 'underpass:supervisor:list') return ok([status]);
          return ok({ bogus: true });
        },
        subscribe: (channel, l) => {
          listeners.set(channel, l);
          return () => listeners.delete(channel);
        },
      },
      (channel) => invalid.push(channel),
    );
    for (const c of listChannels()) {
      const svc = (api as unknown as Record<string, Record<string, unknown>>)[c.service];
      expect(typeof svc?.[c.name]).toBe('function');
    }
    expect(await api.supervisor.list()).toEqual(ok([status]));
    // A result outside its schema never reaches the UI untyped.
    expect((await api.app.getInfo()).ok).toBe(false);
    // Bad args fail before anything is sent.
    const bad = await api.supervisor.start({ id: 'NOT OK' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_ARGS' } });
    expect(sent.map((s) => s[0])).toEqual(['underpass:supervisor:list', 'underpass:app:getInfo']);

    const got: DaemonStatus[] = [];
    const off = api.supervisor.onStatus((s) => got.push(s));
    listeners.get('underpass:supervisor:onStatus')?.(status);
    listeners.get('underpass:supervisor:onStatus')?.({ nope: 1 });
    expect(got).toEqual([status]);
    expect(invalid).toEqual(['underpass:supervisor:onStatus']);
    off();
    expect(listeners.has('underpass:supervisor:onStatus')).toBe(false);
  });
});
