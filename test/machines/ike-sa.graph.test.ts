/**
 * Path coverage of the IKE SA statechart (machines/ike-sa.machine.ts): every transition of
 * ikeSaMachine, listed from the machine itself (xstate/graph's toDirectedGraph for the event
 * and delayed transitions, plus the eventless `always` transitions it leaves out), must be taken
 * at least once by the scenarios below, which drive two supervisors on virtual time (and, for
 * requests a compliant peer never sends, messages crafted with the peer's IKE SA keys).
 *
 * Taken transitions are recorded from XState's inspection API: the supervisor's IKE SA run
 * (actors/ike-sa-run.ts) is wrapped (vi.mock) to add an `inspect` observer that reads the
 * transitions of every '@xstate.microstep'.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { getStateNodes, toDirectedGraph } from 'xstate/graph';

const recorder = vi.hoisted(() => ({ taken: new Map<string, number>() }));

/** A transition's identity: source state, event ('' = eventless), position among its siblings. */
const keyOf = vi.hoisted(
  () =>
    (t: {
      source: { id: string; always?: readonly unknown[]; transitions: Map<string, readonly unknown[]> };
      eventType: string;
    }): string => {
      const siblings =
        t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? []);
      return `${t.source.id} | ${t.eventType || 'always'} #${siblings.indexOf(t)}`;
    },
);

vi.mock('../../actors/ike-sa-run.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../actors/ike-sa-run.js')>();
  class RecordedRun extends mod.IkeSaRun {
    constructor(...[machine, options]: ConstructorParameters<typeof mod.IkeSaRun>) {
      const inspect = (e: InspectionEvent) => {
        if (e.type === '@xstate.microstep')
          for (const t of e._transitions) {
            const k = keyOf(t as never);
            recorder.taken.set(k, (recorder.taken.get(k) ?? 0) + 1);
          }
        options.inspect?.(e);
      };
      super(machine, { ...options, inspect });
    }
  }
  return { ...mod, IkeSaRun: RecordedRun };
});

import { notify } from '../../ipsec/ike/exchange/messages.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import { utf8 } from '../../ipsec/util/bytes.js';
import { ikeSaMachine } from '../../machines/ike-sa.machine.js';
import { clientConfig } from '../support/ike-peers.js';
import {
  captureIke,
  ikeContext,
  ikeMessageOf,
  ikePhase,
  sendAs,
  type TwoHostOptions,
  trackSas,
  twoHosts,
} from '../support/two-hosts.js';

const guardName = (t: AnyTransitionDefinition): string => {
  const g = t.guard as unknown;
  if (g === undefined) return '';
  if (typeof g === 'string') return `[${g}]`;
  if (typeof g === 'object' && g !== null && 'type' in g) return `[${String((g as { type: unknown }).type)}]`;
  return '[inline guard]';
};

/** Every transition of the machine: key -> readable label. */
function allTransitions(): Map<string, string> {
  const out = new Map<string, string>();
  const nodes = new Set<AnyStateNode>([ikeSaMachine.root, ...getStateNodes(ikeSaMachine)]);
  for (const node of nodes) {
    const lists = [...node.transitions.values(), node.always ?? []];
    for (const list of lists)
      for (const t of list) {
        const targets = t.target?.map((n: AnyStateNode) => n.id).join(',') ?? '(self, no target)';
        out.set(keyOf(t as never), `${keyOf(t as never)} ${guardName(t)} -> ${targets}`);
      }
  }
  return out;
}

/** Two hosts with IKE captured; `until` advances virtual time. */
function world(o: TwoHostOptions = {}) {
  const w = twoHosts(o);
  const wire = captureIke(w.net, w.clock);
  return { ...w, wire };
}

const fromGateway = (d: { remote: { address: string } }) => d.remote.address === '10.99.0.2';
const isExchange = (exchange: number, response?: boolean) => (d: Parameters<typeof ikeMessageOf>[0]) => {
  const h = ikeMessageOf(d)?.header;
  return (
    h !== undefined && h.exchangeType === exchange && (response === undefined || isResponse(h) === response)
  );
};

