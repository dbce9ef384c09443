/** `npm start`: the whole system in one process with an embedded Redis by default. */
import { loadConfig, ConfigError } from './config';
import { startServer } from './server';

try {
  const config = loadConfig();
  const server = await startServer(config);
  const lines = [
    '',
    '政务晓屋 is running',
    `  社区晓屋 booth:       ${server.url}/booth/?booth=booth-demo`,
    `  云坐席 agent console: ${server.url}/agent/?agent=agent-1`,
    `  health:              ${server.url}/healthz`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = (sig: string) => {
    server.log.info({ sig }, 'shutting down');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
