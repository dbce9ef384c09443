/**
 * A recording sfu in its own OS process, for the recorder fault test: one
 * worker, one router, a video and an audio producer on PlainTransports (fed
 * by the test's RTP sender), and the real SessionRecorder writing 2-second
 * segments under argv[2]. Prints one JSON line with the ports, then runs until
 * it is killed. Env: REDIS_PATH (unix socket).
 */
import pino from 'pino';
import { Redis } from 'ioredis';
import { WorkerPool } from '../../sfu/src/media/worker-pool';
import { mediaCodecs } from '../../sfu/src/media/codecs';
import { PortPool } from '../../sfu/src/recording/port-pool';
import { SessionRecorder } from '../../sfu/src/recording/session-recorder';

const root = process.argv[2]!;
const sessionId = process.argv[3]!;
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const redis = new Redis({ path: process.env.REDIS_PATH! });
const pool = await WorkerPool.create({ count: 1, listenIp: '127.0.0.1', basePort: 0, log });
const { router } = await pool.createRouter(mediaCodecs);
const plain = () => router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
const vt = await plain();
const at = await plain();
const video = await vt.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] } });
const audio = await at.produce({
  kind: 'audio',
  rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }], encodings: [{ ssrc: 2222 }] },
});
const rec = new SessionRecorder(sessionId, router, { pool: new PortPool(30400, 30499), root, segmentSeconds: 2, redis, log });
const party = { partyId: 'p1', role: 'booth' as const, userId: 'booth-fault', name: 'fault' };
await rec.addProducer(party, video, 'camera');
await rec.addProducer(party, audio, 'mic');
console.log(
  JSON.stringify({
    video: { port: vt.tuple.localPort, rtcpPort: vt.rtcpTuple!.localPort },
    audio: { port: at.tuple.localPort, rtcpPort: at.rtcpTuple!.localPort },
    producers: { video: video.id, audio: audio.id },
  }),
);
setInterval(async () => {
  // The "call goes on" check: the producers keep receiving.
  const [v] = await video.getStats();
  console.log(JSON.stringify({ videoBytes: v?.byteCount ?? 0 }));
}, 1000);
