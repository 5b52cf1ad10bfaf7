/**
 * The SPD actor: owns the SPD table (ipsec/policy/spd.ts).
 *
 * A plain actor object, like the SAD actor: control arrives as typed events through send()
 * ('policy.add' | 'policy.delete'), processed synchronously with a Result, and leaves on
 * `events$` ('policy.added' | 'policy.removed'). Packets never pass through here: the ESP
 * pipeline's stages call `table.lookup()` per packet, which reads the compiled rule lists.
 */
import { type Observable, Subject } from 'rxjs';
import { type Policy, Spd } from '../ipsec/policy/spd.js';
import { ok, type Result } from '../ipsec/result.js';
import {
  type AddPolicyParams,
  type BackendError,
  backendError,
  type DeletePolicyParams,
} from './ipsec-backend.js';

export type SpdCommand =
  | { readonly type: 'policy.add'; readonly params: AddPolicyParams }
  | { readonly type: 'policy.delete'; readonly params: DeletePolicyParams };

export type SpdNotice =
  | { readonly type: 'policy.added'; readonly policy: Policy }
  | { readonly type: 'policy.removed'; readonly policy: Policy };

export class SpdActor {
  readonly table = new Spd();
  readonly #notices = new Subject<SpdNotice>();
  readonly events$: Observable<SpdNotice> = this.#notices.asObservable();

  /** Answers the policies added or removed. */
  send(command: SpdCommand): Result<readonly Policy[], BackendError> {
    if (command.type === 'policy.add') {
      const added = this.table.add(command.params);
      if (!added.ok) return backendError('invalid-params', added.error.message);
      this.#notices.next({ type: 'policy.added', policy: added.value });
      return ok([added.value]);
    }
    const p = command.params;
    let removed: Policy[];
    if ('id' in p) {
      const one = this.table.remove(p.id);
      removed = one ? [one] : [];
    } else {
      removed = this.table.removeByReqid(p.reqid);
    }
    if (removed.length === 0) return backendError('unknown-policy', 'no such policy');
    for (const policy of removed) this.#notices.next({ type: 'policy.removed', policy });
    return ok(removed);
  }
}
