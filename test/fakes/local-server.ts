import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 (a free port) for the fakes: `start` resolves to its URL, `close`
 * drops the connections still open (a held answer, a keep-alive socket) and waits for the close.
 */
export class LocalHttpServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private url_ = '';

  /** `name` is the fake's, for the error when its URL is asked before start(). */
  constructor(private readonly name: string) {}

  async start(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url_;
  }

  get url(): string {
    if (!this.url_) throw new Error(`${this.name}: start() first`);
    return this.url_;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
