/**
 * Who may talk to the inspector. It listens on loopback unless told otherwise; any other address
 * needs a token, which every request for the page, the API or the WebSocket must then carry
 * (`Authorization: Bearer TOKEN` or `?token=TOKEN`). Without a token, requests must name a
 * loopback host (Host header), so that a web page elsewhere cannot reach the inspector through
 * DNS rebinding, and a WebSocket's Origin must be the inspector itself.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export class InspectorError extends Error {}

export interface Listen {
  readonly address: string;
  readonly port: number;
}

export const DEFAULT_ADDRESS = '127.0.0.1';

/** '[ADDR:]PORT' ('8080', '127.0.0.2:8080', '0.0.0.0:8080', '[::1]:8080'); throws InspectorError. */
export function parseListen(spec: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(spec.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new InspectorError(`'${spec}' is not [ADDR:]PORT (e.g. 8080 or 127.0.0.1:8080)`);
  const address = m[1] ?? m[2] ?? DEFAULT_ADDRESS;
  if (m[1] !== undefined && isIP(address) !== 6) throw new InspectorError(`'${m[1]}' is not an IPv6 address`);
  return { address, port };
}

export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  if (a === 'localhost' || a === '::1') return true;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a.startsWith('::ffff:127.');
}

/** Refuses a non-loopback address without a token (clear error for the command line). */
export function checkListen(listen: Listen, token: string | undefined): void {
  if (token !== undefined && token.length < 8)
    throw new InspectorError('--inspect-token must be at least 8 characters');
  if (!isLoopback(listen.address) && token === undefined)
    throw new InspectorError(
      `--inspect ${listen.address}:${listen.port} is not a loopback address: give --inspect-token TOKEN too (the page and the API then require it)`,
    );
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The token a request carries, from its Authorization header or its query string. */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m?.[1] ?? url.searchParams.get('token') ?? undefined;
}

function hostName(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]+)(?::\d+)?$/.exec(host);
  return m?.[1] ?? host;
}

/** Why a request is refused (status and text), or undefined when it may go on. */
export function refusal(
  req: IncomingMessage,
  url: URL,
  token: string | undefined,
): { status: number; text: string } | undefined {
  if (token === undefined) {
    const host = req.headers.host;
    if (!host || !isLoopback(hostName(host)))
      return { status: 403, text: 'the inspector answers only to a loopback host name' };
    const origin = req.headers.origin;
    if (origin !== undefined && req.headers.upgrade) {
      let o: URL | undefined;
      try {
        o = new URL(origin);
      } catch {
        o = undefined;
      }
      if (!o || o.host !== host) return { status: 403, text: 'cross-origin WebSocket refused' };
    }
    return undefined;
  }
  const given = tokenOf(req, url);
  if (given === undefined || !timingSafeEqual(digest(given), digest(token)))
    return {
      status: 401,
      text: 'this inspector needs its token (Authorization: Bearer TOKEN or ?token=TOKEN)',
    };
  return undefined;
}
