/** The statecharts of machines/ (as the hub's MachineGraph draws them), written out for the fixture. */
import type { MachineGraph } from '../../../../actors/inspection/events.js';

export const FIXTURE_MACHINES: readonly MachineGraph[] = [
  {
    id: 'ikeSa',
    states: [
      {
        id: 'start',
        initial: true,
      },
      {
        id: 'initiator',
      },
      {
        id: 'initiator.init',
        parent: 'initiator',
        initial: true,
      },
      {
        id: 'initiator.init.waiting',
        parent: 'initiator.init',
        initial: true,
      },
      {
        id: 'initiator.init.decide',
        parent: 'initiator.init',
      },
      {
        id: 'initiator.auth',
        parent: 'initiator',
      },
      {
        id: 'initiator.auth.waiting',
        parent: 'initiator.auth',
        initial: true,
      },
      {
        id: 'initiator.auth.decide',
        parent: 'initiator.auth',
      },
      {
        id: 'responder',
      },
      {
        id: 'responder.init',
        parent: 'responder',
        initial: true,
      },
      {
        id: 'responder.halfOpen',
        parent: 'responder',
      },
      {
        id: 'responder.decide',
        parent: 'responder',
      },
      {
        id: 'established',
      },
      {
        id: 'established.idle',
        parent: 'established',
        initial: true,
      },
      {
        id: 'established.retired',
        parent: 'established',
      },
      {
        id: 'established.requesting',
        parent: 'established',
      },
      {
        id: 'established.requesting.waiting',
        parent: 'established.requesting',
        initial: true,
      },
      {
        id: 'failed',
        final: true,
      },
      {
        id: 'closed',
        final: true,
      },
    ],
    transitions: [
      {
        source: 'start',
        target: 'established',
        event: 'always',
      },
      {
        source: 'start',
        target: 'initiator',
        event: 'always',
      },
      {
        source: 'start',
        target: 'responder',
        event: 'always',
      },
      {
        source: 'initiator.init.waiting',
        target: 'initiator.init.decide',
        event: 'RESPONSE',
      },
      {
        source: 'initiator.init.waiting',
        target: 'initiator.init.waiting',
        event: 'xstate.after.RETRANSMIT.ikeSa.initiator.init.waiting',
      },
      {
        source: 'initiator.init.waiting',
        target: 'failed',
        event: 'xstate.after.RETRANSMIT.ikeSa.initiator.init.waiting',
      },
      {
        source: 'initiator.init.decide',
        target: 'initiator.auth',
        event: 'always',
      },
      {
        source: 'initiator.init.decide',
        target: 'initiator.init',
        event: 'always',
      },
      {
        source: 'initiator.init.decide',
        target: 'failed',
        event: 'always',
      },
      {
        source: 'initiator.auth.waiting',
        target: 'initiator.auth.decide',
        event: 'RESPONSE',
      },
      {
        source: 'initiator.auth.waiting',
        target: 'initiator.auth.waiting',
        event: 'xstate.after.RETRANSMIT.ikeSa.initiator.auth.waiting',
      },
      {
        source: 'initiator.auth.waiting',
        target: 'failed',
        event: 'xstate.after.RETRANSMIT.ikeSa.initiator.auth.waiting',
      },
      {
        source: 'initiator.auth.waiting',
        target: 'failed',
        event: 'always',
      },
      {
        source: 'initiator.auth.decide',
        target: 'established',
        event: 'always',
      },
      {
        source: 'initiator.auth.decide',
        target: 'failed',
        event: 'always',
      },
      {
        source: 'responder.init',
        target: 'responder.halfOpen',
        event: 'always',
      },
      {
        source: 'responder.init',
        target: 'failed',
        event: 'always',
      },
      {
        source: 'responder.halfOpen',
        target: 'responder.decide',
        event: 'REQUEST',
      },
      {
        source: 'responder.halfOpen',
        target: 'failed',
        event: 'xstate.after.HALF_OPEN.ikeSa.responder.halfOpen',
      },
      {
        source: 'responder.decide',
        target: 'established',
        event: 'always',
      },
      {
        source: 'responder.decide',
        target: 'failed',
        event: 'always',
      },
      {
        source: 'established',
        target: 'closed',
        event: 'REQUEST',
      },
      {
        source: 'established.idle',
        target: 'established.idle',
        event: 'xstate.after.DPD.ikeSa.established.idle',
      },
      {
        source: 'established.idle',
        target: 'established.requesting',
        event: 'always',
      },
      {
        source: 'established.idle',
        target: 'established.retired',
        event: 'always',
      },
      {
        source: 'established.retired',
        target: 'closed',
        event: 'xstate.after.RETIRE.ikeSa.established.retired',
      },
      {
        source: 'established.requesting',
        target: 'closed',
        event: 'RESPONSE',
      },
      {
        source: 'established.requesting',
        target: 'established.idle',
        event: 'RESPONSE',
      },
      {
        source: 'established.requesting',
        target: 'established.idle',
        event: 'always',
      },
      {
        source: 'established.requesting.waiting',
        target: 'established.requesting.waiting',
        event: 'xstate.after.RETRANSMIT.ikeSa.established.requesting.waiting',
      },
      {
        source: 'established.requesting.waiting',
        target: 'failed',
        event: 'xstate.after.RETRANSMIT.ikeSa.established.requesting.waiting',
      },
    ],
  },
  {
    id: 'childSa',
    states: [
      {
        id: 'installing',
        initial: true,
      },
      {
        id: 'installed',
      },
      {
        id: 'rekeying',
      },
      {
        id: 'rekeyed',
      },
      {
        id: 'deleting',
      },
      {
        id: 'deleted',
        final: true,
      },
    ],
    transitions: [
      {
        source: 'installing',
        target: 'installed',
        event: 'INSTALLED',
      },
      {
        source: 'installing',
        target: 'deleted',
        event: 'FAILED',
      },
      {
        source: 'installed',
        target: 'rekeying',
        event: 'REKEY',
      },
      {
        source: 'installed',
        target: 'deleting',
        event: 'DELETE',
      },
      {
        source: 'rekeying',
        target: 'rekeyed',
        event: 'REKEYED',
      },
      {
        source: 'rekeying',
        target: 'installed',
        event: 'REKEY_FAILED',
      },
      {
        source: 'rekeying',
        target: 'deleting',
        event: 'DELETE',
      },
      {
        source: 'rekeyed',
        target: 'deleting',
        event: 'DELETE',
      },
    ],
  },
];
