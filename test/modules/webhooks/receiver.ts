import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

type Tap = { teardown: (fn: () => unknown) => void };

/** One request as the receiver saw it, with whether its signature held for the secret it was given. */
export type Received = { id: string; type: string; body: Record<string, unknown>; verified: boolean; headers: Record<string, string> };

/**
 * A webhook receiver on 127.0.0.1, as an integrator would write one: it verifies each request with
 * standardwebhooks' own `verify` and the endpoint's secret. `answer` decides the status it replies
 * with; `stop()` and `start()` take it down and bring it back on the same port.
 */
export class Receiver {
  readonly received: Received[] = [];
  answer = 200;
  secret = '';
  port = 0;
  #server: Server | null = null;

  get url() {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(t?: Tap): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
        let verified = false;
        try {
          new Webhook(this.secret).verify(raw, headers);
          verified = true;
        } catch {
          verified = false;
        }
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.received.push({ id: headers['webhook-id'] ?? '', type: String(body.type), body, verified, headers });
        response.writeHead(this.answer, { 'content-type': 'text/plain' }).end(this.answer < 300 ? 'thanks' : 'not now');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    t?.teardown(() => this.stop());
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
