/** Types of model.js (plain JavaScript, shared with the page). */
import type { ChildSaSummary, IkeSaSummary, InspectionEvent } from '../../../../actors/inspection/events.js';

export const TIMELINE_LIMIT: number;
export const PAYLOAD_LIMIT: number;
export const STOPPED_LIMIT: number;

export interface ActorRecord {
  id: string;
  kind: 'supervisor' | 'ike-sa' | 'child-sa';
  parent: string | null;
  machine: string | null;
  value: unknown;
  status: string;
  createdAt: number;
  stoppedAt: number | null;
  ike: IkeSaSummary | null;
  child: ChildSaSummary | null;
  lastEvent?: string | null;
  keys?: unknown;
}

export type TimelineEntry =
  | { kind: 'created'; seq: number; t: number }
  | { kind: 'state'; seq: number; t: number; actor: string; value: unknown; status: string }
  | Extract<InspectionEvent, { kind: 'ike.message' | 'ike.drop' }>;

export interface Model {
  seq: number;
  t: number;
  t0: number | null;
  actors: Record<string, ActorRecord>;
  timelines: Record<string, TimelineEntry[]>;
  trimmed: Record<string, number>;
  stopped: string[];
  counters: CountersView | null;
  drops: Record<string, number>;
  unattached: InspectionEvent[];
}

export interface ActorView {
  id: string;
  kind: string;
  machine: string | null;
  value: unknown;
  state: string | null;
  status: string;
  createdAt: number;
  stoppedAt: number | null;
  ageMs: number;
  ike?: IkeSaSummary;
  child?: ChildSaSummary;
  keys?: unknown;
}

export interface ActorTree {
  id: string;
  kind: 'supervisor';
  value: unknown;
  status: string;
  t: number;
  seq: number;
  ikeSas: (ActorView & { children: ActorView[] })[];
}

export interface TreeFilter {
  connection?: string;
  peer?: string;
  state?: string;
}

export interface Timeline {
  actor: string;
  machine: string | null;
  value: unknown;
  ike?: IkeSaSummary;
  keys?: unknown;
  trimmed: number;
  events: TimelineEntry[];
}

export interface CountersView {
  ikeSas: Readonly<Record<string, number>>;
  halfOpen: number;
  cookiesSent: number;
  drops: Readonly<Record<string, number>>;
  source?: 'daemon' | 'stream';
}

export function createModel(): Model;
export function apply(model: Model, event: InspectionEvent | unknown): Model;
export function fold(events: readonly unknown[], upTo?: number): Model;
export function ikeOf(model: Model, actorId: string): string | undefined;
export function statePaths(value: unknown, prefix?: string): string[];
export function ikeState(actor: ActorRecord): string;
export function actorTree(model: Model, filter?: TreeFilter): ActorTree;
export function timeline(model: Model, id: string): Timeline | undefined;
export function counters(model: Model): CountersView;