/** The scenarios: each drives the statechart down some paths. */
const SCENARIOS: Record<string, () => void> = {
  'established; our CREATE_CHILD_SA; a moot task; a liveness check from the peer, an IKE_AUTH the gateway refuses, a stale response':
    () => {
      const w = world();
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(1000);
      expect(ikePhase(ike)).toBe('established');
      /* CREATE_CHILD_SA { SA, Ni, TSi, TSr }  -->   <--  CREATE_CHILD_SA { SA, Nr, TSi, TSr } */
      w.client.supervisor.createChild(ike.uniqueid, 'net');
      w.clock.advance(1000);
      expect(ike.children).toHaveLength(2);
      // A moot task (a Child SA that does not exist) is dropped without a request.
      ike.actor.send({ type: 'TASK', task: { kind: 'deleteChild', spiIn: new Uint8Array(4) } });
      w.clock.advance(100);
      // Requests crafted with the client's keys, past its own Message IDs.
      const next = ikeContext(ike).nextMessageId;
      /* INFORMATIONAL { }  -->   <--  INFORMATIONAL { } */
      sendAs(w.client, ike, {
        exchangeType: ExchangeType.INFORMATIONAL,
        messageId: next,
        response: false,
        payloads: [],
      });
      w.clock.advance(100);
      /* IKE_AUTH { }  -->   <--  IKE_AUTH { N(INVALID_SYNTAX) }   (not served once established) */
      sendAs(w.client, ike, {
        exchangeType: ExchangeType.IKE_AUTH,
        messageId: next + 1,
        response: false,
        payloads: [],
      });
      w.clock.advance(100);
      // A stale duplicate of the IKE_AUTH response reaches the client: dropped.
      const authResponse = w.wire.find(
        (m) => m.header.exchangeType === ExchangeType.IKE_AUTH && isResponse(m.header),
      );
      const dropped = ikeContext(ike).stats.dropped;
      w.gateway.transport.send(authResponse!.data, ike.remote, ike.local);
      w.clock.advance(100);
      expect(ikeContext(ike).stats.dropped).toBe(dropped + 1);
      expect(ikePhase(ike)).toBe('established');
    },
  'terminate: Delete(IKE) both ways closes both IKE SAs': () => {
    const w = world();
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    const [gw] = w.gateway.supervisor.ikeSas;
    w.client.supervisor.terminate(ike.uniqueid);
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('closed');
    expect(gw && ikePhase(gw)).toBe('closed');
  },
  'the initiator refuses our AUTH after we answered: INFORMATIONAL { N(AUTHENTICATION_FAILED) } closes the gateway SA (§2.21.2)':
    () => {
      const w = world();
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(1000);
      const [gw] = w.gateway.supervisor.ikeSas;
      /* INFORMATIONAL { N(AUTHENTICATION_FAILED) }  -->   <--  INFORMATIONAL { } */
      sendAs(w.client, ike, {
        exchangeType: ExchangeType.INFORMATIONAL,
        messageId: ikeContext(ike).nextMessageId,
        response: false,
        payloads: [notify(NotifyError.AUTHENTICATION_FAILED)],
      });
      w.clock.advance(100);
      expect(gw && ikePhase(gw)).toBe('closed');
      expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
    },
  'dead peer detection: answered, then unanswered until the client gives up': () => {
    const w = world({ clientConnections: [{ ...clientConfig(), dpd_delay: 30 }] });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(31_000);
    expect(w.wire.filter((m) => m.header.exchangeType === ExchangeType.INFORMATIONAL)).toHaveLength(2);
    w.net.filter = (d) => !fromGateway(d);
    w.clock.advance(400_000);
    expect(ikePhase(ike)).toBe('failed');
  },
  'IKE SA rekeying; the old gateway SA retires when the Delete never comes': () => {
    const w = world({ clientConnections: [{ ...clientConfig(), rekey_time: 120, rand_time: 0 }] });
    w.client.supervisor.initiate('gw', 'net');
    const gatewaySas = trackSas(w.gateway.supervisor);
    // The client rekeys at 120 s; every Delete of the old IKE SA is lost, so the gateway's old
    // SA closes after the retire time (the whole retransmission schedule, ~165 s).
    w.net.filter = (d) => !(isExchange(ExchangeType.INFORMATIONAL, false)(d) && !fromGateway(d));
    w.clock.advance(300_000);
    expect(gatewaySas().map(ikePhase)[0]).toBe('closed'); // (the next rekey, at 240 s, made a third)
    w.net.filter = undefined;
    w.clock.advance(200_000);
    expect(w.gateway.supervisor.ikeSas.map(ikePhase)).toEqual(['established']);
  },
  'a task reaching a replaced IKE SA is forwarded; a duplicate Child SA rekey is dropped': () => {
    const w = world({});
    w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(w.client.supervisor.rekeyChild('net')).toBe(true);
    const first = w.client.supervisor.ikeSas[0]!;
    const spiIn = first.children[0]!.record.spiIn;
    first.actor.send({ type: 'TASK', task: { kind: 'rekeyChild', spiIn } }); // already in flight
    w.clock.advance(1000);
    let forwarded = false;
    w.client.supervisor.on((e) => {
      // Right after the rekey the old SA is retired (deleting itself): a task goes on to e.handle.
      if (e.type === 'ike-rekeyed' && !forwarded) {
        forwarded = true;
        e.old.actor.send({ type: 'TASK', task: { kind: 'dpd' } });
      }
    });
    w.client.supervisor.rekeyIke('gw');
    w.clock.advance(2000);
    expect(forwarded).toBe(true);
    expect(w.client.supervisor.ikeSas.map(ikePhase)).toEqual(['established']);
  },
  'INVALID_KE_PAYLOAD: a second IKE_SA_INIT': () => {
    const w = world({
      client: { proposals: ['aes128ctr-aesxcbc-prfsha256-x25519-ecp256'] },
      gateway: { proposals: ['aes128ctr-aesxcbc-prfsha256-ecp256'] },
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('established');
  },
  'NO_PROPOSAL_CHOSEN in IKE_SA_INIT': () => {
    const w = world({ client: { proposals: ['aes256-sha384-ecp384'] } });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('failed');
  },
  AUTHENTICATION_FAILED: () => {
    const w = world({
      gatewaySecrets: [{ name: 'x', id: ['alice@example.org', 'bob@example.org'], secret: utf8('other') }],
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('failed');
  },
  'no PSK at the client; the gateway times the half-open SA out': () => {
    const w = world({ clientSecrets: [] });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(60_000);
    expect(ikePhase(ike)).toBe('failed');
    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
  },
  'no answer to IKE_SA_INIT: retransmissions (answered from the cache) until the client gives up': () => {
    const w = world({ gatewayDaemon: { half_open_timeout: 600 } });
    w.net.filter = (d) => !fromGateway(d);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(200_000);
    expect(ikePhase(ike)).toBe('failed');
  },
  'no answer to IKE_AUTH: retransmissions until the client gives up': () => {
    const w = world();
    w.net.filter = (d) => !(fromGateway(d) && isExchange(ExchangeType.IKE_AUTH)(d));
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(200_000);
    expect(ikePhase(ike)).toBe('failed');
  },
  'a half-open gateway SA gets a request other than IKE_AUTH': () => {
    const w = world();
    w.net.filter = (d) => !(!fromGateway(d) && isExchange(ExchangeType.IKE_AUTH)(d));
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(100);
    sendAs(w.client, ike, {
      exchangeType: ExchangeType.INFORMATIONAL,
      messageId: 1,
      response: false,
      payloads: [],
    });
    w.clock.advance(100);
    const answers = w.wire.filter(
      (m) => m.header.exchangeType === ExchangeType.INFORMATIONAL && isResponse(m.header),
    );
    expect(answers).toHaveLength(1);
  },
  'a request from the responder while our IKE_AUTH is outstanding is dropped and counted (CVE-2019-12312)':
    () => {
      const w = world();
      const gatewaySas = trackSas(w.gateway.supervisor);
      // The gateway's IKE_AUTH response never arrives: the client stays in initiator.auth.waiting.
      w.net.filter = (d) => !(fromGateway(d) && isExchange(ExchangeType.IKE_AUTH, true)(d));
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(100);
      const gw = gatewaySas()[0]!;
      expect(ikePhase(ike)).toBe('initiator.auth.waiting');
      const before = ikeContext(ike).stats.dropped;
      const sent = w.wire.length;
      sendAs(w.gateway, gw, {
        exchangeType: ExchangeType.INFORMATIONAL,
        messageId: 0,
        response: false,
        payloads: [],
      });
      w.clock.advance(10);
      expect(ikeContext(ike).stats.dropped).toBe(before + 1);
      expect(
        w.wire
          .slice(sent)
          .filter((m) => m.header.exchangeType === ExchangeType.INFORMATIONAL && isResponse(m.header)),
      ).toEqual([]);
      expect(ikePhase(ike)).toBe('initiator.auth.waiting');
    },
  'IKE fragmentation (RFC 7383): the last fragment of every IKE_AUTH response is lost; reassembly times out':
    () => {
      const w = world({ daemon: { fragment_size: 140 } });
      w.net.filter = (d) => {
        const m = ikeMessageOf(d);
        const skf = m?.payloads.at(-1);
        return !(
          fromGateway(d) &&
          skf?.type === PayloadType.SKF &&
          skf.fragmentNumber === skf.totalFragments
        );
      };
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(35_000); // past reassemblyTimeoutMs (30 s) after the first fragment
      expect(ikeContext(ike).fragments.counters.dropped.timeout).toBeGreaterThan(0);
      expect(ikePhase(ike)).toBe('initiator.auth.waiting');
    },
};

describe('IKE SA statechart: every transition is taken', () => {
  it.each(Object.keys(SCENARIOS))('%s', (name) => {
    SCENARIOS[name]!();
  });

  it('xstate/graph lists no transition we do not (its edges are our event and delayed transitions)', () => {
    const ours = allTransitions();
    const edges: string[] = [];
    const walk = (n: ReturnType<typeof toDirectedGraph>): void => {
      for (const e of n.edges) edges.push(keyOf(e.transition as never));
      n.children.forEach(walk);
    };
    walk(toDirectedGraph(ikeSaMachine));
    expect(edges.filter((k) => !ours.has(k))).toEqual([]);
    expect(edges.length).toBeGreaterThan(0);
  });

  it('every transition of ikeSaMachine was taken by some scenario', () => {
    const all = allTransitions();
    const missing = [...all].filter(([k]) => !recorder.taken.has(k)).map(([, label]) => label);
    console.info(
      `ikeSaMachine: ${all.size} transitions, ${all.size - missing.length} taken:\n` +
        [...all]
          .map(([k, label]) => `  ${String(recorder.taken.get(k) ?? 0).padStart(4)}  ${label}`)
          .join('\n'),
    );
    expect(missing).toEqual([]);
  });
});
