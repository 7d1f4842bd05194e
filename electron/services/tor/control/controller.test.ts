// TorController end to end against a loopback tor scripted with the tor-lab replies.
// Checks wiring only; parsing details are tested beside each parser.
import { afterEach, describe, expect, it } from 'vitest';
import { TorController } from './controller';
import { TorOperationFailed, TorSocketClosed } from './errors';
import type { CircEvent, TorEvent } from './events';
import { fixtureBytes, fixtureText } from './__fixtures__/fixtures';
import { startFakeTor, type FakeTor } from './__fixtures__/loopback-tor';

const SID = 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad';
const DETACHED = 'zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid';
const COOKIE = Buffer.from('3dedd801ebe923a0fdd3f00eb72606e18b4d183278cc5d487a049c9b05de2646', 'hex');

// A tor that answers each command of the tor-lab transcripts with what tor 0.4.9.11 answered.
const SCRIPT: Record<string, string> = {
  'PROTOCOLINFO 1': fixtureText('protocolinfo-cookie.txt').replace('METHODS=COOKIE,SAFECOOKIE', 'METHODS=COOKIE'),
  [`AUTHENTICATE ${COOKIE.toString('hex')}`]: fixtureText('ok.txt'),
  'SETEVENTS CIRC STREAM BW ORCONN HS_DESC STATUS_CLIENT': fixtureText('ok.txt'),
  'GETINFO version': fixtureText('getinfo-version.txt'),
  'GETINFO circuit-status': fixtureText('getinfo-circuit-status.txt'),
  'GETINFO stream-status': fixtureText('getinfo-stream-status.txt'),
  'GETINFO orconn-status': fixtureText('getinfo-orconn-status.txt'),
  'GETINFO entry-guards': fixtureText('getinfo-entry-guards.txt'),
  'GETINFO status/bootstrap-phase': fixtureText('getinfo-bootstrap-phase.txt'),
  'GETINFO ns/all': fixtureText('getinfo-ns-all.txt'),
  'GETINFO onions/current': fixtureText('getinfo-onions-current.txt'),
  'ADD_ONION NEW:ED25519-V3 Flags=V3Auth Port=80,127.0.0.1:8080 ClientAuthV3=7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ':
    fixtureText('add-onion-client-auth-v3.txt'),
  [`ONION_CLIENT_AUTH_ADD ${SID} x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=`]: fixtureText('onion-client-auth-add-252.txt'),
  'ONION_CLIENT_AUTH_VIEW': fixtureText('onion-client-auth-view.txt'),
  [`ONION_CLIENT_AUTH_REMOVE ${SID}`]: fixtureText('ok.txt'),
  [`DEL_ONION ${DETACHED}`]: fixtureText('del-onion-552.txt'),
  'GETCONF __OwningControllerProcess': fixtureText('getconf-owning-controller.txt'),
  'SETCONF __OwningControllerProcess="4242"': fixtureText('ok.txt'),
  'RESETCONF __OwningControllerProcess': fixtureText('ok.txt'),
  TAKEOWNERSHIP: fixtureText('ok.txt'),
  'EXTENDCIRCUIT 0': fixtureText('extendcircuit.txt'),
  'ATTACHSTREAM 80 42': fixtureText('ok.txt'),
  'CLOSECIRCUIT 42 IfUnused': fixtureText('ok.txt'),
  'SIGNAL NEWNYM': fixtureText('ok.txt'),
  QUIT: '250 closing connection\r\n',
};

let fake: FakeTor | undefined;
let controller: TorController | undefined;

afterEach(async () => {
  await controller?.close();
  await fake?.close();
  controller = undefined;
  fake = undefined;
});

async function start(): Promise<TorController> {
  fake = await startFakeTor((line, peer) => {
    if (line === 'QUIT') {
      peer.write(SCRIPT.QUIT ?? '');
      peer.socket.end();
      return;
    }
    return SCRIPT[line] ?? `510 Unrecognized command "${line.split(' ')[0]}"\r\n`;
  });
  controller = await TorController.connect(
    { host: '127.0.0.1', port: fake.port },
    { timeoutMs: 2_000, readFile: async () => COOKIE },
  );
  return controller;
}

