/** `npm start`: the whole system in one process with an embedded Redis by default. */
import { loadConfig, ConfigError } from './config';
import { startServer } from './server';

try {
  const config = loadConfig();
  const server = await startServer(config);
  const d = server.demo;
  const lines = [
    '',
    '政务晓屋 is running',
    d
      ? `  社区晓屋 booth:       ${server.url}/booth/#enroll=${d.booth.boothId}.${d.booth.secret}`
      : `  社区晓屋 booth:       ${server.url}/booth/  (enroll with the booth's device secret)`,
    `  云坐席 agent console: ${server.url}/agent/`,
    ...(d ? d.agents.map((a) => `      ${a.username} / ${a.password}   ${a.name}`) : []),
    ...(d ? [`      ${d.supervisor.username} / ${d.supervisor.password}   值班长 (supervisor)`] : []),
    ...(d?.interpreters
      ? d.interpreters.map((i) => `      ${i.username} / ${i.password}   ${i.name} 手语翻译 (interpreter, same console)`)
      : d?.interpreter
        ? [`      ${d.interpreter.username} / ${d.interpreter.password}   手语翻译 (interpreter, same console)`]
        : []),
    `  health:              ${server.url}/healthz`,
    d ? `  (demo logins are kept in ${config.DATA_DIR}/demo-credentials.json)` : '',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (sig: string) => {
    server.log.info({ sig }, 'shutting down');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // Rolling upgrade: stop taking new connections, send idle clients on, let calls finish (see cluster/nodes.ts).
  process.on('SIGUSR2', () => server.nodes.startDraining('SIGUSR2'));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
