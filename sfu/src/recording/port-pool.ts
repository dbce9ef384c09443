/**
 * UDP port pairs (RTP, RTCP) for recorder inputs, from a configured range.
 * A pair is handed out only after both ports were bound and released here,
 * and never twice while in use, so concurrent recordings never collide.
 */
import dgram from 'node:dgram';

async function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export class PortPool {
  private readonly used = new Set<number>();
  private next: number;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {
    this.min = min % 2 === 0 ? min : min + 1;
    this.next = this.min;
  }

  /** An even RTP port whose RTCP port (+1) is free too. */
  async allocate(): Promise<number> {
    const span = this.max - this.min;
    for (let tried = 0; tried <= span; tried += 2) {
      const port = this.next;
      this.next = this.next + 2 > this.max - 1 ? this.min : this.next + 2;
      if (this.used.has(port)) continue;
      if ((await free(port)) && (await free(port + 1))) {
        this.used.add(port);
        return port;
      }
    }
    throw new Error(`no free recorder ports in ${this.min}-${this.max}`);
  }

  release(port: number): void {
    this.used.delete(port);
  }

  get inUse(): number {
    return this.used.size;
  }
}