describe('TorController against a scripted loopback tor', () => {
  it('authenticates, subscribes, and hands typed events to typed listeners', async () => {
    const c = await start();
    expect((await c.authenticate()).method).toBe('COOKIE');
    await c.setEvents(['CIRC', 'STREAM', 'BW', 'ORCONN', 'HS_DESC', 'STATUS_CLIENT']);
    const circs: CircEvent[] = [];
    const all: TorEvent['type'][] = [];
    const bw: number[] = [];
    c.on('CIRC', (e) => circs.push(e));
    c.on('BW', (e) => bw.push(e.read));
    c.onAny((e) => all.push(e.type));
    (await fake?.peer())?.write(fixtureBytes('events-client.txt'));
    expect(await c.getVersion()).toBe('0.4.9.11');
    expect(all).toHaveLength(24);
    expect(circs.filter((e) => e.status === 'BUILT')[0]?.path.map((h) => h.nickname)).toEqual(['auth', 'relay1', 'relay3']);
    expect(bw).toEqual([0, 8357476, 8270881, 8562042, 7741338, 8213834]);
  });

  it('delivers an unparseable event as UNKNOWN and reports the parse error', async () => {
    fake = await startFakeTor((line) => (line === 'QUIT' ? '250 closing connection\r\n' : undefined));
    const errors: unknown[] = [];
    controller = await TorController.connect({ host: '127.0.0.1', port: fake.port }, { onEventParseError: (e) => errors.push(e) });
    const got: TorEvent[] = [];
    controller.on('UNKNOWN', (e) => got.push(e));
    (await fake.peer()).write('650 CIRC 7\r\n');
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([{ type: 'UNKNOWN', name: 'CIRC', raw: 'CIRC 7' }]);
    expect(errors).toHaveLength(1);
  });

  it('reads circuits, streams, OR connections, guards, bootstrap phase and relays', async () => {
    const c = await start();
    expect((await c.getCircuits()).map((x) => x.id)).toEqual(['1', '2', '7', '8', '9', '10']);
    expect(await c.getStreams()).toMatchObject([{ id: '80', status: 'SUCCEEDED', circuitId: '2' }]);
    expect((await c.getOrConnections()).map((o) => o.relay?.nickname)).toEqual(['auth', 'relay1']);
    expect(await c.getEntryGuards()).toMatchObject([{ nickname: 'bridge', status: 'up' }]);
    expect(await c.getBootstrapPhase()).toMatchObject({ progress: 100, tag: 'done' });
    expect((await c.getRelays()).map((r) => r.nickname)).toEqual(['auth', 'relay2', 'relay3', 'relay1']);
    expect((await c.getInfo(['onions/current']))['onions/current'].split('\n')).toHaveLength(2);
  });

  it('runs the onion-service and client-auth commands of the transcripts', async () => {
    const c = await start();
    const onion = await c.addOnion({
      key: { type: 'NEW', algorithm: 'ED25519-V3' },
      flags: ['V3Auth'],
      ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }],
      clientAuthV3: ['7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ'],
    });
    expect(onion.serviceId).toBe(SID);
    expect(onion.privateKey?.keyType).toBe('ED25519-V3');
    expect(await c.onionClientAuthAdd(SID, 'QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=')).toEqual({
      status: 252,
      message: 'Registered client and decrypted desc',
    });
    expect((await c.onionClientAuthView()).clients.map((x) => x.serviceId)).toEqual([SID]);
    expect(await c.onionClientAuthRemove(SID)).toEqual({ removed: true });
    const err = await c.delOnion(DETACHED).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorOperationFailed);
    expect(err).toMatchObject({ code: '552', torMessage: 'Unknown Onion Service id' });
  });

  it('config, ownership, circuits, signals; unknown commands surface tor\'s 510', async () => {
    const c = await start();
    expect(await c.getConf(['__OwningControllerProcess'])).toEqual({ __OwningControllerProcess: [] });
    await c.setConf({ __OwningControllerProcess: '4242' });
    await c.takeOwnership();
    await c.resetConf(['__OwningControllerProcess']);
    expect(await c.extendCircuit(0)).toBe('42');
    await c.attachStream('80', '42');
    await c.closeCircuit('42', { ifUnused: true });
    await c.signal('NEWNYM');
    await expect(c.dropOwnership()).rejects.toMatchObject({ status: 510 });
  });

  it('close() sends QUIT and then fails further commands with TorSocketClosed', async () => {
    const c = await start();
    await c.close();
    expect(fake?.peers[0]?.received.at(-1)).toBe('QUIT');
    expect(c.closed).toBe(true);
    await expect(c.getVersion()).rejects.toBeInstanceOf(TorSocketClosed);
  });
});
