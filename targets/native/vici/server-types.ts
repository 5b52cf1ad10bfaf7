/**
 * The VICI server's seams (issue 17): what a command handler sees and how the daemon publishes
 * events. server.ts carries packets on a Unix socket; commands/*.ts implement strongSwan's
 * commands against the daemon. Message trees are ./message.ts's ViciSection (viciSection() builds
 * one from a plain object).
 */
import type { ViciSection } from './message.js';

/** What a command handler may do besides answering. */
export interface ViciCommandContext {
  /** The connection's id (for logs). */
  readonly client: number;
  /**
   * Streams an event to this client only, if it registered `name` (strongSwan's streaming
   * commands: list-sas sends list-sa events, list-conns list-conn, initiate control-log...).
   */
  emit(name: string, message: ViciSection): void;
  /** Whether this client registered `name` (skip building events nobody reads). */
  registered(name: string): boolean;
}

/**
 * A command: the request message in, the response message out. Errors a client can cause are
 * answered in strongSwan's convention inside the response (`success = no`, `errmsg = ...`), not
 * thrown; a throw is a bug and is answered as `success = no` with a generic errmsg and logged.
 */
export type ViciCommandHandler = (
  request: ViciSection,
  ctx: ViciCommandContext,
) => ViciSection | Promise<ViciSection>;

export interface ViciServer {
  /** Registers command `name` (a second registration of one name is a programming error). */
  command(name: string, handler: ViciCommandHandler): void;
  /** Sends event `name` to every client registered for it (ike-updown, child-updown...). */
  publish(name: string, message: ViciSection): void;
  /** Clients connected now. */
  readonly clients: number;
  /** Stops listening, closes every client, removes the socket file. */
  close(): Promise<void>;
}
