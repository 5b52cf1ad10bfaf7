/**
 * The lifecycle of one Child SA (RFC 7296 §1.3, §1.4.1, §2.8), as list-sas reports it:
 *
 *   installing --INSTALLED--> installed --REKEY--> rekeying --REKEYED--> rekeyed
 *        |                        |                   |  \--REKEY_FAILED--> installed
 *        |                        +--DELETE--> deleting <--DELETE--+ (from rekeying / rekeyed)
 *        +--FAILED--> deleted     any state --REMOVED--> deleted (final)
 *
 * Definitions only: the supervisor sends the events as the IKE SA actor negotiates and the IPsec
 * backend installs and removes; the state is what operators see (INSTALLED, REKEYING, ...).
 */
import { setup } from 'xstate';

export type ChildSaEvent =
  | { readonly type: 'INSTALLED' }
  | { readonly type: 'FAILED' }
  | { readonly type: 'REKEY' }
  | { readonly type: 'REKEYED' }
  | { readonly type: 'REKEY_FAILED' }
  | { readonly type: 'DELETE' }
  | { readonly type: 'REMOVED' };

export const childSaMachine = setup({
  types: { events: {} as ChildSaEvent },
}).createMachine({
  id: 'childSa',
  initial: 'installing',
  on: { REMOVED: '.deleted' },
  states: {
    installing: { on: { INSTALLED: 'installed', FAILED: 'deleted' } },
    installed: { on: { REKEY: 'rekeying', DELETE: 'deleting' } },
    rekeying: { on: { REKEYED: 'rekeyed', REKEY_FAILED: 'installed', DELETE: 'deleting' } },
    /** Replaced by its rekey (§2.8): inbound still accepted until the Delete is done. */
    rekeyed: { on: { DELETE: 'deleting' } },
    deleting: {},
    deleted: { type: 'final' },
  },
});

/** The swanctl / VICI name of a Child SA state. */
export function childSaStateName(value: string): string {
  return value.toUpperCase();
}
