/**
 * Where the inspector's events come from. Live: the daemon's inspection hub
 * (actors/inspection), seen through the narrow `InspectionSource` below. Replay: a recording read
 * back (recording.ts). `MemorySource` is a source of our own for tests and for a daemon run
 * without a hub.
 */
import type { InspectionEvent, MachineGraph } from '../../../actors/inspection/events.js';
import { redactKeys } from '../../../actors/inspection/record.js';

export type InspectionListener = (event: InspectionEvent) => void;

/** What the inspector needs of a live stream. */
export interface InspectionSource {
  /** Every event from now on, in order; returns the unsubscribe function. */
  subscribe(listener: InspectionListener): () => void;
  /** The statecharts the stream's actors run (`actor.created.machine` names one). */
  machines(): readonly MachineGraph[];
}

/** An in-memory source: `publish` hands an event to every listener. */
export class MemorySource implements InspectionSource {
  private readonly listeners = new Set<InspectionListener>();
  constructor(private readonly graphs: readonly MachineGraph[] = []) {}

  subscribe(listener: InspectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  machines(): readonly MachineGraph[] {
    return this.graphs;
  }

  publish(event: InspectionEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}

/**
 * Drops every field named `keys` (where the stream carries secrets when its hub was asked to,
 * events.ts), at any depth. The inspector and the recorder apply it unless told to keep keys,
 * so that a hub made with keys for one of them does not leak them through the other.
 */
export const withoutKeys = redactKeys;
