/**
 * The SA events VICI clients register for (ike-updown, child-updown, ike-rekey, child-rekey),
 * published from the supervisor's events in charon's layouts (./sa-sections.ts).
 */
import type { IkeSaHandle, InstalledChild } from '../../../../actors/supervisor.js';
import { viciSection } from '../message.js';
import type { ViciServer } from '../server-types.js';
import type { SaCommandsContext } from './sa.js';
import { childKey, childSaSection, ikeSaKeys, type SaSectionSource } from './sa-sections.js';

/**
 * ike-updown, child-updown, ike-rekey and child-rekey for every client registered, from the
 * supervisor's events, as charon raises them (vici_query.c): an IKE SA replaced by a rekey
 * goes without ike-updown (ike-rekey says it), a Child SA replaced by a rekey without
 * child-updown (child-rekey says it).
 */
export function publishSaEvents(
  server: ViciServer,
  ctx: SaCommandsContext,
  source: () => SaSectionSource,
): () => void {
  const sup = ctx.host.supervisor;
  /** IKE SAs replaced by a rekey (their end is no ike-updown). */
  const rekeyedIke = new WeakSet<IkeSaHandle>();
  /** Child SAs replaced by a rekey (their end is no child-updown). */
  const rekeyedChild = new WeakSet<InstalledChild>();
  /** Children installed before their IKE SA was established (child-updown follows ike-updown). */
  const waiting = new WeakMap<IkeSaHandle, InstalledChild[]>();
  // charon's ike-updown and ike-rekey carry an empty child-sas section (swanctl prints an IKE
  // SA when it meets one).
  const ikeOnly = (h: IkeSaHandle, src: SaSectionSource) => ({ ...ikeSaKeys(h, src), 'child-sas': {} });
  const updownChild = (h: IkeSaHandle, c: InstalledChild, up: boolean) => {
    const src = source();
    server.publish(
      'child-updown',
      viciSection({
        ...(up ? { up: 'yes' } : {}),
        [h.name]: { ...ikeSaKeys(h, src), 'child-sas': { [childKey(c)]: childSaSection(c, src) } },
      }),
    );
  };
  return sup.on((e) => {
    try {
      switch (e.type) {
        case 'ike-established': {
          // A rekey's successor starts established: no ike-updown (ike-rekey tells).
          if (e.handle.actor.getSnapshot().context.startEstablished) return;
          server.publish(
            'ike-updown',
            viciSection({ up: 'yes', [e.handle.name]: ikeOnly(e.handle, source()) }),
          );
          const early = waiting.get(e.handle) ?? [];
          waiting.delete(e.handle);
          for (const c of early) if (e.handle.children.includes(c)) updownChild(e.handle, c, true);
          return;
        }
        case 'ike-failed':
          waiting.delete(e.handle);
          return;
        case 'ike-closed':
          waiting.delete(e.handle);
          if (rekeyedIke.has(e.handle)) return;
          // The Child SAs that went with it: child-updown each, before ike-updown (as charon).
          for (const c of e.children ?? []) if (!rekeyedChild.has(c)) updownChild(e.handle, c, false);
          server.publish('ike-updown', viciSection({ [e.handle.name]: ikeOnly(e.handle, source()) }));
          return;
        case 'ike-rekeyed': {
          rekeyedIke.add(e.old);
          const src = source();
          server.publish(
            'ike-rekey',
            viciSection({ [e.old.name]: { old: ikeOnly(e.old, src), new: ikeOnly(e.handle, src) } }),
          );
          return;
        }
        case 'child-installed': {
          const of = e.child.record.rekeyOf;
          const old = of ? sup.findChild(of) : undefined;
          if (!old) {
            // IKE_AUTH's children come before the IKE SA is up: after its ike-updown, as charon.
            if (e.handle.state === 'ESTABLISHED') updownChild(e.handle, e.child, true);
            else waiting.set(e.handle, [...(waiting.get(e.handle) ?? []), e.child]);
            return;
          }
          rekeyedChild.add(old.child);
          const src = source();
          server.publish(
            'child-rekey',
            viciSection({
              [e.handle.name]: {
                ...ikeSaKeys(e.handle, src),
                'child-sas': {
                  [e.child.record.config.name]: {
                    old: childSaSection(old.child, src),
                    new: childSaSection(e.child, src),
                  },
                },
              },
            }),
          );
          return;
        }
        case 'child-removed':
          if (!rekeyedChild.has(e.child)) updownChild(e.handle, e.child, false);
          return;
        default:
          return;
      }
    } catch {
      // An event nobody could build must not break the supervisor's other listeners.
    }
  });
}
