/**
 * `npm run recording:verify -- <session dir> [...]`: checks each recording's
 * segments against its chained manifest and reports missing or altered ones.
 * Exit code 0 when all are intact, 1 otherwise.
 */
import { verifyRecording } from './manifest';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: npm run recording:verify -- <data/recordings/<sessionId>> [...]\n');
  process.exit(2);
}
let bad = 0;
for (const dir of dirs) {
  const r = verifyRecording(dir);
  process.stdout.write(`${r.ok ? 'OK     ' : 'BROKEN '} ${dir}: ${r.segments} segments${r.ok ? '' : `\n  ${r.problems.join('\n  ')}`}\n`);
  if (!r.ok) bad++;
}
process.exit(bad ? 1 : 0);
