/**
 * The responder of bench/ike-setup-scale.ts in a process of its own (RESPONDER_PROCESS=1):
 * one host on 127.0.0.1 (free ports), connection `rw` from %any. It reports its own memory,
 * CPU (process.cpuUsage), SAs, timers and event-loop delay over IPC, so that the figures are
 * the responder's alone, as the issue counts them. Settings come in SCALE_SETTINGS (JSON).
 *
 *   child -> parent  { type: 'ready', port, report }
 *   parent -> child  { id, req: ResponderRequest }   child -> parent  { id, result }
 */
import { writeHeapSnapshot } from 'node:v8';
import {
  hostReport,
  loopDelayMonitor,
  RESPONDER_ADDR,
  type ResponderRequest,
  responderConfig,
  type ScaleSettings,
  startUdpHost,
} from './ike-scale-common.js';

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('ike-scale-responder: run me with child_process.fork');
  const settings = JSON.parse(process.env.SCALE_SETTINGS ?? '{}') as ScaleSettings;
  const host = await startUdpHost(RESPONDER_ADDR, responderConfig(settings));
  let loop = loopDelayMonitor();
  send({ type: 'ready', port: host.ports.port, report: hostReport(host, loop, true) });
  process.on('message', (m: { id: number; req: ResponderRequest }) => {
    const { id, req } = m;
    switch (req.cmd) {
      case 'report':
        send({ id, result: hostReport(host, loop, req.gc) });
        break;
      case 'rss':
        send({ id, result: process.memoryUsage.rss() });
        break;
      case 'reset-loop':
        loop.histogram.disable();
        loop = loopDelayMonitor();
        send({ id, result: null });
        break;
      case 'snapshot':
        send({ id, result: writeHeapSnapshot(req.file) });
        break;
      case 'close':
        void host.close().then(() => {
          send({ id, result: null }, () => process.exit(0));
        });
        break;
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
