// A reference API process for ExaBGP: writes a prepared command file to stdout as fast as the pipe
// takes it (no ack window: ExaBGP's acks are drained by reading stdin), then idles until stdin EOF.
// Usage: node feeder.mjs COMMANDS_FILE
import { createReadStream } from 'node:fs';

const [commandFile] = process.argv.slice(2);
let acks = 0;
process.stdin.on('data', (d) => {
  for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) acks++;
});
process.stdin.on('end', () => process.exit(0));
createReadStream(commandFile, { highWaterMark: 1 << 20 }).pipe(process.stdout, { end: false });
process.on('SIGTERM', () => {
  process.stderr.write(`feeder: ${acks} answers\n`);
  process.exit(0);
});
